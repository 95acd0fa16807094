"""案件列表 search: the filters and the search box of the item list and of its Excel export.

Everything starts from ``cases_visible_to(user)``, so the list, its counts and its export can only ever
contain items inside the user's grants.

The search box accepts an item number (exact or prefix), a petitioner's name (exact or prefix), phone
number or identity number (exact), or words of the title and content. On 检举控告 items the user is on the
accused side of (``cases.secrecy``) only what the row shows can match: neither a petitioner's identity nor
words of the content, which the item page hides. Otherwise searching a name would tell the accused unit who
reported it, although the row itself shows 「（依法保密）」.

Content words on PostgreSQL. Chinese has no spaces and most words are two characters long, so the GIN index
of migration 0004 holds every distinct two-character substring of ``title || ' ' || content``
(``xinfang_bigrams``). A word is looked up in two ways, chosen per word:

- an uncommon word goes through the index (its bigrams ANDed), then ``LIKE`` keeps the rows where they are
  adjacent. Reading the rows the index found costs about 20 µs each, so this suits words in few items;
- a common word (in about 0.5 % of items or more) is found faster by walking the newest items and testing
  ``LIKE`` on each (about 3 µs a row) until the page is full: a word in 5 % of items fills a page of 50
  within the newest thousand or so.

PostgreSQL cannot make this choice itself: it multiplies the bigrams' frequencies as if they were
independent (a four-character word in 3 % of items is estimated at a few rows), and it does not know that
the index condition and the LIKE test select the same rows. The share is estimated here from the planner's
own sample of titles and contents (``pg_stats``). Single characters, and SQLite, use ``LIKE`` alone.

Counts: an exact COUNT over a million items is slow, so lists count at most ``COUNT_LIMIT`` items (text
searches ``SEARCH_COUNT_LIMIT``), and on PostgreSQL a count that takes longer than ``COUNT_BUDGET_MS`` is
abandoned: the page then says "more than the rows shown" instead of making the user wait.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass

from django.db import DatabaseError, connections, transaction
from django.db.models import BooleanField, F, Func, Prefetch, Q, QuerySet

from xinfang.cases import secrecy
from xinfang.cases.models import Case, CaseAccess, Category, Petitioner
from xinfang.cases.selectors import cases_visible_to
from xinfang.cases.states import CLOSED_STATES, OPEN_STATES, Status
from xinfang.cases.validators import normalize_phone
from xinfang.core import clock
from xinfang.core.errors import ValidationFailed
from xinfang.orgs import policies
from xinfang.orgs.models import User
from xinfang.orgs.permissions import Perm

# Exactly the list of the partial index ``case_open_due`` (models.Case.Meta), so PostgreSQL can use it for
# the overdue filter: a different order or set of states would not prove the index predicate.
OPEN_STATUS_LIST = sorted(s.value for s in OPEN_STATES)
DONE_STATUS_LIST = sorted({*(s.value for s in CLOSED_STATES), Status.ARCHIVED.value})

STATUS_OPEN = "open"
STATUS_DONE = "done"

# Sort keys offered to users (whitelist) → model field. "registered" is key order: keys are handed out at
# registration, and key order lets PostgreSQL walk the items, or one unit's access rows, already sorted.
SORT_FIELDS = {
    "registered": "pk",
    "received": "received_on",
    "number": "number",
    "due": "due_on",
}
DEFAULT_SORT = "registered"
NULLABLE_SORT_FIELDS = {"due_on"}

COUNT_LIMIT = 10_000
SEARCH_COUNT_LIMIT = 1_000
COUNT_BUDGET_MS = 60
WALK_BUDGET_MS = 80
WALK_CHUNK = 2000  # keys per step of _walk_own_items
# Up to this many matches, a page is cut from all their keys sorted in Python (see case_page).
SMALL_RESULT = 5000
MAX_TERMS = 5
# Up to this many items found by a petitioner's identity are passed to the item query as a list of keys;
# more than that (a common surname prefix) go in as a subquery.
IDENTITY_LIST_MAX = 1000
# Share of items above which a content word is looked for by walking the items instead of the index.
COMMON_WORD_SHARE = 0.005
# Users whose units hold less than this share of the access rows (a township, a department) have a "narrow"
# view: their word searches go through the access-unit index together with the word index (see case_page).
NARROW_VIEW_SHARE = 0.2
_STATS_SECONDS = 600

_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
_PHONE = re.compile(r"(\+86)?[\d\-]{7,14}")
_ITEM_NUMBER = re.compile(r"[A-Za-z][A-Za-z0-9]*(-[0-9-]*)?")
_CJK_OR_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class CaseCriteria:
    """What the user asked for. Empty values mean "no condition"."""

    q: str = ""
    status: str = ""  # a Status value, or STATUS_OPEN / STATUS_DONE
    unit_id: int | None = None  # current unit (当前办理单位)
    category_id: int | None = None  # a class includes its lower classes
    channel: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    overdue: bool = False
    repeat: bool = False
    group: bool = False
    sort: str = DEFAULT_SORT
    descending: bool = True


@dataclass(frozen=True)
class Count:
    value: int  # the count, or a lower bound when ``more``
    more: bool  # there are more than ``value`` (limit reached, or counting took too long)


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    number: int
    count: Count
    has_next: bool


def search_cases(user: User | None, criteria: CaseCriteria, *, word_index: bool | None = None) -> QuerySet[Case]:
    """The visible items matching ``criteria``, in the requested order (ties broken by key).

    ``word_index``: look content words up through the index (True), by walking the items (False), or
    choose per word by how common it is (None, the default).
    """
    c = criteria
    qs = cases_visible_to(user)
    if c.status == STATUS_OPEN:
        qs = qs.filter(status__in=OPEN_STATUS_LIST)
    elif c.status == STATUS_DONE:
        qs = qs.filter(status__in=DONE_STATUS_LIST)
    elif c.status:
        qs = qs.filter(status=c.status)
    if c.unit_id is not None:
        qs = qs.filter(current_unit_id=c.unit_id)
    if c.category_id is not None:
        qs = qs.filter(category_id__in=category_and_below(c.category_id))
    if c.channel:
        qs = qs.filter(channel=c.channel)
    if c.received_from is not None:
        qs = qs.filter(received_on__gte=c.received_from)
    if c.received_to is not None:
        qs = qs.filter(received_on__lte=c.received_to)
    if c.overdue:
        qs = qs.filter(status__in=OPEN_STATUS_LIST, due_on__lt=clock.today())
    if c.repeat:
        qs = qs.filter(is_repeat=True)
    if c.group:
        qs = qs.filter(is_group=True)
    terms = search_terms(c.q)
    units: list[int] = []
    if terms and word_index is not False and has_narrow_view(user, qs.db):
        # The user's units go into the index condition of each word (the same rows as the visibility
        # condition above), so the index returns only the user's items that contain the word.
        units = policies.unit_ids_with(user, Perm.VIEW)
        word_index = True
    for term in terms:
        qs = qs.filter(_term_q(user, term, qs.db, word_index, units))
    return qs.order_by(*_ordering(c.sort, c.descending))


def case_page(user: User | None, criteria: CaseCriteria, *, page: int, size: int) -> CasePage:
    """One page of ``search_cases`` with what the list shows of each item, and the (capped) count.

    Counting comes first, because it decides how the page is read. PostgreSQL answers "newest first, 50 rows"
    by walking the key index backwards and testing each item; that is right when matches are everywhere,
    but with a selective filter whose matches are old (archived items of one unit in 2024) it walks the
    whole table. So when the count shows few matches, their keys and sort values are read in one go through
    the filters' own indexes, sorted here, and only the page's items are loaded.

    A common content word is not counted (it is in thousands of items; the page says "50+"). Its page is
    read by walking the newest items, which is fast unless the user's own items rarely contain the word:
    that walk is given ``WALK_BUDGET_MS``, then the page is read through the index instead.

    A user with a narrow view (``has_narrow_view``: a township, a department) searches words through the
    index together with their units, so the count reads only their own matching items. When those are many
    (the word is common in their own items), the page is read by walking their own newest items
    (``_walk_own_items``) rather than loading every match to sort it.
    """
    qs = search_cases(user, criteria)
    offset = (page - 1) * size
    on_pg = connections[qs.db].vendor == "postgresql"
    narrow_text = on_pg and bool(search_terms(criteria.q)) and has_narrow_view(user, qs.db)
    walking = (
        on_pg and not narrow_text and any(is_common_word(t, qs.db) for t in search_terms(criteria.q))
    )
    if walking:
        count = Count(0, more=True)
    else:
        limit = SEARCH_COUNT_LIMIT if search_terms(criteria.q) else COUNT_LIMIT
        count = count_capped(qs, limit, budget_ms=COUNT_BUDGET_MS)
    if not count.more and count.value <= SMALL_RESULT:
        keys = _sorted_keys(qs, criteria)
        wanted = keys[offset : offset + size]
        by_pk = {c.pk: c for c in _with_list_columns(qs.filter(pk__in=wanted))}
        found = [by_pk[pk] for pk in wanted if pk in by_pk]
        return CasePage(cases=found, number=page, count=count, has_next=len(keys) > offset + size)

    def read(rows_qs: QuerySet[Case]) -> list[Case]:
        return list(_with_list_columns(rows_qs)[offset : offset + size + 1])

    if walking:
        try:
            found = within_budget(qs.db, WALK_BUDGET_MS, lambda: read(qs))
        except BudgetExceeded:
            found = read(search_cases(user, criteria, word_index=True))
    elif narrow_text:
        found = _walk_own_items(user, criteria, qs, offset, size + 1)
    else:
        found = read(qs)
    has_next = len(found) > size
    found = found[:size]
    if not has_next and (found or page == 1):
        count = Count(offset + len(found), more=False)  # the last page: now the count is known
    elif count.more:
        count = Count(max(count.value, offset + len(found)), more=True)
    return CasePage(cases=found, number=page, count=count, has_next=has_next)


def _walk_own_items(user: User | None, criteria: CaseCriteria, qs: QuerySet[Case], offset: int, count: int) -> list[Case]:
    """Rows ``offset``…``offset+count`` of ``qs`` (a narrow view's word search with many matches), read by
    walking the user's own items newest first, ``WALK_CHUNK`` keys at a time from their units' access rows,
    and testing the words (``LIKE``) on each chunk. Key order only; other orders read through the index.
    """
    if SORT_FIELDS.get(criteria.sort, SORT_FIELDS[DEFAULT_SORT]) != "pk":
        return list(_with_list_columns(qs)[offset : offset + count])
    desc = criteria.descending
    plain = search_cases(user, criteria, word_index=False)
    own = CaseAccess.objects.filter(unit_id__in=policies.unit_ids_with(user, Perm.VIEW))
    own = own.order_by("-case_id" if desc else "case_id").values_list("case_id", flat=True)
    matched: list[int] = []
    last = None
    while len(matched) < offset + count:
        chunk_qs = own if last is None else own.filter(case_id__lt=last) if desc else own.filter(case_id__gt=last)
        keys = list(dict.fromkeys(chunk_qs[:WALK_CHUNK]))  # an item routed to two of the units comes twice
        if not keys:
            break
        last = keys[-1]
        hits = set(plain.filter(pk__in=keys).values_list("pk", flat=True))
        matched.extend(pk for pk in keys if pk in hits)
    wanted = matched[offset : offset + count]
    by_pk = {c.pk: c for c in _with_list_columns(plain.filter(pk__in=wanted))}
    return [by_pk[pk] for pk in wanted if pk in by_pk]


def _with_list_columns(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related("current_unit", "category", "accused_unit").prefetch_related(
        # Only the main petitioner is shown; main_petitioner_name reads it from this prefetch.
        Prefetch("petitioners", queryset=Petitioner.objects.filter(is_main=True).order_by("pk"))
    )


def _sorted_keys(qs: QuerySet[Case], criteria: CaseCriteria) -> list[int]:
    """The keys of all rows of ``qs`` (few) in the order ``_ordering`` gives, sorted here."""
    field = SORT_FIELDS.get(criteria.sort, SORT_FIELDS[DEFAULT_SORT])
    desc = criteria.descending
    if field == "pk":
        return sorted(qs.order_by().values_list("pk", flat=True), reverse=desc)
    rows = list(qs.order_by().values_list("pk", field))
    present = sorted(((v, pk) for pk, v in rows if v is not None), reverse=desc)
    missing = sorted((pk for pk, v in rows if v is None), reverse=desc)  # NULLS LAST either way
    return [pk for _, pk in present] + missing


def count_capped(
    qs: QuerySet, limit: int = COUNT_LIMIT, *, budget_ms: int | None = None, at_least: int = 0
) -> Count:
    """Count at most ``limit`` rows; on PostgreSQL give up after ``budget_ms`` and report ``at_least``+.

    Nobody pages through ten thousand items, and a user who is only shown "10000+" loses nothing.
    """
    def count() -> int:
        return qs.order_by()[: limit + 1].count()

    if budget_ms is None:
        n = count()
    else:
        try:
            n = within_budget(qs.db, budget_ms, count)
        except BudgetExceeded:
            return Count(at_least, more=True)
    return Count(min(n, limit), n > limit)


class BudgetExceeded(Exception):
    pass


def within_budget(db: str, budget_ms: int, read):
    """``read()`` with PostgreSQL's statement_timeout set to ``budget_ms`` for its statements.

    Raises ``BudgetExceeded`` when a statement is cancelled; the connection stays usable (the savepoint is
    rolled back). Other databases have no such limit: ``read()`` runs as is.
    """
    connection = connections[db]
    if connection.vendor != "postgresql":
        return read()
    try:
        with transaction.atomic(using=db):
            with connection.cursor() as cur:
                cur.execute("SELECT current_setting('statement_timeout')")
                previous = cur.fetchone()[0]
                cur.execute("SELECT set_config('statement_timeout', %s, true)", [f"{int(budget_ms)}ms"])
            result = read()
            with connection.cursor() as cur:
                # SET LOCAL would otherwise last until the end of an enclosing transaction.
                cur.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
    except DatabaseError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != "57014":  # query_canceled
            raise
        raise BudgetExceeded() from exc
    return result


def category_and_below(category_id: int) -> list[int]:
    """The class and its lower classes (the taxonomy has three levels)."""
    ids = [category_id]
    frontier = [category_id]
    for _ in range(2):
        frontier = list(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def search_terms(q: str) -> list[str]:
    """Words of the search box: split on any whitespace (including the full-width space)."""
    return [t for t in (q or "").split() if t][:MAX_TERMS]


# --- one search word ------------------------------------------------------------------------------------------


def _term_q(user: User | None, term: str, db: str, word_index: bool | None, units: list[int]) -> Q:
    if _ID_NUMBER.fullmatch(term):
        return _identity_q(user, Q(id_number=term.upper()))
    if _PHONE.fullmatch(term) and sum(ch.isdigit() for ch in term) >= 7:
        try:
            phone = normalize_phone(term)
        except ValidationFailed:
            phone = term
        return _identity_q(user, Q(phone=phone))
    words = _words_q(term, db, word_index, units, hidden=secrecy.accused_side_q(user))
    if _ITEM_NUMBER.fullmatch(term):
        return Q(number__startswith=term.upper()) | words
    if _CJK_OR_LETTER.search(term):
        # A one-character name is rare and a one-character prefix would match a tenth of all petitioners.
        name = Q(name__startswith=term) if len(term) >= 2 else Q(name=term)
        return _identity_q(user, name) | words
    return words


def _identity_q(user: User | None, condition: Q) -> Q:
    """Items with a petitioner matching ``condition``, except where the user may not see identities."""
    people = Petitioner.objects.filter(condition).exclude(secrecy.accused_side_q(user, prefix="case__"))
    case_ids = people.order_by().values_list("case_id", flat=True).distinct()
    found = list(case_ids[: IDENTITY_LIST_MAX + 1])
    if len(found) <= IDENTITY_LIST_MAX:
        return Q(pk__in=found)
    return Q(pk__in=case_ids)


def identity_search(q: str) -> bool:
    """Does the search box look a person up (identity number, phone or a name)? Such a search discloses
    personal data item by item, and the list logs each item it shows (``cases.disclosure``)."""
    for term in search_terms(q):
        if _ID_NUMBER.fullmatch(term) or (_PHONE.fullmatch(term) and sum(ch.isdigit() for ch in term) >= 7):
            return True
        if _CJK_OR_LETTER.search(term) and not _ITEM_NUMBER.fullmatch(term):
            return True
    return False


def has_narrow_view(user: User | None, db: str = "default") -> bool:
    """PostgreSQL: do the user's units hold less than ``NARROW_VIEW_SHARE`` of all access rows?

    A township handler sees a few per cent of the county's items. Walking the newest items for a word then
    mostly reads other units' items, and a word common in the county but absent from the user's items is
    only ruled out after reading all of them; the text index, which holds the access units too, answers
    both at once. Estimated from the planner's statistics of ``cases_caseaccess.unit_id``.
    """
    if connections[db].vendor != "postgresql":
        return False
    unit_ids = policies.unit_ids_with(user, Perm.VIEW)
    if not unit_ids:
        return False
    access = _column_stats(db, CaseAccess._meta.db_table).get("unit_id")
    freqs = {int(v): f for v, f in zip(access["mcv"], access["freqs"], strict=False)} if access else {}
    if not freqs:
        return False  # no statistics yet (a new, small database): walking is cheap anyway
    return sum(freqs.get(u, 0.0) for u in unit_ids) < NARROW_VIEW_SHARE


class TextMatch(Func):
    """``(xinfang_bigrams(title || ' ' || content) || xinfang_units(access_units)) @@ '<query>'::tsquery``.

    The left side is written exactly as the expression of the GIN index ``case_search_doc`` (migration 0006);
    PostgreSQL only uses an expression index for the same expression. The query holds the bigrams of the
    word, and with ``units`` also "one of these access units", which the index answers in the same pass.
    """

    output_field = BooleanField()

    def __init__(self, word: str, units: list[int] | None = None) -> None:
        super().__init__(F("title"), F("content"), F("access_units"))
        self.tsquery = bigram_tsquery(word)
        if units:
            self.tsquery += " & (" + " | ".join(f"'#u{int(u)}'" for u in units) + ")"

    def as_sql(self, compiler, connection, **extra_context):
        (title, p1), (content, p2), (units, p3) = (compiler.compile(e) for e in self.get_source_expressions())
        sql = f"(xinfang_bigrams({title} || ' ' || {content}) || xinfang_units({units})) @@ %s::tsquery"
        return sql, (*p1, *p2, *p3, self.tsquery)


def bigram_tsquery(word: str) -> str:
    """``'工资' & '资拖' & '拖欠'``: the distinct bigrams of ``word``, quoted as tsquery lexemes.

    Lower-cased like ``xinfang_bigrams`` does, so Latin letters match regardless of case.
    """
    text = word.lower()
    grams = sorted({text[i : i + 2] for i in range(len(text) - 1)})
    return " & ".join("'" + g.replace("\\", "\\\\").replace("'", "''") + "'" for g in grams)


def _words_q(
    word: str, db: str, word_index: bool | None = None, units: list[int] | None = None, hidden: Q | None = None
) -> Q:
    """``hidden``: items whose content must not match (accusations the user is on the accused side of)."""
    if word.lower() == word.upper():
        # No letter with a case (Chinese, digits): plain LIKE, about three times cheaper than ILIKE.
        in_title, in_content = Q(title__contains=word), Q(content__contains=word)
    else:
        in_title, in_content = Q(title__icontains=word), Q(content__icontains=word)
    contains = in_title | ((in_content & ~hidden) if hidden is not None else in_content)
    if len(word) < 2 or connections[db].vendor != "postgresql":
        return contains
    if word_index is False or (word_index is None and is_common_word(word, db)):
        return contains
    # The bigram condition selects candidates through the index; LIKE keeps only real matches (bigrams
    # present but not adjacent). Neither alone is both fast and exact.
    return Q(TextMatch(word, units)) & contains


# --- how common a word is -------------------------------------------------------------------------------------

_stats_cache: dict[str, tuple[float, dict]] = {}


def is_common_word(word: str, db: str = "default") -> bool:
    return len(word) >= 2 and text_share(word, db) >= COMMON_WORD_SHARE


def text_share(word: str, db: str = "default") -> float:
    """Estimated share of items whose title or content contains ``word``.

    Computed like PostgreSQL's own LIKE estimate: the most common values with their frequencies, plus the
    histogram entries standing for the rest. Its resolution is about 1 %, enough to tell a common word from
    a rare one.
    """
    stats = _text_stats(db)
    needle = word.lower()
    share = 0.0
    for column in ("title", "content"):
        col = stats.get(column)
        if not col:
            continue
        mcv_share = sum(f for v, f in zip(col["mcv"], col["freqs"], strict=False) if needle in v.lower())
        rest = max(1.0 - sum(col["freqs"]) - col["null_frac"], 0.0)
        hist = col["hist"]
        hist_share = sum(needle in v.lower() for v in hist) / len(hist) if hist else 0.0
        s = mcv_share + rest * hist_share
        share = share + s - share * s
    return share


def _text_stats(db: str) -> dict:
    """The planner's statistics of title and content."""
    return _column_stats(db, Case._meta.db_table)


def _column_stats(db: str, table: str) -> dict:
    """The planner's statistics (``pg_stats``) of ``table``'s columns, values as text, re-read every
    ``_STATS_SECONDS`` (ANALYZE updates them)."""
    key = f"{db}:{table}"
    cached = _stats_cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < _STATS_SECONDS:
        return cached[1]
    stats = {}
    with connections[db].cursor() as cur:
        cur.execute(
            """
            SELECT attname, null_frac, most_common_vals::text::text[], most_common_freqs,
                   histogram_bounds::text::text[]
            FROM pg_stats
            WHERE schemaname = current_schema() AND tablename = %s
            """,
            [table],
        )
        for name, null_frac, mcv, freqs, hist in cur.fetchall():
            stats[name] = {"null_frac": null_frac or 0.0, "mcv": mcv or [], "freqs": freqs or [], "hist": hist or []}
    _stats_cache[key] = (time.monotonic(), stats)
    return stats


def _ordering(sort: str, descending: bool) -> list:
    field = SORT_FIELDS.get(sort, SORT_FIELDS[DEFAULT_SORT])
    if field == "pk":
        return ["-pk" if descending else "pk"]
    if field in NULLABLE_SORT_FIELDS:
        # Items without a running deadline go last in both directions.
        return [F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True),
                "-pk" if descending else "pk"]
    # No NULLS LAST on NOT NULL columns: PostgreSQL would then not walk the index backwards.
    return [f"-{field}", "-pk"] if descending else [field, "pk"]
