"""Write and read boundaries that review alone cannot keep: checked on the source tree, run by ``make test``.

1. Only ``xinfang/cases/workflow.py`` writes an item's lifecycle fields (state, unit, clocks, evaluation): no
   attribute assignment, ``setattr`` with a constant name, or ``.update(field=…)`` anywhere else.
2. Petitioners' personal data is read only by the disclosure function (``xinfang/cases/disclosure.py``), which
   checks who may see it and logs the access, and by the few reads listed below, each with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "xinfang"

WORKFLOW = "xinfang/cases/workflow.py"
DISCLOSURE = "xinfang/cases/disclosure.py"

# Case fields moved by the transition table, and the fields of its clocks.
LIFECYCLE_FIELDS = frozenset(
    {
        "status",
        "current_unit",
        "current_unit_id",
        "evaluation_status",
        "access_units",
        "due_on",
        "due_rule",
        "due_started_on",
        "stopped_on",
        "on_time",
        "superseded",
        "paused",
    }
)

# (file, enclosing function) → why it may read petitioners outside the disclosure function. Keep this short:
# a new entry needs a reason a reviewer accepts.
PERSONAL_DATA_READS: dict[tuple[str, str], str] = {
    ("xinfang/cases/selectors.py", "queue_for"): "prefetch for main_petitioner_name",
    ("xinfang/cases/selectors.py", "person_history"): "identity match; returns items, not people",
    ("xinfang/cases/search.py", "_with_list_columns"): "prefetch of the main petitioner for the list column",
    ("xinfang/cases/search.py", "_identity_q"): "search by name/ID; returns items, hides accusers",
    ("xinfang/cases/export.py", "export_xlsx"): "export checks can_see_identity per row and logs it",
    ("xinfang/cases/models.py", "main_petitioner"): "model helper used by the two list readers above",
    ("xinfang/cases/services.py", "_same_petitioner"): "不再受理 identity match; compared, never shown",
    ("xinfang/documents/context.py", "petitioner_label"): "the addressee's name on a document to the petitioner; "
    "kept out of letters between organs for accusations",
    ("xinfang/portal/selectors.py", "find_case"): "the petitioner proves the item is theirs with the last four "
    "digits of their phone; compared, never shown",
    ("xinfang/cases/messages.py", "_main_contact"): "the petitioner's own phone and e-mail, to send them their "
    "item's news; never shown to staff (the outbox admin masks them)",
}

# (file, enclosing function) → why a write of a lifecycle-named field there is not an item's lifecycle (another
# model's field of the same name). Keep this short: a new entry needs a reason a reviewer accepts.
OTHER_MODELS_FIELDS: dict[tuple[str, str], str] = {
    ("xinfang/prevention/services.py", "decision_update"): "MeetingDecision.due_on: a 联席研判 decision's deadline",
}

_QUERY_METHODS = frozenset({"all", "filter", "get", "exclude", "values", "values_list", "first", "last", "order_by"})


def _python_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


class _Scanner(ast.NodeVisitor):
    def __init__(self) -> None:
        self.function = "<module>"
        self.writes: list[tuple[int, str, str]] = []  # (line, function, what)
        self.reads: list[tuple[int, str, str]] = []  # (line, function, what)

    # --- where we are
    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = self.function
        # Nested helpers (guard, write …) count as part of the public function they serve.
        if outer == "<module>":
            self.function = node.name
        self.generic_visit(node)
        self.function = outer

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    # --- lifecycle writes
    def _targets(self, target: ast.expr) -> None:
        if isinstance(target, ast.Attribute) and target.attr in LIFECYCLE_FIELDS:
            self.writes.append((target.lineno, self.function, f".{target.attr} = …"))
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._targets(element)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._targets(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._targets(node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._targets(node.target)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "update":
            for kw in node.keywords:
                if kw.arg in LIFECYCLE_FIELDS:
                    self.writes.append((node.lineno, self.function, f".update({kw.arg}=…)"))
        if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and name.value in LIFECYCLE_FIELDS:
                self.writes.append((node.lineno, self.function, f"setattr(…, {name.value!r}, …)"))
        # petitioners: case.petitioners.all()/filter()/…
        if (
            isinstance(func, ast.Attribute)
            and func.attr in _QUERY_METHODS
            and isinstance(func.value, ast.Attribute)
            and func.value.attr in ("petitioners", "attachments")
        ):
            self.reads.append((node.lineno, self.function, f".{func.value.attr}.{func.attr}()"))
        # prefetch_related("petitioners") / Prefetch("petitioners", …)
        called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if called in ("prefetch_related", "Prefetch") and any(
            isinstance(a, ast.Constant) and a.value == "petitioners" for a in node.args
        ):
            self.reads.append((node.lineno, self.function, f'{called}("petitioners")'))
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "objects" and isinstance(node.value, ast.Name) and node.value.id in ("Petitioner", "Attachment"):
            self.reads.append((node.lineno, self.function, f"{node.value.id}.objects"))
        self.generic_visit(node)


def scan(source: str) -> _Scanner:
    scanner = _Scanner()
    scanner.visit(ast.parse(source))
    return scanner


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def lifecycle_writes_outside_workflow() -> list[str]:
    found = []
    for path in _python_files():
        rel = _relative(path)
        if rel == WORKFLOW:
            continue
        for line, function, what in scan(path.read_text(encoding="utf-8")).writes:
            if (rel, function) not in OTHER_MODELS_FIELDS:
                found.append(f"{rel}:{line}: {what}")
    return found


def personal_data_reads_outside_disclosure() -> list[str]:
    found = []
    for path in _python_files():
        rel = _relative(path)
        if rel == DISCLOSURE:
            continue
        for line, function, what in scan(path.read_text(encoding="utf-8")).reads:
            if (rel, function) not in PERSONAL_DATA_READS:
                found.append(f"{rel}:{line} in {function}(): {what}")
    return found


def test_only_the_workflow_writes_lifecycle_fields():
    found = lifecycle_writes_outside_workflow()
    assert not found, (
        "Lifecycle fields (state, unit, clocks, evaluation) are written only by cases/workflow.py transition(); "
        "add a row to the transition table instead:\n" + "\n".join(found)
    )


def test_personal_data_is_read_only_through_the_disclosure_function():
    found = personal_data_reads_outside_disclosure()
    assert not found, (
        "Petitioners are read through the disclosure function (checks who may see them, logs the access):\n"
        + "\n".join(found)
    )


def test_every_allowed_read_still_exists():
    # A stale entry would silently allow a future read in a function that no longer needs it.
    present = set()
    for path in _python_files():
        rel = _relative(path)
        present |= {(rel, function) for _, function, _ in scan(path.read_text(encoding="utf-8")).reads}
    assert set(PERSONAL_DATA_READS) <= present, set(PERSONAL_DATA_READS) - present
    writers = set()
    for path in _python_files():
        rel = _relative(path)
        writers |= {(rel, function) for _, function, _ in scan(path.read_text(encoding="utf-8")).writes}
    assert set(OTHER_MODELS_FIELDS) <= writers, set(OTHER_MODELS_FIELDS) - writers


@pytest.mark.parametrize(
    "stray",
    [
        "def f(case):\n    case.status = 'concluded'\n",
        "def f(case):\n    case.current_unit, x = unit, 1\n",
        "def f(qs):\n    qs.filter(pk=1).update(evaluation_status='done')\n",
        "def f(c):\n    c.due_on = None\n",
        "def f(clock):\n    Clock.objects.filter(pk=1).update(stopped_on=today, on_time=True)\n",
        "def f(case):\n    setattr(case, 'status', 'x')\n",
    ],
)
def test_the_checker_catches_a_stray_write(stray):
    assert scan(stray).writes


@pytest.mark.parametrize(
    "stray",
    [
        "def f(case):\n    return list(case.petitioners.all())\n",
        "def f():\n    return Petitioner.objects.filter(name='陈')\n",
        "def f(qs):\n    return qs.prefetch_related('petitioners')\n",
        "def f(case):\n    return case.attachments.first()\n",
        "def f():\n    return Attachment.objects.get(pk=1)\n",
    ],
)
def test_the_checker_catches_a_stray_read(stray):
    assert scan(stray).reads


def test_input_objects_named_petitioners_are_not_reads():
    # RegistrationInput.petitioners is the form's input, not stored personal data.
    assert not scan("def f(data):\n    return [p for p in data.petitioners]\n").reads


# --- the access log and the secrecy rule have one home each (docs/secrecy.md) ---------------------------------


def _trees():
    for path in _python_files():
        yield _relative(path), ast.parse(path.read_text(encoding="utf-8"))


def test_only_the_disclosure_module_writes_the_access_log():
    offenders = [
        f"{rel}:{node.lineno}"
        for rel, tree in _trees()
        if rel not in ("xinfang/cases/disclosure.py", "xinfang/cases/models.py")
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == "PersonalDataAccess"
    ]
    assert offenders == []


def test_the_secrecy_rule_is_written_once():
    """No module but cases.secrecy compares a unit with an item's accused unit to decide who may see what."""
    offenders = []
    for rel, tree in _trees():
        if rel == "xinfang/cases/secrecy.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "is_within":
                args = [ast.unparse(a) for a in node.args]
                if any("accused_unit" in a for a in args) and "responsible" not in ast.unparse(node.func.value):
                    offenders.append(f"{rel}:{node.lineno} {ast.unparse(node)}")
            if isinstance(node, ast.keyword) and node.arg and node.arg.endswith("accused_unit_id__in"):
                offenders.append(f"{rel}:{node.lineno} {node.arg}")
    assert offenders == []
