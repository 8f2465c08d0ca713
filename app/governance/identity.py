"""Who is acting: the name and workstation recorded with what is saved.

A use case acts for its actor: :func:`acting_as` (which :func:`app.console.use_cases.governed`
wraps around every use case) binds the person to the call, in the calling thread only, so a
store stamps "who" from the use case that called it, never from whoever signed in last.
Outside a use case (the recorder's own segments, a seed) the person signed in at this console
(:func:`sign_in`, after :class:`app.governance.accounts.AccountStore` checked the password)
and, before any account exists, the operating-system account of the process.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Acting:
    username: str
    workstation: str


# A context variable, not a global: each worker thread and each call sees only its own actor.
_acting: ContextVar[Acting | None] = ContextVar("acting", default=None)
# The console's signed-in person, for writes that are not a use case's (the process's own).
_signed_in: list[str | None] = [None]


@contextmanager
def acting_as(username: str, workstation: str = "") -> Iterator[None]:
    """Everything saved inside the block is stamped with ``username`` at ``workstation``."""
    token = _acting.set(Acting(username, workstation or socket.gethostname()))
    try:
        yield
    finally:
        _acting.reset(token)


def sign_in(username: str | None) -> None:
    """Record who is signed in at this console (None: signed out)."""
    _signed_in[0] = username


def current_user() -> str:
    acting = _acting.get()
    if acting is not None:
        return acting.username
    signed = _signed_in[0]
    if signed:
        return signed
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def current_workstation() -> str:
    acting = _acting.get()
    return acting.workstation if acting is not None else socket.gethostname()
