"""Who is at the keyboard: the name recorded with what an operator saves.

The person signed in (:func:`sign_in`, after :class:`app.governance.accounts.AccountStore`
checked the password); before any account exists, the operating-system account.
"""

from __future__ import annotations

import getpass

# Process-wide on purpose: worker threads record custody and audit under the same person.
_signed_in: list[str | None] = [None]


def sign_in(username: str | None) -> None:
    """Record who is signed in for everything this process does from now on (None: signed out)."""
    _signed_in[0] = username


def current_user() -> str:
    signed = _signed_in[0]
    if signed:
        return signed
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
