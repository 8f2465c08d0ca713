"""One role table: every use case names the actions it checks, and the front ends grey their
menus and refuse their commands from that name, never from a list of their own."""

from __future__ import annotations

import ast
import inspect

from app.console import use_cases
from app.governance.roles import Action, Role


def checked_actions(source: str) -> set[Action]:
    """The actions a function's body passes to ``authorize``."""
    found: set[Action] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "authorize":
            for sub in ast.walk(node):
                if isinstance(sub, ast.Attribute) and getattr(sub.value, "id", "") == "Action":
                    found.add(Action[sub.attr])
    return found


def test_every_use_case_names_the_actions_it_checks() -> None:
    functions = {
        name: fn
        for name, fn in vars(use_cases).items()
        if inspect.isfunction(fn) and fn.__module__ == use_cases.__name__ and name != "authorize"
    }
    wrong = {}
    for name, fn in functions.items():
        checked = checked_actions(inspect.getsource(fn))
        if checked and use_cases.needs(fn) != checked:
            wrong[name] = (sorted(use_cases.needs(fn)), sorted(checked))
    assert not wrong, wrong
    assert use_cases.needs(use_cases.grant_live_view) == {Action.VIEW_LIVE}  # through check_live


def test_allowed_answers_from_the_role_table() -> None:
    assert use_cases.allowed(Role.AUDITOR, use_cases.open_audit_log)
    assert not use_cases.allowed(Role.OPERATOR, use_cases.open_audit_log)
    assert not use_cases.allowed(Role.EVIDENCE_TECHNICIAN, use_cases.hand_off_live)  # no live view
    assert use_cases.allowed(Role.SUPERVISOR, use_cases.hand_off_live)
    assert not use_cases.allowed(None, use_cases.export_case)


def test_the_command_line_asks_the_role_table_about_the_use_case_it_calls() -> None:
    from argparse import Namespace

    from app.cli import _needs

    def needs(command: str, action: str | None = None) -> frozenset[Action]:
        return _needs(command, Namespace(action=action))

    assert needs("cameras", "consent") == {Action.RECORD_CONSENT} == use_cases.needs(use_cases.record_consent)
    assert needs("cameras", "retire") == use_cases.needs(use_cases.retire_camera) == {Action.EDIT_REGISTRY}
    assert needs("case", "remove-window") == {Action.REMOVE_FROM_CASE}
    assert needs("export") == {Action.EXPORT_EVIDENCE}
    assert needs("audit", "verify") == {Action.READ_AUDIT}
    assert needs("cameras", "list") == needs("policy", "show") == needs("justify", "list") == frozenset()
    assert needs("users", "set-role") == {Action.MANAGE_USERS}
