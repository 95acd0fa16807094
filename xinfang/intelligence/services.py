"""Advisory suggestions for staff: category, responsible unit, earlier items on the same matter, hot topics
and reply checks.

Nothing in the case workflow calls this module, and every function here degrades to «暂无建议» (an empty
result) when a model is missing, broken or slow; the failure is logged. Text processing itself lives in
``xinfang.intelligence.text`` (no Django); this module only feeds it case data and stores its answers.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count

from xinfang.cases import secrecy
from xinfang.cases.choices import ClaimType, RouteKind
from xinfang.cases.models import Case, Category, Opinion
from xinfang.cases.selectors import cases_visible_to, person_history
from xinfang.cases.services import remedy_text, review_unit_for
from xinfang.core import clock
from xinfang.orgs.models import Unit, UnitKind, User

log = logging.getLogger("xinfang.intelligence")

NO_SUGGESTION = "暂无建议"

# Labels of the older (pre-2018) taxonomy edition used by public training data, mapped to the current
# first-level classes (workflow-rules §14.3). Labels already current map to themselves.
EDITION_MAP = {
    "教育文体": "教育",
    "卫生计生": "卫生健康",
    "环境保护": "生态环境",
    "商贸旅游": "市场监管",
    "国土资源": "自然资源",
    "民政": "民政与应急",
}


def _top_category(name: str) -> Category | None:
    current = EDITION_MAP.get(name, name)
    return Category.objects.filter(level=1, name=current).first()


# --- category -------------------------------------------------------------------------------------------


@dataclass
class CategoryHint:
    label: str
    category: Category | None
    confidence: float
    ranked: list[tuple[str, float]]
    model_version: str


class _ModelHolder:
    """Loads the classifier file once per process and again when the file changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: Any = None
        self._stamp: tuple[str, float] | None = None

    def get(self) -> Any:
        path = Path(settings.XINFANG_INTEL_MODEL)
        try:
            stamp = (str(path), path.stat().st_mtime)
        except OSError:
            return None
        with self._lock:
            if stamp != self._stamp:
                try:
                    from xinfang.intelligence.text.classify import CategoryClassifier

                    self._model = CategoryClassifier.load(path)
                except Exception:
                    log.exception("category model %s could not be loaded", path)
                    self._model = None
                self._stamp = stamp
            return self._model


_model = _ModelHolder()


def suggest_category(text: str) -> CategoryHint | None:
    """The classifier's first-level category for ``text`` with its confidence, or None («暂无建议»)."""
    if not (text or "").strip():
        return None
    model = _model.get()
    if model is None:
        return None
    started = time.perf_counter()
    try:
        s = model.predict(text)
    except Exception:
        log.exception("category suggestion failed")
        return None
    elapsed = time.perf_counter() - started
    if elapsed > 0.2:
        log.warning("category suggestion took %.0f ms", elapsed * 1000)
    return CategoryHint(
        label=s.label,
        category=_top_category(s.label),
        confidence=float(s.confidence),
        ranked=[(label, float(p)) for label, p in s.ranked[:3]],
        model_version=model.version,
    )


# --- responsible unit -----------------------------------------------------------------------------------


@dataclass
class UnitHint:
    unit: Unit
    count: int
    reason: str


def _township_of(unit: Unit | None) -> Unit | None:
    while unit is not None and unit.kind not in (UnitKind.TOWNSHIP,):
        unit = unit.parent
    return unit


def suggest_units(
    user: User | None,
    *,
    category: Category | None,
    place: Unit | None,
    today: dt.date | None = None,
    limit: int = 3,
) -> list[UnitHint]:
    """Where the bureau routed the same kind of problem in the last year (it learns from its own decisions).

    Counted over the items ``user`` may be told about (``secrecy.listable``), like every suggestion.
    """
    if category is None:
        return []
    top = category
    while top.parent_id is not None:
        top = top.parent
    today = today or clock.today()
    routed = secrecy.listable(user, Case.objects.all()).filter(
        route_kind__in=[RouteKind.FORWARD, RouteKind.ASSIGN],
        routed_on__gte=today - dt.timedelta(days=365),
        responsible_unit__isnull=False,
    ).filter(
        category__in=Category.objects.filter(pk=top.pk)
        | Category.objects.filter(parent=top)
        | Category.objects.filter(parent__parent=top)
    )
    hints: list[UnitHint] = []
    township = _township_of(place)
    if township is not None:
        local = routed.filter(problem_place__path__startswith=township.path)
        for row in local.values("responsible_unit").annotate(n=Count("pk")).order_by("-n")[:limit]:
            unit = Unit.objects.get(pk=row["responsible_unit"])
            hints.append(
                UnitHint(unit, row["n"], f"{township.name}同类问题近一年 {row['n']} 件转送至{unit.name}")
            )
    seen = {h.unit.pk for h in hints}
    for row in routed.values("responsible_unit").annotate(n=Count("pk")).order_by("-n")[: limit * 2]:
        if len(hints) >= limit:
            break
        if row["responsible_unit"] in seen:
            continue
        unit = Unit.objects.get(pk=row["responsible_unit"])
        hints.append(UnitHint(unit, row["n"], f"同类问题近一年 {row['n']} 件转送至{unit.name}"))
    return hints[:limit]


# --- earlier items on the same matter (重件候选) -----------------------------------------------------------


class _IndexHolder:
    """One similarity index per process, caught up from the database by primary key before each use, so
    items registered on other app servers are found too."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: Any = None
        self._last_pk = 0

    def reset(self) -> None:
        with self._lock:
            self._index, self._last_pk = None, 0

    def get(self) -> Any:
        from xinfang.intelligence.text.similar import SimilarityIndex

        with self._lock:
            if self._index is None:
                self._index = SimilarityIndex()
            rows = (
                Case.objects.filter(pk__gt=self._last_pk)
                .order_by("pk")
                .values_list("pk", "title", "content", "received_on")
            )
            batch = [
                (pk, f"{title} {content}", received)
                for pk, title, content, received in rows.iterator(chunk_size=5000)
            ]
            if batch:
                self._index.add_many(batch)
                self._last_pk = batch[-1][0]
            return self._index


_index = _IndexHolder()


@dataclass
class RepeatHint:
    case: Case
    score: float
    method: str
    reason: str


# Text candidates below this similarity are not shown: on 附件3, 99 % of earlier messages on the same topic
# score above 0.078 (the lowest 0.025), while a letter with no earlier copy still finds a best match of
# 0.09 at the median. Below 0.05 a "possible repeat" is noise that costs the registrar a look.
MIN_TEXT_SCORE = 0.05


def repeat_candidates(
    user: User,
    *,
    text: str = "",
    id_number: str = "",
    phone: str = "",
    name: str = "",
    exclude: Case | None = None,
    before: dt.date | None = None,
    k: int = 5,
) -> list[RepeatHint]:
    """Candidates for 重件 that this user may see: the same petitioner first, then similar text. A person decides."""
    hints: list[RepeatHint] = []
    seen: set[int] = {exclude.pk} if exclude is not None else set()
    try:
        if id_number or phone:
            for case in person_history(
                user, id_number=id_number or None, phone=phone or None, name=name or None
            ):
                if case.pk in seen:
                    continue
                seen.add(case.pk)
                why = "身份证号码相同" if id_number else "联系电话相同"
                hints.append(RepeatHint(case, 1.0, "identity", why))
    except Exception:
        log.exception("identity match failed")
    if (text or "").strip():
        try:
            found = _index.get().query(text, k=k * 4, before=before, exclude=exclude.pk if exclude else None)
        except Exception:
            log.exception("text similarity failed")
            found = []
        found = [c for c in found if c.score >= MIN_TEXT_SCORE]
        ids = [c.doc_id for c in found if c.doc_id not in seen]
        # Only items the user may open and be told about are ranked: never an accusation against their unit.
        visible = {c.pk: c for c in secrecy.listable(user, Case.objects.filter(pk__in=ids))}
        for cand in found:
            case = visible.get(cand.doc_id)
            if case is None:
                continue
            seen.add(case.pk)
            hints.append(
                RepeatHint(case, round(float(cand.score), 3), "text", f"内容相似度 {cand.score:.0%}")
            )
            if len([h for h in hints if h.method == "text"]) >= k:
                break
    return hints


def reset_index() -> None:
    _index.reset()


# --- stored suggestions of an item ---------------------------------------------------------------------


@dataclass
class ItemSuggestions:
    category: CategoryHint | None
    units: list[UnitHint] = field(default_factory=list)
    repeats: list[RepeatHint] = field(default_factory=list)


def suggestions_for(user: User, case: Case) -> ItemSuggestions:
    """Suggestions shown on an item's page. The category suggestion is stored once with its model version.

    None for a user on the accused side of a 检举控告: every suggestion is computed from the hidden text,
    and its ranking would echo it (docs/secrecy.md).
    """
    from xinfang.intelligence.models import CategorySuggestion

    if secrecy.on_accused_side(user, case):
        return ItemSuggestions(category=None)
    hint: CategoryHint | None = None
    stored = CategorySuggestion.objects.filter(case=case).select_related("category").first()
    if stored is not None:
        hint = CategoryHint(
            stored.label, stored.category, stored.confidence, stored.ranked, stored.model_version
        )
    else:
        hint = suggest_category(f"{case.title} {case.content}")
        if hint is not None:
            CategorySuggestion.objects.get_or_create(
                case=case,
                defaults={
                    "label": hint.label,
                    "category": hint.category,
                    "confidence": hint.confidence,
                    "ranked": hint.ranked,
                    "model_version": hint.model_version,
                },
            )
    main = case.main_petitioner()
    repeats = repeat_candidates(
        user,
        text=f"{case.title} {case.content}",
        id_number=main.id_number if main else "",
        phone=main.phone if main else "",
        exclude=case,
        before=case.received_on + dt.timedelta(days=1),
    )
    units = suggest_units(
        user, category=case.category or (hint.category if hint else None), place=case.problem_place
    )
    return ItemSuggestions(category=hint, units=units, repeats=repeats)


def record_category_decision(*, case: Case, user: User, category: Category) -> None:
    """Staff accepted or changed the suggested category; their choice is the training label from now on."""
    from xinfang.intelligence.models import CategorySuggestion

    top = category
    while top.parent_id is not None:
        top = top.parent
    CategorySuggestion.objects.filter(case=case).update(
        decided_by=user, accepted=CategorySuggestion.objects.filter(case=case, category=top).exists()
    )


# --- hot topics (民情分析) ---------------------------------------------------------------------------------


@dataclass
class TopicView:
    """One issue as the 民情分析 page and the monthly report show it: ``title`` is the title of its most central
    item (``keywords`` are the secondary line); ``count`` is 件次, ``person_times`` is 人次 (every person of
    every item: a group visit counts all its visitors)."""

    title: str
    keywords: list[str]
    count: int
    person_times: int
    places: list[str]
    trend: dict
    first_date: dt.date | None
    last_date: dt.date | None
    cases: list[Case]
    categories: list[tuple[str, int]]


def _repeat_chains(rows: list[Case]) -> dict[int, int]:
    """Each item's chain of staff-linked repeats (重件, ``Case.earlier_items``), as the smallest pk in it.

    Linking is how the system knows "same petitioner, same matter" — a person confirmed it — so the heat can
    count a petitioner coming back once without reading who they are. Only links between items of ``rows``
    (the set being analysed, which the caller scoped to what the user may list) join chains: an item the user
    may not be told about must not shape what they see, even as a join."""
    parent = {c.pk: c.pk for c in rows}

    def root(pk: int) -> int:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    # Only an item marked 重件 has earlier items; asking for those few by pk, in chunks that every database
    # accepts as parameters, avoids running the caller's visibility query again as a subquery.
    repeats = [c.pk for c in rows if c.is_repeat]
    through = Case.earlier_items.through.objects
    for start in range(0, len(repeats), 2000):
        links = through.filter(from_case_id__in=repeats[start : start + 2000])
        for later, earlier in links.values_list("from_case_id", "to_case_id"):
            if earlier in parent:
                a, b = root(later), root(earlier)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    return {pk: root(pk) for pk in parent}


def hot_topics_from(cases, *, top: int = 10, today: dt.date | None = None) -> list[TopicView]:
    """Cluster ``cases`` (a queryset already scoped by the caller to what the user may list) into issues,
    hottest first.

    Also the entry point for the monthly report. 人次 comes from each item's recorded number of people
    (``Case.people_count``); repeats are recognised by staff's links, so no petitioner is read at all.
    """
    from xinfang.intelligence.text.hottopics import TopicItem, find_hot_topics

    rows = list(
        cases.select_related("problem_place", "category", "category__parent").order_by("-received_on")[:20000]
    )
    by_pk = {c.pk: c for c in rows}
    chain = _repeat_chains(rows)
    items = []
    for c in rows:
        cat = c.category
        while cat is not None and cat.parent_id is not None:
            cat = cat.parent
        items.append(
            TopicItem(
                id=c.pk,
                text=c.content,
                title=c.title,
                date=c.received_on,
                place=c.problem_place.name if c.problem_place else None,
                label=cat.name if cat else None,
                person=("chain", chain[c.pk]),
                people=c.people_count,
            )
        )
    topics = find_hot_topics(items, top=top, now=today or clock.today())
    views = []
    for t in topics:
        members = [by_pk[i] for i in t.item_ids if i in by_pk]
        views.append(
            TopicView(
                title=t.title,
                keywords=list(t.keywords),
                count=t.count,
                person_times=t.person_times,
                places=list(t.places)[:5],
                trend=t.trend,
                first_date=t.first_date,
                last_date=t.last_date,
                cases=members,
                categories=Counter(t.labels).most_common(3) if t.labels else [],
            )
        )
    return views


def hot_topics(user: User, *, days: int = 90, top: int = 10, today: dt.date | None = None) -> list[TopicView]:
    today = today or clock.today()
    scoped = (
        cases_visible_to(user)
        .filter(received_on__gte=today - dt.timedelta(days=days))
        .exclude(
            claim_type=ClaimType.ACCUSATION  # accusation texts stay out of shared analyses
        )
    )
    # Already without accusations; the secrecy rule is applied too, so that a later change to the line
    # above cannot let an accused unit's view cluster the texts about it.
    return hot_topics_from(secrecy.without_hidden(user, scoped), top=top, today=today)


# --- reply quality -----------------------------------------------------------------------------------------

# The 意见书 states each part under its own heading and adds the remedy itself (cases.services), so the
# elements the form asks for are present by construction; what staff need to hear is whether the draft
# actually answers this petition.
_STRUCTURAL_WARNINGS = (
    "未复述信访人的诉求",
    "未写明调查核实的事实",
    "未写明明确的处理意见",
    "未写明法律政策依据",
    "未告知复查的机关和期限",
    "告知了复查（复核）途径",
)


@dataclass
class ReplyAdvice:
    warnings: list[str]
    missing_terms: list[str]
    checked: bool  # False: the check failed or is unavailable («暂无建议»)


def reply_advice(
    case: Case,
    *,
    request_summary: str,
    facts: str,
    opinion: str,
    legal_basis: str,
    items: list[str] | None = None,
) -> ReplyAdvice:
    """Warnings on a draft 处理意见书 for ``case``: too short, boilerplate, or not answering what the petition
    asks (its key terms missing from the draft). Advisory: never raises."""
    from xinfang.intelligence.text.replycheck import check_reply

    parts = [
        f"您反映的{request_summary.strip()}问题收悉。",
        f"经调查核实，{facts.strip()}",
        f"处理意见：{opinion.strip()}",
        f"依据{legal_basis.strip()}。",
        *[i.strip() for i in items or [] if i and i.strip()],
        remedy_text(Opinion.Stage.REPLY, review_unit_for(case.current_unit), case.current_unit),  # as case_reply writes it
    ]
    try:
        result = check_reply(case.content, "\n".join(parts), title=case.title)
    except Exception:  # the check is advisory; the reply form works without it
        log.exception("reply advice failed for case %s", case.pk)
        return ReplyAdvice(warnings=[], missing_terms=[], checked=False)
    if result.error:
        return ReplyAdvice(warnings=[], missing_terms=[], checked=False)
    warnings = [w for w in result.warnings if not w.startswith(_STRUCTURAL_WARNINGS)]
    return ReplyAdvice(warnings=warnings, missing_terms=list(result.missing_terms), checked=True)
