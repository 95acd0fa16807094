"""The one door through which petitioners' personal data reach staff, and the access log it writes.

Personal data are a petitioner's name, identity number, phone and address, and an item's attachments. Every
function here that hands them out applies the secrecy rule (``xinfang.cases.secrecy``) and writes
``PersonalDataAccess`` in the same call (decisions §5: every view of personal data by staff is logged). No
other module reads ``Petitioner`` or ``Attachment`` rows for display.

Granularity of the log: opening an item or downloading an attachment logs that item; a search by identity
number, phone or name logs each item it lists; a list page or an export logs once, with what was asked and
how many rows showed personal data (one row per exported line would bury the log).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from xinfang.cases import secrecy
from xinfang.cases.models import Attachment, PersonalDataAccess
from xinfang.core import clock

if TYPE_CHECKING:
    from xinfang.cases.models import Case, Petitioner
    from xinfang.orgs.models import User

MASKED = secrecy.MASKED
PURPOSE_DETAIL = "查看案件详情"
PURPOSE_DOWNLOAD = "下载附件"
PURPOSE_PERSON_SEARCH = "登记查重：按身份证号码或电话查询前次信访件"
PURPOSE_LIST = "案件列表"
PURPOSE_LIST_SEARCH = "案件列表：按身份证号码、电话或姓名检索"
PURPOSE_QUEUE = "工作台待办"
PURPOSE_EXPORT = "导出台账"
PURPOSE_DOCUMENT_DOWNLOAD = "下载文书"
PURPOSE_DOCUMENT_PRINT = "打印文书"


def identity_visible(user: User | None, case: Case) -> bool:
    """May ``user`` be shown who petitioned on ``case`` and what they handed in? (no log: a yes/no only)"""
    return user is not None and not secrecy.on_accused_side(user, case)


def _log(user: User, case: Case | None, purpose: str, *, count: int = 1, detail: str = "") -> None:
    PersonalDataAccess.objects.create(
        user=user, case=case, purpose=purpose[:60], count=count, detail=detail[:500], created_at=clock.now()
    )


def mask_term(term: str) -> str:
    """A search word as the access log keeps it: an auditor sees that a phone or an identity number was
    looked up (its first three and last two characters) or a name (its first character), never the whole."""
    digits = sum(ch.isdigit() for ch in term)
    if digits >= 7:
        return term[:3] + "*" * max(len(term) - 5, 1) + term[-2:]
    return term[:1] + "*" * (len(term) - 1)


def describe_criteria(params: Mapping[str, str], *, free_text: Iterable[str] = ("q",)) -> str:
    """The filters of a list page or an export for the access log, with the free-text words masked: the log
    says what was asked without becoming a second copy of the personal data it guards."""
    parts = []
    for key, value in params.items():
        if not value:
            continue
        if key in free_text:
            value = " ".join(mask_term(word) for word in value.split())
        parts.append(f"{key}={value}")
    return "&".join(parts)[:500]


def log_items(user: User | None, cases: Iterable[Case], purpose: str, *, detail: str = "") -> None:
    """One log row per item shown with personal data (searches by a person's identity)."""
    if user is None:
        return
    now = clock.now()
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(user=user, case=case, purpose=purpose[:60], detail=detail[:500], created_at=now)
        for case in cases
    )


def log_bulk(user: User | None, purpose: str, *, count: int, detail: str = "") -> None:
    """One log row for a list or an export that showed personal data on ``count`` rows (none if zero)."""
    if user is None or count <= 0:
        return
    _log(user, None, purpose, count=count, detail=detail)


@dataclass
class Disclosure:
    """What one user may see of one item's petitioners and materials."""

    visible: bool
    petitioners: list[Petitioner] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


def disclose(user: User | None, case: Case, *, purpose: str = PURPOSE_DETAIL) -> Disclosure:
    """The petitioners and attachments of ``case`` for ``user``; logged once when anything is shown."""
    if not identity_visible(user, case):
        return Disclosure(visible=False)
    assert user is not None
    result = Disclosure(
        visible=True, petitioners=list(case.petitioners.all()), attachments=list(case.attachments.all())
    )
    _log(user, case, purpose)
    return result


def petitioners(user: User | None, case: Case, *, purpose: str = PURPOSE_DETAIL) -> list[Petitioner]:
    return disclose(user, case, purpose=purpose).petitioners


def attachment(user: User | None, case: Case, attachment_id: int) -> Attachment | None:
    """One attachment for download, or None (hidden or not of this item); the download is logged."""
    if not identity_visible(user, case):
        return None
    assert user is not None
    att = Attachment.objects.filter(pk=attachment_id, case=case).first()
    if att is not None:
        _log(user, case, PURPOSE_DOWNLOAD, detail=att.original_name)
    return att


def document_for(user: User | None, case: Case, document, *, purpose: str, identity: bool = True):
    """An issued document of ``case`` for download or printing, or None (hidden, or not of this item).

    A written document repeats the item: whoever is on the accused side of a 检举控告 gets none of them, as
    they get none of its materials. One that names the petitioner (``identity``: every document addressed to
    them, the 送达回证, a letter between organs about an ordinary item) is personal data, so handing it out
    is logged. ``document`` is looked up by the caller (the documents app), inside this item.
    """
    if document is None or document.case_id != case.pk or not identity_visible(user, case):
        return None
    assert user is not None
    if identity:
        _log(user, case, purpose, detail=str(document))
    return document


def main_petitioner_label(user: User | None, case: Case) -> str:
    """「陈大明 等6人」 for a list row, 「（依法保密）」 where hidden. Not logged here: the caller shows many
    rows and logs them together (``names_for``)."""
    if not identity_visible(user, case):
        return MASKED
    people = list(case.petitioners.all())
    main = next((p for p in people if p.is_main), people[0] if people else None)
    if main is None:
        return "—"
    return main.name + (f" 等{case.people_count}人" if case.people_count > 1 else "")


def main_contact(user: User | None, case: Case) -> tuple[str, str]:
    """(name, phone) of the main petitioner for an export row: 「（依法保密）」 twice where hidden, empty when
    there is none. Not logged here: the export logs once for all its rows (``log_bulk``)."""
    if not identity_visible(user, case):
        return MASKED, MASKED
    main = next(iter(p for p in case.petitioners.all() if p.is_main), None)
    if main is None:
        return "", ""
    return main.name, main.phone


def names_for(user: User | None, cases: list[Case], *, purpose: str, per_item: bool, detail: str = "") -> dict[int, str]:
    """Main petitioners' names for the rows of a list page, logged: per item for a search by a person's
    identity (``per_item``), else one row for the page with the number of names shown."""
    labels = {case.pk: main_petitioner_label(user, case) for case in cases}
    shown = [case for case in cases if labels[case.pk] not in (MASKED, "—")]
    if per_item:
        log_items(user, shown, purpose, detail=detail)
    else:
        log_bulk(user, purpose, count=len(shown), detail=detail)
    return labels


# --- reading the log (审计) -------------------------------------------------------------------------------


def access_log_for(
    auditor: User | None,
    *,
    username: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
):
    """The access log rows ``auditor`` may read, newest first: those of staff whose unit lies inside the
    subtrees on which the auditor holds ``audit.view_access_log``. Empty for everyone else.

    ``username`` matches the login exactly or the staff member's name in part; dates are Asia/Shanghai days,
    both inclusive.
    """
    from django.db.models import Q

    from xinfang.orgs import policies
    from xinfang.orgs.permissions import Perm

    if not policies.granted_paths(auditor, Perm.VIEW_ACCESS_LOG):
        return PersonalDataAccess.objects.none()
    qs = PersonalDataAccess.objects.filter(policies.units_q(auditor, Perm.VIEW_ACCESS_LOG, "user__unit__path"))
    if username.strip():
        name = username.strip()
        qs = qs.filter(Q(user__username=name) | Q(user__full_name__contains=name))
    if date_from is not None:
        qs = qs.filter(created_at__gte=_day_start(date_from))
    if date_to is not None:
        qs = qs.filter(created_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    return qs.select_related("user", "user__unit", "case").order_by("-created_at", "-pk")


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the configured time zone (Asia/Shanghai)."""
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
