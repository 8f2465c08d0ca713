"""Who is at the keyboard: the name recorded with what an operator saves.

Until sign-in arrives (roles and stated purpose, issue #7) this is the operating-system account.
"""

from __future__ import annotations

import getpass


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
