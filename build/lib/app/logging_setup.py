"""Logging to a rotating file in the platform log folder, with credentials scrubbed from every line.

Scrubbing happens where records are made (a record factory), not in one handler, so that no
handler, ours or a library's, ever sees a ``user:password@`` from a camera URL.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path
from typing import Any

from app.registry.urls import redact

_base_factory = logging.getLogRecordFactory()


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # a malformed call; let logging report it as usual
        return record
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    return record


def install_redaction() -> None:
    logging.setLogRecordFactory(_redacting_factory)


def setup_logging(log_dir: Path, level: str = "INFO", *, console: bool = False) -> Path:
    install_redaction()
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "rtcc.log"
    root = logging.getLogger()
    root.setLevel(level)
    remove_handlers()
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(path, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8")
    ]
    if console:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._rtcc = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    return path


def remove_handlers() -> None:
    """Detach and close the handlers :func:`setup_logging` added."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_rtcc", False):
            root.removeHandler(handler)
            handler.close()
