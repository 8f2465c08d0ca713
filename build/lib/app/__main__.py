"""Allow ``python -m app`` as an alias for the ``rtcc`` command."""

from __future__ import annotations

from app.cli import main

raise SystemExit(main())
