"""Who counts as a leader here, and the 息诉罢访 rule: both in one place so a province can change them.

A leader is whoever holds the LEADER role (县领导, 乡镇党委书记) **or** the UNIT_HEAD role (单位主要负责人) on a unit.
[T22-18 ¶2] puts 包案 and 阅批 on 「各级党委和政府领导」 and, through 「一岗双责」, on the heads of the competent
organs as well; handlers, registrars and supervisors are not leaders and may not take a 包案. The leader's
reach is their grant: a township head leads items lying in the township, a county leader any item in the county.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q

from xinfang.orgs.models import Grant, Unit, User
from xinfang.orgs.permissions import Role

LEADER_ROLES = (Role.LEADER, Role.UNIT_HEAD)

# 息诉罢访 window (decisions §7): days after the conclusion of a 包案 with no new petition on the same matter.
DEFAULT_SETTLED_DAYS = 90
# 积案: an open item older than this many days since receipt (the county's own threshold).
DEFAULT_BACKLOG_DAYS = 90


def settled_days() -> int:
    return int(getattr(settings, "XINFANG_SETTLED_DAYS", DEFAULT_SETTLED_DAYS))


def backlog_days() -> int:
    return int(getattr(settings, "XINFANG_BACKLOG_DAYS", DEFAULT_BACKLOG_DAYS))


def leader_paths(user: User | None) -> list[str]:
    """Unit paths of the subtrees on which ``user`` is a leader (cached on the user object for the request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_xf_leader_paths", None)
    if cached is None:
        cached = list(
            Grant.objects.filter(user=user, role__in=LEADER_ROLES).values_list("unit__path", flat=True)
        )
        user._xf_leader_paths = cached  # type: ignore[attr-defined]
    return cached


def is_leader(user: User | None) -> bool:
    return bool(leader_paths(user))


def leads_unit(user: User | None, unit: Unit | None) -> bool:
    """True if ``unit`` lies inside one of the subtrees ``user`` leads."""
    if unit is None:
        return False
    return any(unit.path.startswith(path) for path in leader_paths(user))


def leader_units_q(user: User | None, field: str = "path") -> Q:
    paths = leader_paths(user)
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def settled_window_end(concluded_on: dt.date) -> dt.date:
    """The last day on which a new petition on the matter still counts against 息诉罢访 (inclusive)."""
    return concluded_on + dt.timedelta(days=settled_days())
