"""Authorization sweep: every URL of the project × every user × items they may and may not see.

Run from the project root:

    .venv/bin/python bench/authz_sweep.py                # fresh demo county (xinfang demo, 400 items) in a temp dir
    .venv/bin/python bench/authz_sweep.py --items 5      # more sampled items per user (default 3 visible + 3 not)
    XINFANG_DATABASE_URL=postgres://… .venv/bin/python bench/authz_sweep.py --existing   # an existing database

The URL list is read from the project's URLconf, so a page added later is swept without touching this file.
Path parameters are filled by name: ``case_id`` with items the user can and cannot see, ``attachment_id`` with
the item's own attachments and with an attachment of an item the user cannot see, ``action`` with every action
code of the item page and every transition of the workflow table, admin ``object_id``/``app_label`` with sample
values. Pages without an item are fetched plainly and with probes naming an unseen item (its number, the
petitioner's ID number, phone and name).

Who may see what is computed here from the raw rows (grants, the role catalogue, CaseAccess, the accused unit),
not through the project's selectors, so a bug there cannot hide itself. For every response:

(a) an item the user cannot see → 403/404/405, and nothing of it in the body (number, query code, title,
    petitioners' names, ID numbers, phones, addresses, attachment names), and no data written: POSTs (empty body,
    CSRF not enforced) and GETs on such items must leave events, opinions, attachments, classifications and the
    log of personal-data views unchanged;
(b) a 检举控告 item the user sees while their unit lies within the accused unit → none of the petitioners'
    identity or attachments in the body, and every attachment download refused;
(c) any 5xx is counted separately.

Prints the figures and lists the first 20 leaks and 5xx; exits 1 if there is any leak or 5xx.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import logging
import os
import random
import re
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OK_DENIED = {403, 404, 405}
SKIPPED_NAMES = {
    # Logging out ends the session the rest of the sweep runs in; it shows no item.
    "workbench:logout",
    "admin:logout",
}


# --- the independent model of who sees what ------------------------------------------------------------------


@dataclass
class Item:
    pk: int
    number: str
    query_code: str
    title: str
    access_paths: list[str]
    accusation: bool
    accused_path: str | None
    names: set[str] = field(default_factory=set)
    identifiers: set[str] = field(default_factory=set)  # ID numbers and phones
    addresses: set[str] = field(default_factory=set)
    attachments: list[tuple[int, str]] = field(default_factory=list)  # (pk, original name)

    @property
    def identity_tokens(self) -> set[str]:
        return self.names | self.identifiers | self.addresses | {name for _, name in self.attachments}

    @property
    def public_tokens(self) -> set[str]:
        return {self.number, self.query_code, self.title}


@dataclass
class World:
    items: dict[int, Item]
    staff_names: set[str]
    view_perm: str


def load_world() -> World:
    from xinfang.cases.models import Attachment, Case, CaseAccess, Petitioner
    from xinfang.orgs.models import Unit, User
    from xinfang.orgs.permissions import Perm

    paths = dict(Unit.objects.values_list("pk", "path"))
    items: dict[int, Item] = {}
    for pk, number, query_code, title, claim, accused in Case.objects.values_list(
        "pk", "number", "query_code", "title", "claim_type", "accused_unit_id"
    ):
        items[pk] = Item(pk, number, query_code, title, [], claim == "accusation", paths.get(accused))
    for case_id, unit_id in CaseAccess.objects.values_list("case_id", "unit_id"):
        items[case_id].access_paths.append(paths[unit_id])
    for case_id, name, id_number, phone, address in Petitioner.objects.values_list(
        "case_id", "name", "id_number", "phone", "address"
    ):
        item = items[case_id]
        item.names.add(name)
        item.identifiers.update(v for v in (id_number, phone) if v)
        if address:
            item.addresses.add(address)
    for pk, case_id, name in Attachment.objects.values_list("pk", "case_id", "original_name"):
        items[case_id].attachments.append((pk, name))
    staff = {n for n in User.objects.values_list("full_name", flat=True) if n}
    return World(items=items, staff_names=staff, view_perm=Perm.VIEW)


@dataclass
class Viewer:
    """One user as this sweep sees them: what they may see, computed from grants and CaseAccess."""

    user: object
    visible: set[int]
    masked: set[int]  # visible 检举控告 items whose accused unit contains the user's unit
    staff: bool


def viewer_for(world: World, user) -> Viewer:
    from xinfang.orgs.models import Grant
    from xinfang.orgs.permissions import ROLE_PERMISSIONS

    grant_paths = [
        path
        for role, path in Grant.objects.filter(user=user).values_list("role", "unit__path")
        if world.view_perm in ROLE_PERMISSIONS.get(role, ())
    ] if user.is_active else []
    unit_path = user.unit.path if user.unit_id else None
    visible, masked = set(), set()
    for item in world.items.values():
        if any(a.startswith(g) for a in item.access_paths for g in grant_paths):
            visible.add(item.pk)
            if item.accusation and item.accused_path and unit_path and unit_path.startswith(item.accused_path):
                masked.add(item.pk)
    return Viewer(user=user, visible=visible, masked=masked, staff=user.is_staff)


# --- URLs ----------------------------------------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str | None
    route: str
    params: list[str]

    @property
    def admin(self) -> bool:
        return bool(self.name and self.name.startswith("admin:")) or self.route.startswith("admin/")

    @property
    def item_param(self) -> bool:
        return "case_id" in self.params


def endpoints() -> list[Endpoint]:
    from django.urls import URLPattern, URLResolver, get_resolver

    found: list[Endpoint] = []

    def walk(patterns, prefix: str, params: list[str], namespaces: list[str]) -> None:
        for p in patterns:
            here = list(params) + list(p.pattern.regex.groupindex)
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route, here, namespaces + ([p.namespace] if p.namespace else []))
            elif isinstance(p, URLPattern):
                name = ":".join([*namespaces, p.name]) if p.name else None
                found.append(Endpoint(name=name, route=route, params=here))

    walk(get_resolver().url_patterns, "", [], [])
    return found


def route_url(route: str, kwargs: dict[str, str]) -> str | None:
    """A path for a pattern without a name (the admin's redirects and catch-all): parameters put in by hand."""
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: kwargs.get(m.group(1), "1"), route)
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: kwargs.get(m.group(1), "1"), url)
    url = url.replace("^", "").replace("$", "")
    if any(ch in url for ch in "()[]*+?\\"):
        return None
    return "/" + url


def action_codes() -> list[str]:
    from xinfang.cases.workflow import TRANSITIONS
    from xinfang.workbench.actions import BY_CODE

    return sorted(set(BY_CODE) | set(TRANSITIONS) | {"no-such-action"})


# --- bodies and tokens ---------------------------------------------------------------------------------------

_ASCII = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-]*")
_CJK = re.compile(r"[\u3400-\u9fff]+")


def body_text(response) -> str:
    """The response as text a person would read: JSON unescaped, spreadsheets unzipped, HTML entities decoded."""
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    ctype = response.get("Content-Type", "")
    if "spreadsheetml" in ctype or raw[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                raw = b"\n".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
        except zipfile.BadZipFile:
            pass
    text = raw.decode("utf-8", errors="ignore")
    if "json" in ctype:
        try:
            text = json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    return html.unescape(text)


class TokenIndex:
    """The words of a body, so thousands of forbidden strings can be looked up without scanning it each time."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = set(_ASCII.findall(text))
        # A short Chinese word (a person's name) counts only as a whole run of Chinese characters, as names stand
        # in their own table cell or before 等 ("陈大明等5人"): 刘江 must not be found inside 刘江华.
        runs = _CJK.findall(text)
        self.cjk = set(runs) | {r[:-1] for r in runs if r.endswith("等")}

    def found(self, tokens: Iterable[str]) -> list[str]:
        out = []
        for t in tokens:
            if not t:
                continue
            if _ASCII.fullmatch(t):
                if t in self.ascii:
                    out.append(t)
            elif _CJK.fullmatch(t) and len(t) <= 4:
                if t in self.cjk:
                    out.append(t)
            elif t in self.text:
                out.append(t)
        return out


# --- the sweep -----------------------------------------------------------------------------------------------


@dataclass
class Figures:
    requests: int = 0
    denied_as_expected: int = 0
    allowed_checked: int = 0
    masked_checked: int = 0
    posts_unseen: int = 0
    users: int = 0
    endpoints: int = 0
    leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "users": self.users,
            "endpoints": self.endpoints,
            "requests": self.requests,
            "denied_as_expected": self.denied_as_expected,
            "allowed_checked": self.allowed_checked,
            "masked_pairs_checked": self.masked_checked,
            "posts_on_unseen_items": self.posts_unseen,
            "leaks": len(self.leaks),
            "server_errors": len(self.errors),
            "statuses": dict(sorted(self.statuses.items())),
            "skipped_endpoints": self.skipped,
        }


def _fingerprint(case_id: int) -> tuple:
    from django.db.models import Max

    from xinfang.cases.models import Attachment, Case, CaseEvent, Opinion, PersonalDataAccess

    return (
        CaseEvent.objects.count(),
        Opinion.objects.count(),
        Attachment.objects.count(),
        Case.objects.aggregate(m=Max("updated_at"))["m"],
        Case.objects.filter(pk=case_id).values_list("status", "category_id", "current_unit_id").first(),
        PersonalDataAccess.objects.filter(case_id=case_id).count(),
    )


def _pick(rng: random.Random, pool: list[int], n: int, first: Iterable[int] = ()) -> list[int]:
    chosen: list[int] = []
    for pk in first:
        if pk not in chosen and len(chosen) < n:
            chosen.append(pk)
    rest = [pk for pk in pool if pk not in chosen]
    rng.shuffle(rest)
    return chosen + rest[: max(0, n - len(chosen))]


def sweep(
    users: list,
    *,
    items: int = 3,
    seed: int = 1,
    actions: int | None = None,
    probes: int = 3,
    admin: bool = True,
    admin_sample: int | None = None,
    log: Callable[[str], None] = print,
) -> Figures:
    """Sweep every URL pattern for each of ``users``.

    ``items``: visible and unseen items sampled per user; ``actions``: action codes tried per item (None: every
    code on the first unseen and every visible item, 6 on the others); ``probes``: unseen items named in the
    query strings of pages without an item; ``admin``: include the admin site; ``admin_sample``: admin URL
    patterns per user without admin rights (None: all; each user gets a different sample).
    """
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    logging.getLogger("django.security").setLevel(logging.CRITICAL)
    world = load_world()
    eps = endpoints()
    codes = action_codes()
    figures = Figures(users=len(users), endpoints=len(eps))
    rng = random.Random(seed)
    all_ids = sorted(world.items)

    def record_status(status: int) -> None:
        figures.requests += 1
        figures.statuses[status] = figures.statuses.get(status, 0) + 1

    def one(user) -> None:
        viewer = viewer_for(world, user)
        client = Client(raise_request_exception=False)
        client.force_login(user)
        uname = user.username
        unseen = [pk for pk in all_ids if pk not in viewer.visible]
        seen = sorted(viewer.visible)
        # Allowed words: what the user may legitimately read anywhere (their visible items, staff names).
        allowed: set[str] = set(world.staff_names) | {uname, user.full_name}
        for pk in seen:
            it = world.items[pk]
            allowed |= it.public_tokens
            if pk not in viewer.masked:
                allowed |= it.identity_tokens
        forbidden: dict[str, int] = {}
        for pk in unseen:
            it = world.items[pk]
            # Titles are checked on the item's own URLs only: on other pages a short generic title can equal an
            # example text of a form.
            for t in (it.public_tokens - {it.title}) | it.identity_tokens:
                forbidden.setdefault(t, pk)
        for pk in viewer.masked:
            for t in world.items[pk].identity_tokens:
                forbidden.setdefault(t, pk)
        for t in allowed:
            forbidden.pop(t, None)
        # The access log names the items that were viewed (that is what an auditor checks); on that page only
        # personal data count as a leak.
        identity_forbidden = {
            t: pk for t, pk in forbidden.items() if t in world.items[pk].identity_tokens
        }

        # Unseen samples: one per distinct set of units first (all units covered over all users), with
        # attachments and 检举控告 items preferred.
        by_units: dict[tuple, int] = {}
        for pk in unseen:
            by_units.setdefault(tuple(sorted(world.items[pk].access_paths)), pk)
        prefer_unseen = [pk for pk in unseen if world.items[pk].attachments][:1]
        prefer_unseen += [pk for pk in unseen if world.items[pk].accusation][:1]
        prefer_unseen += list(by_units.values())
        unseen_sample = _pick(rng, unseen, items, prefer_unseen[:1] + prefer_unseen[1:2] + rng.sample(
            prefer_unseen[2:], min(len(prefer_unseen[2:]), items)))
        prefer_seen = sorted(viewer.masked)[:2] + [pk for pk in seen if world.items[pk].attachments][:1]
        seen_sample = _pick(rng, seen, items, prefer_seen)
        foreign_attachment = next(
            (a for pk in unseen for a, _ in world.items[pk].attachments), None
        )

        def values(ep: Endpoint, case_id: int | None) -> list[dict[str, str]]:
            combos: list[dict[str, str]] = [{}]
            for param in ep.params:
                if param == "case_id":
                    opts = [str(case_id)]
                elif param == "attachment_id":
                    own = [str(a) for a, _ in world.items[case_id].attachments] if case_id else []
                    opts = own + ([str(foreign_attachment)] if foreign_attachment else []) or ["1"]
                elif param == "action":
                    opts = codes
                elif param == "object_id":
                    opts = [str(case_id or (seen_sample or unseen_sample or [1])[0])]
                elif param == "app_label":
                    opts = ["cases"]
                elif param == "url":
                    opts = ["no-such-page/"]
                else:
                    opts = ["1"]
                combos = [{**c, param: o} for c in combos for o in opts]
            return combos

        def fetch(method: str, url: str, data: dict | None = None):
            try:
                response = client.post(url, data or {}) if method == "POST" else client.get(url, data or {})
            except Exception as exc:  # noqa: BLE001 (a crash of the test client itself counts like a 500)
                record_status(599)
                figures.errors.append(f"{method} {url} [{uname}] 599 {type(exc).__name__}: {exc}")
                return None, ""
            record_status(response.status_code)
            text = body_text(response)
            if response.status_code >= 500:
                exc_info = getattr(response, "exc_info", None)
                why = f"{exc_info[0].__name__}: {str(exc_info[1])[:120]}" if exc_info else ""
                figures.errors.append(f"{method} {url} [{uname}] {response.status_code} {why}")
            return response, text

        admin_eps = [ep for ep in eps if ep.admin]
        if admin_sample is not None and not viewer.staff and len(admin_eps) > admin_sample:
            admin_eps = rng.sample(admin_eps, admin_sample)
        for ep in eps:
            if ep.admin and ep not in admin_eps:
                continue
            if ep.name in SKIPPED_NAMES:
                if f"{ep.name}（会结束会话）" not in figures.skipped:
                    figures.skipped.append(f"{ep.name}（会结束会话）")
                continue

            def url_for(kwargs: dict[str, str], ep=ep) -> str | None:
                if ep.name is None:
                    return route_url(ep.route, kwargs)
                try:
                    return reverse(ep.name, kwargs=kwargs or None)
                except NoReverseMatch:
                    return None

            if ep.admin:
                if not admin:
                    continue
                # The admin site: staff only (Django's own permissions); everyone else is sent to its login.
                for kwargs in values(ep, None)[:1]:
                    url = url_for(kwargs)
                    if url is None:
                        if ep.route not in figures.skipped:
                            figures.skipped.append(ep.route)
                        continue
                    response, text = fetch("GET", url)
                    if response is None or viewer.staff:
                        continue
                    if response.status_code in (301, 302) and "/admin/login/" in response.get("Location", ""):
                        figures.denied_as_expected += 1
                    elif response.status_code in OK_DENIED or (ep.name == "admin:login" and response.status_code == 200):
                        figures.denied_as_expected += 1
                    elif response.status_code < 500:
                        figures.leaks.append(f"GET {url} [{uname}] 非管理员得到 {response.status_code}")
                continue

            if not ep.item_param:
                queries: list[dict[str, str]] = [{}]
                for pk in (unseen_sample[:2] + sorted(viewer.masked)[:1])[:probes]:
                    it = world.items[pk]
                    probe = {"q": it.number, "title": it.title, "content": it.title}
                    if it.identifiers:
                        ident = sorted(it.identifiers)[0]
                        probe.update(id_number=ident, phone=ident)
                    if it.names:
                        probe["name"] = sorted(it.names)[0]
                    queries.append(probe)
                    if it.identifiers:
                        queries.append({"q": sorted(it.identifiers)[0]})
                for kwargs in values(ep, None):
                    url = url_for(kwargs)
                    if url is None:
                        if ep.route not in figures.skipped:
                            figures.skipped.append(ep.route)
                        continue
                    for probe in queries:
                        response, text = fetch("GET", url, probe)
                        if response is None:
                            continue
                        figures.allowed_checked += 1
                        echoed = set(probe.values())
                        index = TokenIndex(text)
                        watched = identity_forbidden if ep.name == "workbench:access_log" else forbidden
                        bad = [t for t in index.found(watched) if t not in echoed]
                        if bad:
                            figures.leaks.append(
                                f"GET {url}?{'&'.join(f'{k}={v}' for k, v in probe.items())} [{uname}] "
                                f"显示了不应看到的内容：{'、'.join(bad[:5])}（信访件 {watched[bad[0]]}）"
                            )
                continue

            for position, case_id in enumerate(unseen_sample):
                it = world.items[case_id]
                tokens = (it.public_tokens | it.identity_tokens) - allowed
                combos = values(ep, case_id)
                if actions is not None and len(combos) > actions:
                    combos = rng.sample(combos, actions)
                elif position and len(combos) > 6:
                    # Access is decided before the action is looked at: every code on the first unseen item,
                    # a sample on the others keeps the sweep within minutes.
                    combos = rng.sample(combos, 6)
                # Written data is compared around each batch (one item, one URL pattern, GET and POST).
                before = _fingerprint(case_id)
                for kwargs in combos:
                    url = url_for(kwargs)
                    if url is None:
                        continue
                    for method in ("GET", "POST"):
                        response, text = fetch(method, url)
                        if method == "POST":
                            figures.posts_unseen += 1
                        if response is None:
                            continue
                        problems = []
                        if response.status_code not in OK_DENIED and response.status_code < 500:
                            problems.append(f"状态 {response.status_code}（应为 404）")
                        shown = TokenIndex(text).found(tokens)
                        if shown:
                            problems.append(f"正文含 {'、'.join(shown[:5])}")
                        if problems:
                            figures.leaks.append(f"{method} {url} [{uname}] 不可见信访件 {it.number}：{'；'.join(problems)}")
                        elif response.status_code in OK_DENIED:
                            figures.denied_as_expected += 1
                if _fingerprint(case_id) != before:
                    figures.leaks.append(f"GET/POST {ep.route} [{uname}] 不可见信访件 {it.number}：数据被修改")

            for case_id in seen_sample:
                it = world.items[case_id]
                masked = case_id in viewer.masked
                hidden = (it.identity_tokens - allowed) if masked else set()
                own_attachments = {str(a) for a, _ in it.attachments}
                combos = values(ep, case_id)
                if actions is not None and len(combos) > actions:
                    combos = rng.sample(combos, actions)
                for kwargs in combos:
                    url = url_for(kwargs)
                    if url is None:
                        continue
                    response, text = fetch("GET", url)
                    if response is None:
                        continue
                    figures.allowed_checked += 1
                    if masked:
                        figures.masked_checked += 1
                    problems = []
                    att = kwargs.get("attachment_id")
                    if att is not None and response.status_code == 200 and (masked or att not in own_attachments):
                        problems.append("附件可被下载" + ("（被反映单位）" if masked else "（他人信访件的附件）"))
                    index = TokenIndex(text)
                    shown = index.found(hidden)
                    if shown:
                        problems.append(f"被反映单位人员看到信访人身份：{'、'.join(shown[:5])}")
                    others = index.found(forbidden)
                    others = [t for t in others if t not in hidden]
                    if others:
                        problems.append(f"正文含不可见信访件的内容：{'、'.join(others[:5])}")
                    if problems:
                        figures.leaks.append(f"GET {url} [{uname}] 信访件 {it.number}：{'；'.join(problems)}")
        log(f"  {uname:<16} 可见 {len(seen):>4} 件（其中身份屏蔽 {len(viewer.masked)}），累计请求 {figures.requests}")

    for user in users:
        one(user)
    return figures


def report(figures: Figures, elapsed: float, out: Callable[[str], None] = print) -> int:
    out("")
    out(f"用户 {figures.users} 个，URL 模式 {figures.endpoints} 个，请求 {figures.requests} 次，用时 {elapsed:.0f} 秒")
    out(f"按预期拒绝（不可见信访件、非管理员访问管理后台）：{figures.denied_as_expected}")
    out(f"可见页面的内容检查：{figures.allowed_checked}（其中检举控告件对被反映单位人员：{figures.masked_checked}）")
    out(f"对不可见信访件的 POST：{figures.posts_unseen}")
    out(f"状态码分布：{dict(sorted(figures.statuses.items()))}")
    if figures.skipped:
        out(f"未扫描的 URL：{'；'.join(figures.skipped)}")
    out(f"泄露：{len(figures.leaks)}")
    for line in figures.leaks[:20]:
        out(f"  · {line}")
    out(f"5xx：{len(figures.errors)}")
    for line in figures.errors[:20]:
        out(f"  · {line}")
    out(json.dumps(figures.as_dict() | {"seconds": round(elapsed, 1)}, ensure_ascii=False))
    return 1 if figures.leaks or figures.errors else 0


def setup_django(db_url: str | None, *, in_memory_files: bool) -> None:
    if db_url:
        os.environ["XINFANG_DATABASE_URL"] = db_url
    os.environ["XINFANG_DEBUG"] = "false"
    os.environ.setdefault("XINFANG_SECRET_KEY", "bench-only-secret-key-not-for-deployment")
    # The test client speaks plain HTTP: with secure cookies on, every request would be redirected to HTTPS.
    os.environ["XINFANG_SECURE_COOKIES"] = "false"
    os.environ["XINFANG_ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["XINFANG_LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    storages = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    if in_memory_files:
        storages["default"] = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
    else:
        from django.conf import settings

        storages["default"] = settings.STORAGES["default"]
    override_settings(STORAGES=storages, SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False).enable()


def open_database(*, existing: bool, demo_items: int, prefix: str):
    """Set Django up on the database of ``XINFANG_DATABASE_URL`` (``existing``) or on a new temporary SQLite
    database with a demo county of ``demo_items`` items; returns the temporary directory to clean up (or None)."""
    import io
    import tempfile
    import time

    if existing:
        setup_django(None, in_memory_files=False)
        return None
    tmp = tempfile.TemporaryDirectory(prefix=prefix)
    setup_django(f"sqlite:///{tmp.name}/demo.sqlite3", in_memory_files=True)
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("demo", items=demo_items, stdout=io.StringIO())
    print(f"演示库已生成（{demo_items} 件，{time.perf_counter() - started:.0f} 秒）")
    return tmp


def main() -> int:
    parser = argparse.ArgumentParser(description="授权扫描：每个 URL × 每个用户 × 可见与不可见的信访件")
    parser.add_argument("--items", type=int, default=2, help="每个用户抽取的可见、不可见信访件各几件（默认 2）")
    parser.add_argument(
        "--actions", type=int, default=8, help="每件信访件尝试的操作代码数（默认 8，各用户抽样不同；0 表示全部）"
    )
    parser.add_argument("--admin-sample", type=int, default=12, help="非管理员用户抽查的管理后台 URL 数（默认 12；0 表示全部）")
    parser.add_argument("--demo-items", type=int, default=400, help="新建演示库的信访件数（默认 400）")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--existing", action="store_true", help="扫描 XINFANG_DATABASE_URL 指向的现有数据库，不新建")
    parser.add_argument("--users", help="只扫描这些用户名（逗号分隔）")
    args = parser.parse_args()

    tmp = None
    if args.existing:
        setup_django(None, in_memory_files=False)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="xinfang-authz-")
        setup_django(f"sqlite:///{tmp.name}/demo.sqlite3", in_memory_files=True)
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("demo", items=args.demo_items, stdout=io.StringIO())
        print(f"演示库已生成（{args.demo_items} 件，{time.perf_counter() - started:.0f} 秒）")

    from xinfang.orgs.models import User

    users = list(User.objects.select_related("unit").order_by("username"))
    if args.users:
        wanted = set(args.users.split(","))
        users = [u for u in users if u.username in wanted]
    started = time.perf_counter()
    figures = sweep(
        users,
        items=args.items,
        seed=args.seed,
        actions=args.actions or None,
        admin_sample=args.admin_sample or None,
    )
    code = report(figures, time.perf_counter() - started)
    if tmp is not None:
        tmp.cleanup()
    return code


if __name__ == "__main__":
    sys.exit(main())
