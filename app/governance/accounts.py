"""Local accounts: one per person, a role each, passwords hashed with scrypt.

scrypt is OpenSSL's, through :func:`hashlib.scrypt` (memory-hard; n=2**14, r=8, p=1, a 16-byte
random salt); the stored form names its parameters so they can be raised later. Signing in
compares in constant time. Adding a user, changing a role and every sign-in (or failed attempt)
is written to the audit log by the caller that holds the session (:mod:`app.governance.audit`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.governance import audit
from app.governance.roles import Role
from app.models.change_feed import publish
from app.models.db import write_transaction
from app.models.tables import User

# A dispatch feed's role is for a CAD system's calls, never a person's account.
PERSON_ROLES = tuple(r for r in Role if r is not Role.DISPATCH_FEED)

N, R, P = 2**14, 8, 1
USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,63}\Z")
MIN_PASSWORD = 10


class AccountError(ValueError):
    pass


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: Role
    active: bool


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        candidate = hashlib.scrypt(
            password.encode(),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=256 * 1024 * 1024,
            dklen=len(digest) // 2,
        )
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


class AccountStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def count(self) -> int:
        with self.sessions() as s:
            return int(s.scalar(select(func.count(User.id))) or 0)

    def add(
        self, username: str, display_name: str, role: Role | str, password: str, reports_to: str = ""
    ) -> Account:
        username = username.strip().lower()
        if not USERNAME.match(username):
            raise AccountError(f"user name {username!r}: 2-64 characters, a letter first, then a-z 0-9 . _ -")
        if not display_name.strip():
            raise AccountError("full name: required (no shared accounts: each account is one person)")
        try:
            role = Role(role)
            if role not in PERSON_ROLES:
                raise ValueError(role)
        except ValueError:
            raise AccountError(f"role {role!r}: one of {', '.join(r.value for r in PERSON_ROLES)}") from None
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"password: at least {MIN_PASSWORD} characters")
        try:
            with write_transaction(self.sessions) as s:
                user = User(
                    username=username,
                    display_name=display_name.strip(),
                    role=role.value,
                    password_hash=hash_password(password),
                    reports_to=reports_to.strip().lower(),
                )
                s.add(user)
                s.flush()
                boss = reports_to.strip().lower()
                details = f"role {role.value}" + (f"; reports to {boss}" if boss else "")
                audit.append(s, "user added", target_type="user", target_id=username, details=details)
                publish(s, "accounts", user.id)
        except IntegrityError:
            raise AccountError(f"user {username} already exists") from None
        return Account(username, display_name.strip(), role, True)

    def get(self, username: str) -> Account | None:
        with self.sessions() as s:
            user = s.scalar(select(User).where(User.username == username.strip().lower()))
            if user is None:
                return None
            return Account(user.username, user.display_name, Role(user.role), user.active)

    def list(self) -> list[Account]:
        with self.sessions() as s:
            return [
                Account(u.username, u.display_name, Role(u.role), u.active)
                for u in s.scalars(select(User).order_by(User.username))
            ]

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account if the password is right and the account active; None otherwise (which
        one is not said, so a guesser learns nothing)."""
        with self.sessions() as s:
            user = s.scalar(select(User).where(User.username == username.strip().lower()))
            stored = user.password_hash if user is not None else hash_password("x" * MIN_PASSWORD)
            ok = password_matches(password, stored)  # same work whether or not the user exists
            if user is None or not ok or not user.active:
                return None
            return Account(user.username, user.display_name, Role(user.role), user.active)

    def set_role(self, username: str, role: Role | str) -> Account:
        try:
            role = Role(role)
            if role not in PERSON_ROLES:
                raise ValueError(role)
        except ValueError:
            raise AccountError(f"role {role!r}: one of {', '.join(r.value for r in PERSON_ROLES)}") from None
        with write_transaction(self.sessions) as s:
            user = s.scalar(select(User).where(User.username == username.strip().lower()))
            if user is None:
                raise AccountError(f"no user {username}")
            audit.append(
                s,
                "role changed",
                target_type="user",
                target_id=user.username,
                details=f"{user.role} -> {role.value}",
            )
            user.role = role.value
            publish(s, "accounts", user.id)
            return Account(user.username, user.display_name, role, user.active)
