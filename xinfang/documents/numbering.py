"""Document numbers: 机关代字 + 〔年份〕 + 序号 + 号, for example 清信转〔2026〕12号 (GB/T 9704-2012 §7.2.3).

The 机关代字 is the issuing unit's prefix (``Unit.doc_prefix``, e.g. 清信 for 清河县信访局) followed by the
kind's character from ``KIND_CHARS`` (转 for a 转送单). Sequence numbers run per issuing unit, kind and year,
from 1, without gaps or duplicates: ``allocate`` increments the counter row under ``select_for_update``
inside the caller's transaction, so a number is only used if the document that took it is committed.
"""

from __future__ import annotations

from django.db import IntegrityError, connection

from xinfang.documents.models import DocumentCounter, DocumentKind
from xinfang.orgs.models import Unit

# The kind's part of the 机关代字. Kinds missing here carry no number of their own: a 送达回证 names the
# document it delivers. Every character string is distinct, so two kinds of one unit never share a number.
KIND_CHARS: dict[str, str] = {
    DocumentKind.ACCEPTANCE_NOTICE: "受",
    DocumentKind.REFUSAL_NOTICE: "不受",
    DocumentKind.NO_FURTHER_NOTICE: "不再",
    DocumentKind.EXTENSION_NOTICE: "延",
    DocumentKind.REPLY: "处",
    DocumentKind.REVIEW_DECISION: "复",
    DocumentKind.REREVIEW_DECISION: "核",
    DocumentKind.REQUEST_REFUSAL_NOTICE: "复不受",
    DocumentKind.TRANSFER: "转",
    DocumentKind.ASSIGNMENT: "交",
    DocumentKind.OBJECTION: "异",
    DocumentKind.SUPERVISION_LETTER: "督",
    DocumentKind.REMINDER_LETTER: "提",
}

# Words that do not distinguish one organ of the county from another, dropped by the fallback prefix.
_GENERIC_WORDS = ("人民",)
_GENERIC_LEADS = ("县", "市", "区")


def is_numbered(kind: str) -> bool:
    return kind in KIND_CHARS


def unit_prefix(unit: Unit) -> str:
    """The unit's 机关代字: ``doc_prefix`` when set, otherwise a stopgap derived from the name.

    The fallback takes the short name (or the name), drops the word 人民 and one leading 县/市/区 (in this
    county's tree every organ is the county's, so they tell nothing apart), and keeps the first two
    characters: 县信访局 → 信访, 东街镇 → 东街, 清河县人民政府 → 清河. It is only a stopgap — an
    administrator should enter the prefix the county actually uses.
    """
    if unit.doc_prefix.strip():
        return unit.doc_prefix.strip()
    base = (unit.short_name or unit.name).strip()
    for word in _GENERIC_WORDS:
        base = base.replace(word, "")
    if len(base) > 2 and base[0] in _GENERIC_LEADS:
        base = base[1:]
    return base[:2] or unit.code


def format_number(unit: Unit, kind: str, year: int, seq: int) -> str:
    return f"{unit_prefix(unit)}{KIND_CHARS[kind]}〔{year}〕{seq}号"


def allocate(unit: Unit, kind: str, year: int) -> tuple[int, str]:
    """Take the next sequence number; returns ``(seq, number)``. Must run inside the issuing transaction."""
    if not connection.in_atomic_block:
        # Outside a transaction the lock would be released at once and a rolled-back issue would leave a gap.
        raise RuntimeError("文书编号必须在签发事务内分配")
    if not is_numbered(kind):
        raise ValueError(f"{kind} 没有文号")
    # The first number of a unit, kind and year creates the row. Two issuers may both try: get_or_create's
    # insert runs in a savepoint, the loser's insert fails on the unique constraint (PostgreSQL makes it wait
    # for the winner's commit first) and it reads the winner's row instead. One retry covers the case where
    # the winner's row was not yet visible when the loser looked it up again.
    for attempt in range(2):
        try:
            DocumentCounter.objects.get_or_create(unit=unit, kind=kind, year=year)
            break
        except IntegrityError:
            if attempt:
                raise
    counter = DocumentCounter.objects.select_for_update().get(unit=unit, kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, format_number(unit, kind, year, counter.last)
