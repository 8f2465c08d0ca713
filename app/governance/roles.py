"""Who may do what: the one table of roles and their permitted actions.

Every governed action in the core checks this table (:func:`require`), so the console, the
command line and any future view get the same answer. An action not listed for a role is
refused; nothing is allowed by default.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    EVIDENCE_TECHNICIAN = "evidence_technician"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"
    # A dispatch system's feed (not a person): it may only enter and update incidents.
    DISPATCH_FEED = "dispatch_feed"


class Action(StrEnum):
    VIEW_LIVE = "view live video"
    VIEW_RECORDINGS = "view recordings"
    ENTER_INCIDENT = "enter an incident"
    PUT_IN_CASE = "put footage into a case"
    REMOVE_FROM_CASE = "remove footage from a case (lift a legal hold)"
    EXPORT_EVIDENCE = "export evidence"
    EDIT_REGISTRY = "change the camera registry"
    RECORD_CONSENT = "record an owner's consent or revocation"
    APPROVE_REQUEST = "mark an owner's approval of a footage request"
    READ_AUDIT = "read and export the audit log"
    MANAGE_USERS = "add users and change roles"
    MANAGE_SIGNING_KEY = "move the evidence signing key"
    SET_POLICY = "change the program's caps and reporting rules"
    APPROVE_JUSTIFICATION = "approve or deny a justification to go beyond a purpose's bounds"


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.OPERATOR: frozenset({
        Action.VIEW_LIVE, Action.VIEW_RECORDINGS, Action.ENTER_INCIDENT, Action.PUT_IN_CASE,
    }),
    Role.SUPERVISOR: frozenset({
        Action.VIEW_LIVE, Action.VIEW_RECORDINGS, Action.ENTER_INCIDENT, Action.PUT_IN_CASE,
        Action.REMOVE_FROM_CASE, Action.APPROVE_REQUEST, Action.RECORD_CONSENT, Action.APPROVE_JUSTIFICATION,
    }),
    Role.EVIDENCE_TECHNICIAN: frozenset({Action.VIEW_RECORDINGS, Action.PUT_IN_CASE, Action.EXPORT_EVIDENCE}),
    # Auditors read what happened; they do not watch cameras or handle evidence.
    Role.AUDITOR: frozenset({Action.READ_AUDIT}),
    # Administrators run the system; they do not watch cameras or handle evidence either.
    Role.ADMINISTRATOR: frozenset({
        Action.EDIT_REGISTRY, Action.RECORD_CONSENT, Action.MANAGE_USERS, Action.MANAGE_SIGNING_KEY,
        Action.SET_POLICY,
    }),
    Role.DISPATCH_FEED: frozenset({Action.ENTER_INCIDENT}),
}  # fmt: skip


class Forbidden(PermissionError):
    """The signed-in person's role does not allow the action."""


def may(role: Role | str, action: Action) -> bool:
    try:
        return action in PERMISSIONS[Role(role)]
    except ValueError:
        return False


def require(role: Role | str | None, action: Action, who: str = "") -> None:
    if role is None:
        raise Forbidden(f"{action}: sign in first")
    if not may(role, action):
        name = f"{who} ({role})" if who else str(role)
        raise Forbidden(f"{name} may not {action}; ask a person whose role allows it")
