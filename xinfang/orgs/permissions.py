"""The named catalogue of permissions and the roles that bundle them.

Grants give a role on a unit subtree (``Grant``); code asks ``policies.can(user, perm, unit)``. Keeping the
catalogue in one module means an audit of "who may do what" reads one file.
"""

from __future__ import annotations

from django.db import models


class Perm(models.TextChoices):
    VIEW = "case.view", "查看信访件"
    REGISTER = "case.register", "登记信访件、代录申请"
    ROUTE = "case.route", "信访部门分流（转送、交办、不予受理、转政法、转纪检、存档答复）"
    SIGN = "case.sign", "签收或提出异议"
    ACCEPT = "case.accept", "受理或不予受理告知"
    HANDLE = "case.handle", "办理、调解、出具处理意见、送达"
    APPROVE_EXTENSION = "case.approve_extension", "批准延期"
    REVIEW = "case.review", "复查、复核"
    CONCLUDE = "case.conclude", "终结与归档"
    SUPERVISE = "supervision.issue", "督办"
    ADMINISTER = "orgs.administer", "管理单位、人员与授权"
    VIEW_ACCESS_LOG = "audit.view_access_log", "查阅个人信息查看记录（审计）"
    # Screening is done where disputes arise (村、乡镇) and reviewed at county level; the prevention app narrows
    # the ledger further to grants on a village or township (prevention.selectors.reporting_units).
    PREVENTION_RECORD = "prevention.record", "矛盾纠纷排查台账、联席研判与稳评登记"


class Role(models.TextChoices):
    REGISTRAR = "registrar", "登记员（信访局）"
    HANDLER = "handler", "承办人"
    UNIT_HEAD = "unit_head", "单位负责人"
    LEADER = "leader", "领导"
    SUPERVISOR = "supervisor", "督查员"
    ADMINISTRATOR = "administrator", "系统管理员"
    AUDITOR = "auditor", "审计员"


ONLINE_INTAKE_ROLE = "online_intake"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.REGISTRAR: frozenset(
        {Perm.VIEW, Perm.REGISTER, Perm.ROUTE, Perm.CONCLUDE, Perm.PREVENTION_RECORD},
    ),
    Role.HANDLER: frozenset({Perm.VIEW, Perm.REGISTER, Perm.SIGN, Perm.ACCEPT, Perm.HANDLE, Perm.PREVENTION_RECORD}),
    Role.UNIT_HEAD: frozenset(
        {
            Perm.VIEW,
            Perm.REGISTER,
            Perm.SIGN,
            Perm.ACCEPT,
            Perm.HANDLE,
            Perm.APPROVE_EXTENSION,
            Perm.REVIEW,
            Perm.CONCLUDE,
            Perm.PREVENTION_RECORD,
        }
    ),
    Role.LEADER: frozenset({Perm.VIEW, Perm.APPROVE_EXTENSION, Perm.REVIEW, Perm.SUPERVISE, Perm.PREVENTION_RECORD}),
    Role.SUPERVISOR: frozenset({Perm.VIEW, Perm.SUPERVISE}),
    # The administrator manages accounts and settings, not petitions: no petition content and no personal
    # data by default (decisions §5). Whoever must also read items is granted a second role for that.
    Role.ADMINISTRATOR: frozenset({Perm.ADMINISTER}),
    # Auditors read the access log of personal data; they open no item themselves.
    Role.AUDITOR: frozenset({Perm.VIEW_ACCESS_LOG}),
    # The 网上信访 system account (cases.online) registers what petitioners submit on the portal at the
    # receiving 信访部门, and nothing else: no item, no list, no personal data. Not one of Role's choices, so
    # no administrator can grant it to a person.
    ONLINE_INTAKE_ROLE: frozenset({Perm.REGISTER}),
}


def perms_of_role(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())
