"""The secrecy rule of 检举控告 items, written once.

《信访工作条例》第三十条第三款: no one may disclose the accuser's information or pass the accusation materials
to the persons or units accused. Here that reads: a user whose unit is the accused unit or lies below it is
"on the accused side" of a 检举控告 item. For such a user the item's petitioners, content and attachments are
hidden, the item is never listed among related items, repeats or suggestions, and no search matches its
hidden fields. The same rule, applied to units, decides where the item may never be (``unit_is_accused``):
the accused unit never holds it and never gains access to it.

Everything that asks this question calls this module: ``on_accused_side`` for one item in Python,
``accused_side_q`` for querysets (lists, searches, suggestions). ``docs/secrecy.md`` states the rule and its
legal basis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from xinfang.cases.choices import ClaimType

if TYPE_CHECKING:
    from xinfang.cases.models import Case
    from xinfang.orgs.models import Unit, User

MASKED = "（依法保密）"


def _containing_unit_ids(unit: Unit) -> list[int]:
    """The unit and every unit above it: exactly the ids on its materialised path."""
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def within_accused(unit: Unit | None, accused: Unit | None) -> bool:
    """True if ``unit`` is ``accused`` or lies below it (also before an item exists, at registration)."""
    if unit is None or accused is None:
        return False
    return accused.pk in _containing_unit_ids(unit)


def unit_is_accused(case: Case, unit: Unit | None) -> bool:
    """True if ``unit`` is the accused unit of a 检举控告 item or lies below it."""
    if unit is None or not case.is_accusation or case.accused_unit_id is None:
        return False
    return case.accused_unit_id in _containing_unit_ids(unit)


def on_accused_side(user: User | None, case: Case) -> bool:
    """True if ``user`` may not learn who accused whom and of what on ``case`` (their unit is accused).

    A user without a unit (a system account) is never on the accused side; an anonymous caller is treated
    as on it, so that nothing is disclosed to nobody.
    """
    if user is None:
        return case.is_accusation
    return unit_is_accused(case, getattr(user, "unit", None))


def accused_side_q(user: User | None, prefix: str = "") -> Q:
    """A condition over ``Case`` (or a relation to it, ``prefix="case__"``) matching the 检举控告 items that
    ``user`` is on the accused side of. Exclude it to keep only what the user may be told about."""
    unit = getattr(user, "unit", None)
    if user is None:
        return Q(**{f"{prefix}claim_type": ClaimType.ACCUSATION})
    if unit is None:
        return Q(**{f"{prefix}pk__in": []})
    return Q(
        **{f"{prefix}claim_type": ClaimType.ACCUSATION, f"{prefix}accused_unit_id__in": _containing_unit_ids(unit)}
    )


def without_hidden(user: User | None, qs: QuerySet[Case]) -> QuerySet[Case]:
    """``qs`` without the accusations ``user`` is on the accused side of (for lists of related items)."""
    return qs.exclude(accused_side_q(user))


def listable(user: User | None, qs: QuerySet[Case]) -> QuerySet[Case]:
    """The items of ``qs`` that may be listed to ``user``: visible to them and not hidden by the rule.

    Every related-item, repeat and suggestion list goes through this: an item the user cannot open, or an
    accusation against their own unit, is never listed, ranked or echoed.
    """
    from xinfang.cases.selectors import cases_visible_to

    return without_hidden(user, qs.filter(pk__in=cases_visible_to(user).values("pk")))
