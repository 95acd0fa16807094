"""Write paths for units, users and grants (used by the demo, admin scripts and tests)."""

from __future__ import annotations

from django.db import transaction

from xinfang.core.errors import ValidationFailed
from xinfang.orgs.models import Grant, Unit, UnitKind, User
from xinfang.orgs.permissions import Role


def unit_create(*, name: str, code: str, kind: str, parent: Unit | None = None, short_name: str = "") -> Unit:
    if kind not in UnitKind.values:
        raise ValidationFailed(f"单位类型「{kind}」无效，可选：{'、'.join(UnitKind.values)}", field="kind")
    if Unit.objects.filter(code=code).exists():
        raise ValidationFailed(f"单位代码「{code}」已被使用，请换一个", field="code")
    return Unit.objects.create(name=name, code=code, kind=kind, parent=parent, short_name=short_name)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    full_name: str,
    unit: Unit,
    roles: list[tuple[str, Unit]] | None = None,
    phone: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    password_hash: str | None = None,
) -> User:
    """Create a user with role grants. ``password_hash`` lets bulk set-ups hash one password once."""
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(f"用户名「{username}」已存在", field="username")
    user = User(
        username=username, full_name=full_name, unit=unit, phone=phone, is_staff=is_staff, is_superuser=is_superuser
    )
    if password_hash is not None:
        user.password = password_hash
    else:
        user.set_password(password)
    user.save()
    for role, scope in roles or []:
        grant_role(user=user, role=role, unit=scope)
    return user


def grant_role(*, user: User, role: str, unit: Unit) -> Grant:
    if role not in Role.values:
        raise ValidationFailed(f"角色「{role}」无效，可选：{'、'.join(Role.values)}", field="role")
    grant, _ = Grant.objects.get_or_create(user=user, role=role, unit=unit)
    return grant


def unit_set_leaders(*, unit: Unit, head: User | None = None, party_secretary: User | None = None) -> Unit:
    """Name a unit's head (and a township's party secretary), who receive group-visit alerts."""
    fields: dict[str, User] = {}
    if head is not None:
        fields["head"] = head
    if party_secretary is not None:
        if unit.kind != UnitKind.TOWNSHIP:
            raise ValidationFailed("只有乡镇/街道需要指定党委书记", field="party_secretary")
        fields["party_secretary"] = party_secretary
    # A field update: the path bookkeeping of Unit.save() is not needed for these columns.
    Unit.objects.filter(pk=unit.pk).update(**fields)
    for name, value in fields.items():
        setattr(unit, name, value)
    return unit
