"""Who asks for a governed action, and whether their role allows it."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from app.governance.roles import Action, Role, may


@dataclass(frozen=True)
class Actor:
    """A person at a workstation. ``role`` None with ``bootstrap`` set is the workstation's own
    user before the first account exists (a single workstation, the demo): allowed everything,
    as before accounts; once accounts exist every actor has signed in and has a role."""

    username: str
    role: Role | None
    workstation: str = field(default_factory=socket.gethostname)
    bootstrap: bool = False
    # The workstation's own divisions (its center's): a camera outside them needs a stated
    # purpose, as a private camera does. Empty: every division is home (one center).
    home_divisions: frozenset[str] = frozenset()

    @classmethod
    def before_accounts(cls, username: str, home_divisions: frozenset[str] = frozenset()) -> Actor:
        return cls(username, None, bootstrap=True, home_divisions=home_divisions)

    def is_home(self, division: str) -> bool:
        """Whether ``division`` is one of this workstation's own (every one, when it has none)."""
        return not self.home_divisions or division in self.home_divisions

    def may(self, action: Action) -> bool:
        if self.bootstrap:
            return True
        return self.role is not None and may(self.role, action)

    def describe(self) -> str:
        return f"{self.username} ({self.role.value if self.role else 'workstation user, no accounts'})"
