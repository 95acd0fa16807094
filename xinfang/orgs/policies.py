"""Permission questions, answered in one place.

``can(user, perm, unit)``: does the user hold a role with ``perm`` on a subtree that contains ``unit``?
Grants are cached on the user object for the request, because one page asks many times.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, router
from django.db.models import Q

from xinfang.orgs.models import Grant, Unit, User
from xinfang.orgs.permissions import perms_of_role


def _grants(user: User) -> list[tuple[str, str, int]]:
    cached = getattr(user, "_xf_grants", None)
    if cached is None:
        # Every request and every action starts here, so the statement is written out: the queryset
        # equivalent (filter(user=…).values_list("role", "unit__path", "unit_id")) costs three times the
        # Python time to build.
        grant, unit = Grant._meta.db_table, Unit._meta.db_table
        sql = (
            f'SELECT g."role", u."path", g."unit_id" FROM "{grant}" g '  # noqa: S608 (table names from models)
            f'JOIN "{unit}" u ON u."id" = g."unit_id" WHERE g."user_id" = %s ORDER BY g."id"'
        )
        with connections[router.db_for_read(Grant)].cursor() as cursor:
            cursor.execute(sql, [user.pk])
            cached = [(role, path, unit_id) for role, path, unit_id in cursor.fetchall()]
        user._xf_grants = cached  # type: ignore[attr-defined]
    return cached


def clear_cache(user: User) -> None:
    for attr in ("_xf_grants", "_xf_unit_ids"):
        if hasattr(user, attr):
            delattr(user, attr)


def unit_ids_with(user: User | None, perm: str) -> list[int]:
    """Ids of all units inside the subtrees on which ``user`` holds ``perm`` (cached for the request).

    Queries filter on these ids rather than on path prefixes: the county has dozens of units, and with
    the ids PostgreSQL's statistics tell it how many rows each unit has (a path pattern it cannot judge).
    """
    cache = getattr(user, "_xf_unit_ids", None) if user is not None else None
    if cache is None:
        cache = {}
        if user is not None:
            user._xf_unit_ids = cache  # type: ignore[attr-defined]
    if perm not in cache:
        paths = granted_paths(user, perm)
        cache[perm] = sorted(Unit.objects.filter(units_q(user, perm)).values_list("pk", flat=True)) if paths else []
    return cache[perm]


def granted_paths(user: User | None, perm: str) -> list[str]:
    """Paths of the subtrees on which ``user`` holds ``perm``."""
    if user is None or not user.is_active:
        return []
    return [path for role, path, _ in _grants(user) if perm in perms_of_role(role)]


def granted_unit_ids(user: User | None) -> list[int]:
    """The units the user holds any grant on (their work queue is what waits at these units)."""
    if user is None or not user.is_active:
        return []
    return sorted({unit_id for _, _, unit_id in _grants(user)})


def can(user: User | None, perm: str, unit: Unit | None) -> bool:
    if unit is None:
        return False
    return any(unit.path.startswith(path) for path in granted_paths(user, perm))


def units_q(user: User | None, perm: str, field: str = "path") -> Q:
    """A Q over ``Unit`` (or a relation ending in a unit path) limited to the user's subtrees."""
    paths = granted_paths(user, perm)
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def has_any(user: User | None, perms: Iterable[str]) -> bool:
    return any(granted_paths(user, p) for p in perms)
