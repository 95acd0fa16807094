"""Locks on the door (docs/secrecy.md): petitioners' personal data are read for staff, and the access log is
written, in ``xinfang.cases.disclosure`` only; the secrecy rule is written in ``xinfang.cases.secrecy`` only.

A small source scan, so that a new page cannot quietly read ``case.petitioners`` around the door.
"""

from __future__ import annotations

import ast
from pathlib import Path

import xinfang

ROOT = Path(xinfang.__file__).parent

# Modules that may read petitioners or attachments of an item, and why.
READERS = {
    "cases/disclosure.py": "the door itself",
    "cases/models.py": "Case.main_petitioner, used by the two below",
    # Identity match for repeat candidates (results pass person_history, which logs) and the count of
    # distinct persons of a hot topic (never shown): neither displays a petitioner.
    "intelligence/services.py": "matching and counting, never displayed",
    # The addressee of a document issued to the petitioner is named in it; letters between organs leave an
    # accuser out. Who issues or downloads the document is what the documents service logs.
    "documents/context.py": "the petitioner's name on a document addressed to them",
}


def sources():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "/migrations/" in rel:
            continue
        yield rel, ast.parse(path.read_text(encoding="utf-8"))


def test_only_the_door_reads_petitioners_and_attachments_of_an_item():
    offenders = []
    for rel, tree in sources():
        if rel in READERS:
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            func = node.func
            # ``case.main_petitioner()``, or a query on an item's related rows: ``case.petitioners.all()``,
            # ``case.attachments.filter(…)``. Prefetch names are strings, and registration input
            # (``data.petitioners``) is a plain list that no call is made on.
            if func.attr == "main_petitioner" or (
                isinstance(func.value, ast.Attribute) and func.value.attr in ("petitioners", "attachments")
            ):
                offenders.append(f"{rel}:{node.lineno} {ast.unparse(node)}")
    assert offenders == []


def test_only_the_door_writes_the_access_log():
    offenders = []
    for rel, tree in sources():
        if rel in ("cases/disclosure.py", "cases/models.py"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "PersonalDataAccess":
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


def test_the_secrecy_rule_is_written_once():
    """No module but cases.secrecy compares a unit with an item's accused unit to decide who may see what."""
    offenders = []
    for rel, tree in sources():
        if rel == "cases/secrecy.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "is_within":
                args = [ast.unparse(a) for a in node.args]
                if any("accused_unit" in a for a in args) and "responsible" not in ast.unparse(node.func.value):
                    offenders.append(f"{rel}:{node.lineno} {ast.unparse(node)}")
            if isinstance(node, ast.keyword) and node.arg and node.arg.endswith("accused_unit_id__in"):
                offenders.append(f"{rel}:{node.lineno} {node.arg}")
    assert offenders == []
