"""The case state machine: every state, every transition, and the one function that moves an item.

``transition()`` is the only writer of ``Case.status`` and of the clock fields. It locks the item, checks the
source state and the actor's permission, runs the service's domain guard, stops and starts the statutory
clocks, and records a ``CaseEvent`` — all in one database transaction, so a refused or failed move changes
nothing. ``docs/workflow.md`` is generated from ``TRANSITIONS`` (``xinfang workflow_doc``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from xinfang.cases import tally
from xinfang.cases.choices import EvaluationStatus
from xinfang.cases.states import CLOSED_STATES, OPEN_STATES, Status
from xinfang.core import clock
from xinfang.core.errors import IllegalTransition, NotFound, PermissionRefused, ValidationFailed
from xinfang.core.rows import insert_together
from xinfang.orgs.permissions import Perm

if TYPE_CHECKING:
    from xinfang.cases.models import Case, CaseEvent, Clock
    from xinfang.orgs.models import Unit, User

__all__ = ["Status", "OPEN_STATES", "CLOSED_STATES", "Action", "TRANSITIONS", "transition"]

NEW = ""  # the "state" of an item being registered


class Action:
    REGISTER = "register"
    REGISTER_DIRECT = "register_direct"
    FORWARD = "forward"
    ASSIGN = "assign"
    FORWARD_DOWN = "forward_down"
    ASSIGN_DOWN = "assign_down"
    REPORT_MAJOR = "report_major"
    ROUTE_LEGAL = "route_legal"
    ROUTE_DISCIPLINE = "route_discipline"
    TRANSFER_ACCUSED = "transfer_accused"
    FILE = "file"
    DECLINE = "decline"
    NOT_REACCEPT = "not_reaccept"
    SIGN = "sign"
    OBJECT = "object"
    APPROVE_OBJECTION = "approve_objection"
    REJECT_OBJECTION = "reject_objection"
    ACCEPT = "accept"
    ACCEPT_SIMPLE = "accept_simple"
    REFUSE = "refuse"
    REDIRECT = "redirect"
    CONVERT_TO_NORMAL = "convert_to_normal"
    EXTEND = "extend"
    MEDIATE = "mediate"
    REPLY = "reply"
    DELIVER = "deliver"
    REQUEST_REVIEW = "request_review"
    REFUSE_REVIEW = "refuse_review"
    REVIEW_DECIDE = "review_decide"
    REVIEW_REDO = "review_redo"
    REQUEST_REREVIEW = "request_rereview"
    REFUSE_REREVIEW = "refuse_rereview"
    START_HEARING = "start_hearing"
    END_HEARING = "end_hearing"
    REREVIEW_DECIDE = "rereview_decide"
    REREVIEW_REDO = "rereview_redo"
    LAPSE = "lapse"
    ARCHIVE = "archive"
    EVALUATE = "evaluate"
    EVALUATION_OVERDUE = "evaluation_overdue"


# --- where a clock starts -------------------------------------------------------------------------------


def _on(case: Case, on: dt.date) -> dt.date:
    return on


def _accepted_on(case: Case, on: dt.date) -> dt.date:
    # Converting simple → normal, or extending, gains no time: the 60 days run from the original acceptance
    # (decisions §3).
    return case.accepted_on or on


def _received_on(case: Case, on: dt.date) -> dt.date:
    return case.received_on


@dataclass(frozen=True)
class ClockStart:
    rule: str
    start: Callable[[Case, dt.date], dt.date] = _on
    extra_field: str | None = None  # case attribute holding extra days (extension, hearing days)
    main: bool = True  # False for the parallel evaluation track: not the item's "current deadline"
    restart_same: bool = False  # recompute a running clock of the same rule from its own start
    once: bool = False  # start only if the item never had this clock (evaluation follows the first reply)
    # Skip the clock for an item received before the rule's first version (the evaluation measure dates from
    # 2015): the duty did not exist for it, and a missing rule must not block the legal step it goes with.
    optional: bool = False


@dataclass(frozen=True)
class EvaluationMove:
    """A step of the parallel evaluation track (decisions §6): ``Case.evaluation_status`` from ``src`` to ``dst``.

    ``required``: refuse the action when the item's evaluation status is not in ``src``; otherwise (a reply
    delivered again after 责令重新办理) the evaluation already opened, given or missed is left as it is.
    """

    src: frozenset[str]
    dst: str
    required: bool = True
    clock: str = ""  # the step opens with this clock and is skipped when the clock did not start


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    src: frozenset[str]
    dst: str | None  # None: the state does not change (an event on the item, e.g. a refused late request)
    perm: str | None  # None: only the system (daily job) may do it
    actor: str
    basis: str
    perm_on: str = "current"  # "current": current unit; "target": the unit named in the call
    moves_to_target: bool = False
    # The item moves to the unit held in this case field (the bureau that forwarded it, the unit it was
    # forwarded to), for moves whose permission is checked on another unit than the destination.
    moves_to_field: str = ""
    evaluation: EvaluationMove | None = None
    # A condition on the item beyond its state: returns why the action does not apply (shown to the user
    # and raised by transition()), or None. The page offers the action only when it applies.
    requires: Callable[[Case], str | None] | None = None
    stops: tuple[str, ...] = ()
    starts: tuple[ClockStart, ...] = ()
    pauses: tuple[str, ...] = ()
    supersedes: tuple[str, ...] = ()  # clocks replaced by a recomputed one (no on-time verdict recorded)
    notes: str = ""
    # The written document the law ties to the act (a ``documents.DocumentKind`` value), issued in the act's
    # transaction by the registered document hook; ``delivers``: the kind whose delivery the act records.
    document: str = ""
    delivers: str = ""


ALL_STATES = frozenset(Status.values)
HANDLING_CLOCKS = ("handling", "handling_extended", "simple_handling", "assigned")
ALL_PRE_REPLY = ("bureau_routing", "objection", "acceptance_notice", *HANDLING_CLOCKS)


def _received_directly(case: Case) -> str | None:
    # Art. 23 ¶1 concerns an organ's own direct receipt, before it has accepted or passed the item on.
    if case.route_kind or case.accepted_on is not None or case.current_unit_id != case.registering_unit_id:
        return "只有本单位直接收到、尚未受理的信访件才能转送、交办本系统下级单位（《信访工作条例》第二十三条第一款）"
    return None


def _forwarded_by_bureau(case: Case) -> str | None:
    from xinfang.orgs.models import UnitKind

    # Art. 23 ¶3 gives the objection against a 信访部门's 转送/交办; an organ passing a petition it received
    # directly to its own subordinate unit settles competence within its own system.
    if case.registering_unit.kind != UnitKind.BUREAU:
        return (
            f"本件由「{case.registering_unit.name}」直接收件后转送，不适用异议退回（《信访工作条例》第二十三条第三款"
            "只适用于信访部门转送、交办的信访事项），请与转送单位协商办理"
        )
    return None


def _t(*args: Any, **kwargs: Any) -> Transition:
    src = kwargs.pop("src")
    kwargs["src"] = frozenset(src)
    return Transition(*args, **kwargs)


_TABLE: list[Transition] = [
    _t(
        Action.REGISTER, "登记（信访部门收件）", src={NEW}, dst=Status.ROUTING, perm=Perm.REGISTER,
        actor="信访部门登记员", basis="《信访工作条例》第二十一条、第二十二条",
        starts=(ClockStart("bureau_routing", _received_on),),
    ),
    _t(
        Action.REGISTER_DIRECT, "登记（有权处理机关直接收件）", src={NEW}, dst=Status.SIGNED, perm=Perm.REGISTER,
        actor="有权处理的机关、单位", basis="《信访工作条例》第二十三条第一款",
        starts=(ClockStart("acceptance_notice", _received_on),),
    ),
    _t(
        Action.FORWARD, "转送", src={Status.ROUTING}, dst=Status.PENDING_SIGN, perm=Perm.ROUTE,
        actor="信访部门", basis="《信访工作条例》第二十二条第（一）（二）项", moves_to_target=True,
        stops=("bureau_routing",), starts=(ClockStart("objection"), ClockStart("acceptance_notice")),
    ),
    _t(
        Action.ASSIGN, "交办（指定办理期限）", src={Status.ROUTING}, dst=Status.PENDING_SIGN, perm=Perm.ROUTE,
        actor="信访部门", basis="《信访工作条例》第二十二条第（三）项", moves_to_target=True,
        stops=("bureau_routing",), starts=(ClockStart("objection"), ClockStart("acceptance_notice")),
        notes="交办期限作为单独期限（assigned）记录，办结时核对",
    ),
    _t(
        Action.REPORT_MAJOR, "报请党委政府（重大紧急）", src={Status.ROUTING}, dst=None, perm=Perm.ROUTE,
        actor="信访部门", basis="《信访工作条例》第二十二条第（一）项、第二十五条",
    ),
    _t(
        Action.ROUTE_LEGAL, "转政法部门", src={Status.ROUTING}, dst=Status.LEGAL_ROUTED, perm=Perm.ROUTE,
        actor="信访部门", basis="《信访工作条例》第二十二条第二款", moves_to_target=True, stops=("bureau_routing",),
    ),
    _t(
        Action.ROUTE_DISCIPLINE, "转纪检监察机关", src={Status.ROUTING}, dst=Status.DISCIPLINE_ROUTED,
        perm=Perm.ROUTE, actor="信访部门", basis="《信访工作条例》第二十二条第二款、第三十条", moves_to_target=True,
        stops=("bureau_routing",), notes="仅限检举控告类信访件；移交后纪检监察机关可在工作台查看",
    ),
    _t(
        Action.TRANSFER_ACCUSED, "检举控告移交（本单位属被反映单位，依法回避）", src={Status.ROUTING, Status.SIGNED},
        dst=Status.SIGNED, perm=Perm.REGISTER, actor="登记单位", moves_to_target=True,
        basis="《信访工作条例》第三十条第三款、第二十二条第二款", supersedes=("bureau_routing", "acceptance_notice"),
        starts=(ClockStart("acceptance_notice"),), notes="见 docs/secrecy.md：移交纪检监察机关或被反映单位的上一级机关",
    ),
    _t(
        Action.FILE, "直接答复/存档", src={Status.ROUTING}, dst=Status.FILED, perm=Perm.ROUTE,
        actor="信访部门", basis="实务做法（咨询、致谢、无具体诉求）", stops=("bureau_routing",),
    ),
    _t(
        Action.DECLINE, "不予受理（信访部门）", src={Status.ROUTING}, dst=Status.NOT_ACCEPTED, perm=Perm.ROUTE,
        actor="信访部门", basis="《信访工作条例》第十九条第三款、第二十二条", stops=("bureau_routing",),
        document="refusal_notice",
    ),
    _t(
        Action.NOT_REACCEPT, "不再受理", src={Status.ROUTING}, dst=Status.NOT_REACCEPTED, perm=Perm.ROUTE,
        actor="信访部门", basis="《信访工作条例》第三十六条第三款", stops=("bureau_routing",),
        document="no_further_notice",
    ),
    _t(
        Action.SIGN, "签收", src={Status.PENDING_SIGN}, dst=Status.SIGNED, perm=Perm.SIGN,
        actor="有权处理的机关、单位", basis="《信访工作条例》第二十三条第三款", stops=("objection",),
    ),
    _t(
        Action.OBJECT, "提出异议（退回）", src={Status.PENDING_SIGN}, dst=Status.OBJECTION, perm=Perm.SIGN,
        actor="有权处理的机关、单位", basis="《信访工作条例》第二十三条第三款（5个工作日内）",
        moves_to_field="registering_unit", requires=_forwarded_by_bureau, stops=("objection",),
        notes="信访件退回转送、交办的信访部门；上级机关直接收件后转送下级的，不适用异议",
    ),
    _t(
        Action.APPROVE_OBJECTION, "同意异议，收回重新分流", src={Status.OBJECTION}, dst=Status.ROUTING,
        perm=Perm.ROUTE, actor="信访部门", basis="《信访工作条例》第二十三条第三款", perm_on="target",
        moves_to_target=True, stops=("acceptance_notice", "assigned"), starts=(ClockStart("bureau_routing"),),
    ),
    _t(
        Action.REJECT_OBJECTION, "不同意异议，退回原单位办理", src={Status.OBJECTION}, dst=Status.SIGNED,
        perm=Perm.ROUTE, actor="信访部门", basis="《信访工作条例》第二十三条第三款", perm_on="target",
        moves_to_field="responsible_unit", notes="退回原接收单位，受理告知期限继续计算",
    ),
    _t(
        Action.FORWARD_DOWN, "转送本系统下级单位", src={Status.SIGNED}, dst=Status.PENDING_SIGN,
        perm=Perm.ACCEPT, actor="直接收件的有权处理机关", basis="《信访工作条例》第二十三条第一款",
        moves_to_target=True, requires=_received_directly, stops=("acceptance_notice",),
        starts=(ClockStart("acceptance_notice"),),
        notes="仅限直接收件、尚未受理的信访件，接收单位须为本单位的下级单位；同时告知信访人转送去向",
    ),
    _t(
        Action.ASSIGN_DOWN, "交办本系统下级单位（指定办理期限）", src={Status.SIGNED}, dst=Status.PENDING_SIGN,
        perm=Perm.ACCEPT, actor="直接收件的有权处理机关", basis="《信访工作条例》第二十三条第一款",
        moves_to_target=True, requires=_received_directly, stops=("acceptance_notice",),
        starts=(ClockStart("acceptance_notice"),),
        notes="交办期限作为单独期限（assigned）记录",
    ),
    _t(
        Action.ACCEPT, "受理（普通程序）", src={Status.SIGNED}, dst=Status.HANDLING, perm=Perm.ACCEPT,
        actor="有权处理的机关、单位", basis="《信访工作条例》第二十三条、第三十一条第（六）项、第三十四条",
        stops=("acceptance_notice",), starts=(ClockStart("handling"),),
        document="acceptance_notice",
    ),
    _t(
        Action.ACCEPT_SIMPLE, "受理（简易办理）", src={Status.SIGNED}, dst=Status.SIMPLE_HANDLING,
        perm=Perm.ACCEPT, actor="有权处理的机关、单位", basis="《信访事项简易办理办法》（国信办发〔2022〕17号）第四条",
        stops=("acceptance_notice",), starts=(ClockStart("simple_handling"),),
        document="acceptance_notice",
    ),
    _t(
        Action.REFUSE, "不予受理告知（有权处理机关）", src={Status.SIGNED}, dst=Status.NOT_ACCEPTED,
        perm=Perm.ACCEPT, actor="有权处理的机关、单位", basis="《信访工作条例》第二十三条", stops=("acceptance_notice", "assigned"),
        document="refusal_notice",
    ),
    _t(
        Action.REDIRECT, "导入法定程序（诉讼、仲裁、复议等）", src={Status.SIGNED}, dst=Status.REDIRECTED,
        perm=Perm.ACCEPT, actor="有权处理的机关、单位", basis="《信访工作条例》第三十一条第（一）至（五）项",
        stops=("acceptance_notice", "assigned"),
    ),
    _t(
        Action.CONVERT_TO_NORMAL, "简易办理转普通程序", src={Status.SIMPLE_HANDLING}, dst=Status.HANDLING,
        perm=Perm.HANDLE, actor="有权处理的机关、单位", basis="决定第3条：60日自原受理日起算",
        supersedes=("simple_handling",), starts=(ClockStart("handling", _accepted_on),),
    ),
    _t(
        Action.EXTEND, "延长办理期限", src={Status.HANDLING}, dst=Status.EXTENDED, perm=Perm.APPROVE_EXTENSION,
        actor="有权处理机关负责人批准", basis="《信访工作条例》第三十四条（只能延长一次，不超过30日）",
        supersedes=("handling",),
        starts=(ClockStart("handling_extended", _accepted_on, extra_field="extension_days"),),
        document="extension_notice",
    ),
    _t(
        Action.MEDIATE, "达成调解/和解协议", src={Status.HANDLING, Status.EXTENDED, Status.SIMPLE_HANDLING},
        dst=Status.CONCLUDED, perm=Perm.HANDLE, actor="有权处理的机关、单位", basis="《信访工作条例》第三十三条",
        stops=HANDLING_CLOCKS,
    ),
    _t(
        Action.REPLY, "出具信访处理意见书", src={Status.HANDLING, Status.EXTENDED, Status.SIMPLE_HANDLING},
        dst=Status.REPLIED, perm=Perm.HANDLE, actor="有权处理的机关、单位", basis="《信访工作条例》第三十二条",
        notes="办理期限在送达时停止（按期办结以送达日为准）",
        document="reply",
    ),
    _t(
        Action.DELIVER, "送达处理意见书", src={Status.REPLIED}, dst=Status.DELIVERED, perm=Perm.HANDLE,
        actor="有权处理的机关、单位", basis="《信访工作条例》第三十二条、第三十五条", stops=HANDLING_CLOCKS,
        starts=(ClockStart("review_request"), ClockStart("evaluation", main=False, once=True, optional=True)),
        # Only the first written reply opens the evaluation (谁初次办理、谁接受评价); a reply after a
        # 责令重新办理 keeps the evaluation already given or missed.
        evaluation=EvaluationMove(
            frozenset({EvaluationStatus.NONE}), EvaluationStatus.PENDING, required=False, clock="evaluation"
        ),
        delivers="reply",
    ),
    _t(
        Action.REQUEST_REVIEW, "受理复查申请", src={Status.DELIVERED}, dst=Status.UNDER_REVIEW, perm=Perm.REVIEW,
        actor="复查机关（原办理机关的上一级）", basis="《信访工作条例》第三十五条", perm_on="target",
        moves_to_target=True, stops=("review_request",), starts=(ClockStart("review"),),
    ),
    _t(
        Action.REFUSE_REVIEW, "复查申请不予受理（逾期等）", src={Status.DELIVERED}, dst=None, perm=Perm.REVIEW,
        actor="复查机关", basis="《信访工作条例》第三十五条（收到书面答复之日起30日内）", perm_on="target",
        document="request_refusal_notice",
    ),
    _t(
        Action.REVIEW_DECIDE, "出具并送达复查意见书（维持/撤销或变更）", src={Status.UNDER_REVIEW},
        dst=Status.REVIEW_DELIVERED, perm=Perm.REVIEW, actor="复查机关", basis="《信访工作条例》第三十五条",
        stops=("review",), starts=(ClockStart("rereview_request"),),
        document="review_decision", delivers="review_decision",
    ),
    _t(
        Action.REVIEW_REDO, "复查：责令重新办理", src={Status.UNDER_REVIEW}, dst=Status.HANDLING,
        perm=Perm.REVIEW, actor="复查机关", basis="地方规定（如山东省信访条例第四十五条）", perm_on="current",
        moves_to_target=True, stops=("review",), starts=(ClockStart("handling"),),
        document="review_decision", delivers="review_decision",
    ),
    _t(
        Action.REQUEST_REREVIEW, "受理复核申请", src={Status.REVIEW_DELIVERED}, dst=Status.UNDER_REREVIEW,
        perm=Perm.REVIEW, actor="复核机关（复查机关的上一级）", basis="《信访工作条例》第三十六条", perm_on="target",
        moves_to_target=True, stops=("rereview_request",), starts=(ClockStart("rereview"),),
    ),
    _t(
        Action.REFUSE_REREVIEW, "复核申请不予受理（逾期等）", src={Status.REVIEW_DELIVERED}, dst=None,
        perm=Perm.REVIEW, actor="复核机关", basis="《信访工作条例》第三十六条（收到复查意见之日起30日内）",
        perm_on="target",
        document="request_refusal_notice",
    ),
    _t(
        Action.START_HEARING, "复核听证开始（期限暂停）", src={Status.UNDER_REREVIEW}, dst=Status.HEARING,
        perm=Perm.REVIEW, actor="复核机关", basis="《信访工作条例》第三十六条第二款", pauses=("rereview",),
    ),
    _t(
        Action.END_HEARING, "复核听证结束（期限顺延听证天数）", src={Status.HEARING}, dst=Status.UNDER_REREVIEW,
        perm=Perm.REVIEW, actor="复核机关", basis="《信访工作条例》第三十六条第二款（听证所需时间不计算在内）",
        starts=(ClockStart("rereview", extra_field="hearing_days", restart_same=True),),
    ),
    _t(
        Action.REREVIEW_DECIDE, "出具并送达复核意见书（终结）", src={Status.UNDER_REREVIEW}, dst=Status.CONCLUDED,
        perm=Perm.REVIEW, actor="复核机关", basis="《信访工作条例》第三十六条", stops=("rereview",),
        document="rereview_decision", delivers="rereview_decision",
    ),
    _t(
        Action.REREVIEW_REDO, "复核：责令重新办理", src={Status.UNDER_REREVIEW}, dst=Status.HANDLING,
        perm=Perm.REVIEW, actor="复核机关", basis="地方规定（如山东省信访条例第四十五条）",
        moves_to_target=True, stops=("rereview",), starts=(ClockStart("handling"),),
        document="rereview_decision", delivers="rereview_decision",
    ),
    _t(
        Action.LAPSE, "申请期限届满未申请，自动终结", src={Status.DELIVERED, Status.REVIEW_DELIVERED},
        dst=Status.CONCLUDED, perm=None, actor="系统（每日任务 xinfang tick）",
        basis="决定第3条；地方规定（山东第四十六条第（二）项、浙江第二十五条第（二）项）",
        stops=("review_request", "rereview_request"),
    ),
    _t(
        Action.ARCHIVE, "归档", src=set(CLOSED_STATES), dst=Status.ARCHIVED, perm=Perm.CONCLUDE,
        actor="信访部门", basis="档案管理", perm_on="target",
    ),
    # —— the parallel evaluation track: the item's state does not change ——
    _t(
        Action.EVALUATE, "信访人满意度评价", src=ALL_STATES, dst=None, perm=None,
        actor="信访人（查询码或工作人员代录）", basis="决定第6条；《信访工作条例》第二十一条",
        stops=("evaluation",),
        evaluation=EvaluationMove(frozenset({EvaluationStatus.PENDING}), EvaluationStatus.DONE),
    ),
    _t(
        Action.EVALUATION_OVERDUE, "超期未评价", src=ALL_STATES, dst=None, perm=None,
        actor="系统（每日任务 xinfang tick）", basis="决定第6条（超期未评价不计为满意）",
        stops=("evaluation",),
        evaluation=EvaluationMove(frozenset({EvaluationStatus.PENDING}), EvaluationStatus.OVERDUE),
    ),
]

TRANSITIONS: Mapping[str, Transition] = {t.action: t for t in _TABLE}
ACTION_LABELS: Mapping[str, str] = {t.action: t.label for t in _TABLE}
EVALUATION_TRACK = frozenset(t.action for t in _TABLE if t.dst is None and t.evaluation is not None)
MAIN_TRACK = sorted(a for a in TRANSITIONS if a not in EVALUATION_TRACK)


def status_label(value: str) -> str:
    if value == NEW:
        return "（新登记）"
    try:
        return Status(value).label
    except ValueError:
        return value


def actions_from(status: str) -> list[Transition]:
    return [t for t in _TABLE if status in t.src]


# --- the one writer --------------------------------------------------------------------------------------


# Fields only ``transition()`` writes, from the table: a service's free-form ``Move.changes`` may not touch
# them, so no caller can move an item, set its clocks or its evaluation around the state machine.
LIFECYCLE_FIELDS = frozenset(
    {
        "status",
        "current_unit",
        "current_unit_id",
        "due_on",
        "due_rule",
        "due_started_on",
        "evaluation_status",
        "access_units",
    }
)


@dataclass
class Move:
    """What a service asks ``transition`` to do besides the state change."""

    # Case fields to set under the lock; a callable value is called with the locked item.
    changes: dict[str, Any] = field(default_factory=dict)
    guard: Callable[[Case], None] | None = None  # domain checks, run under the lock; raise to refuse
    after: Callable[[Case], None] | None = None  # extra rows to write in the same transaction
    # Registration only: unsaved rows of the new item (foreign key ``case``), inserted together with it.
    new_rows: list[Any] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # recorded on the event
    assigned_due_on: dt.date | None = None  # 交办 deadline set by the bureau
    # What the act's document needs beyond the item (a refusal's ``route``/``organ``; a delivery's ``method``
    # and ``signer``), passed to the document hook.
    document: dict[str, Any] = field(default_factory=dict)


# --- the written document of an act -------------------------------------------------------------------------

# The law ties some acts to a written document (受理/不予受理告知 [T22-23, 25], 不再受理 [T22-36 ¶3], 延期告知
# [T22-34], 处理意见书 [T22-32], 复查/复核意见书 [T22-35, 36]). The documents app sits above this module, so it
# registers the function that issues them (``documents.apps``); ``transition`` calls it inside the act's own
# transaction, after the event is written, so the document reads the act it records. An act whose document
# cannot be issued — no hook, a template that fails, a missing field — is refused and leaves nothing behind.
DocumentHook = Callable[..., None]
_document_hook: DocumentHook | None = None


def register_document_hook(hook: DocumentHook | None) -> DocumentHook | None:
    """Install the issuer of acts' documents; returns the previous one (tests restore it)."""
    global _document_hook
    previous, _document_hook = _document_hook, hook
    return previous


def _issue_act_document(
    t: Transition, case: Case, *, actor: User | None, on: dt.date, unit: Unit | None, extra: dict[str, Any]
) -> None:
    if _document_hook is None:
        what = "、".join(filter(None, (t.document, t.delivers)))
        raise IllegalTransition(f"「{t.label}」须同时出具并记录书面文书（{what}），文书模块未启用，不能办理")
    _document_hook(case=case, action=t.action, kind=t.document, delivers=t.delivers, actor=actor, on=on,
                   unit=unit, extra=extra)


def _check_permission(t: Transition, case: Case, actor: User | None, target: Unit | None) -> None:
    from xinfang.orgs import policies

    if t.perm is None:
        if actor is not None:
            raise PermissionRefused(f"「{t.label}」只能由系统每日任务执行")
        return
    if actor is None:
        raise PermissionRefused(f"「{t.label}」需要有权限的工作人员操作")
    unit = target if t.perm_on == "target" else case.current_unit
    if unit is None:
        raise PermissionRefused(f"「{t.label}」需要指定办理单位")
    if not policies.can(actor, t.perm, unit):
        raise PermissionRefused(f"您在「{unit.name}」没有「{t.label}」的权限")


def _start_clock(case: Case, spec: ClockStart, on: dt.date, running: dict[str, Clock]) -> Clock:
    """Compute a clock's due date; a new clock is returned unsaved (the caller inserts them together)."""
    from xinfang.cases.models import Clock
    from xinfang.deadlines.services import compute_deadline

    extra = int(getattr(case, spec.extra_field) or 0) if spec.extra_field else 0
    previous = running.get(spec.rule) if spec.restart_same else None
    start = previous.started_on if previous is not None else spec.start(case, on)
    # A year without a confirmed schedule never blocks a legal duty: the clock is stored provisional (暂定) and
    # recomputed when the year is confirmed (decisions §2, cases.calendar_sync).
    deadline = compute_deadline(
        spec.rule, start, extra_days=extra, rule_date=case.received_on, allow_provisional=True
    )
    if previous is not None:
        previous.due_on = deadline.due
        previous.extra_days = extra
        previous.paused = False
        previous.provisional = deadline.provisional
        previous.save(update_fields=["due_on", "extra_days", "paused", "provisional"])
        return previous
    new = Clock(
        rule_code=spec.rule, started_on=start, extra_days=extra, due_on=deadline.due, provisional=deadline.provisional
    )
    running[spec.rule] = new
    return new


def _rule_in_force(code: str, received_on: dt.date) -> bool:
    from xinfang.deadlines.services import get_rule

    try:
        get_rule(code, received_on)
    except ValidationFailed as exc:
        if exc.code == "rule_not_in_force":
            return False
        raise
    return True


def _refresh_due(case: Case, running: dict[str, Clock]) -> None:
    candidates = [c for c in running.values() if c.rule_code != "evaluation" and not c.paused]
    if case.status not in OPEN_STATES or not candidates:
        case.due_on, case.due_rule, case.due_started_on = None, "", None
        case.due_provisional = False
        return
    nearest = min(candidates, key=lambda c: (c.due_on, c.pk or 0))
    case.due_on, case.due_rule, case.due_started_on = nearest.due_on, nearest.rule_code, nearest.started_on
    case.due_provisional = nearest.provisional


# --- action dates -----------------------------------------------------------------------------------------

# The reason for a backdated act, for callers that reach ``transition`` through a service (the workbench sets
# it around the one service call of a submitted form, so the services need no extra parameter each).
_backdate_reason: ContextVar[str] = ContextVar("backdate_reason", default="")
# Writing a past that already happened (the demo county's simulated year, test fixtures): the window and the
# reason are waived; the future bound and the order of steps are not. Never entered while serving requests.
_importing_history = 0


@contextmanager
def backdate_reason(reason: str) -> Iterator[None]:
    """Supply the reason for acts dated before today that are recorded inside the block."""
    token = _backdate_reason.set(reason or "")
    try:
        yield
    finally:
        _backdate_reason.reset(token)


@contextmanager
def importing_history() -> Iterator[None]:
    """Record a past history in bulk (demo data, tests): no backdating window and no reason required."""
    global _importing_history
    _importing_history += 1
    try:
        yield
    finally:
        _importing_history -= 1


# A date the system itself recorded (the day a petitioner filed on the portal), not one an actor claims: an
# act dated by it is no late entry, whenever staff get to it. Set only by ``dated_by_record``.
_recorded_date: ContextVar[dt.date | None] = ContextVar("recorded_date", default=None)


@contextmanager
def dated_by_record(on: dt.date) -> Iterator[None]:
    """Acts dated ``on`` inside the block take their date from a stored record, not from the actor."""
    token = _recorded_date.set(on)
    try:
        yield
    finally:
        _recorded_date.reset(token)


def _check_effective_date(obj: Case, t: Transition, on: dt.date, reason: str, actor: User | None) -> None:
    """An act's date: never after today, never before the item's previous step, and backdated only within
    ``XINFANG_BACKDATE_DAYS`` with a reason. A late entry must not rewrite a clock that has already run out
    (an extension dated before the handling deadline, recorded weeks after it)."""
    from django.db.models import Max

    today = clock.today()
    if on > today:
        raise ValidationFailed(f"日期 {on:%Y-%m-%d} 晚于今天（{today:%Y-%m-%d}），请填写实际办理的日期", field="on")
    if on < obj.received_on:
        raise ValidationFailed(f"日期 {on:%Y-%m-%d} 早于本件收到日期 {obj.received_on:%Y-%m-%d}，请核对", field="on")
    # The evaluation track runs beside the main one: an evaluation follows the delivery of the reply, and a
    # later 复查 request need not follow an evaluation recorded before it.
    after = [Action.DELIVER] if t.action in EVALUATION_TRACK else MAIN_TRACK
    last = obj.events.filter(action__in=after).aggregate(last=Max("effective_on"))["last"]
    if last is not None and on < last:
        raise ValidationFailed(
            f"日期 {on:%Y-%m-%d} 早于本件上一步办理日期 {last:%Y-%m-%d}，请按实际顺序填写", field="on"
        )
    if actor is None or _importing_history or on == today or on == _recorded_date.get():
        return  # the daily job may run for a missed day; it states no reason
    window = settings.XINFANG_BACKDATE_DAYS
    if (today - on).days > window:
        raise ValidationFailed(
            f"日期 {on:%Y-%m-%d} 距今已超过{window}天，不能补录。请按实际情况在今天办理，或联系系统管理员",
            field="on",
        )
    if not reason.strip():
        raise ValidationFailed(
            f"日期 {on:%Y-%m-%d} 早于今天，属于补录，请填写补录理由", field="backdate_reason"
        )


def transition(
    case: Case | int,
    action: str,
    *,
    actor: User | None,
    on: dt.date | None = None,
    note: str = "",
    target: Unit | None = None,
    move: Move | None = None,
    creating: bool = False,
    backdate_reason: str | None = None,
) -> Case:
    """Move ``case`` by ``action``. The sole writer of ``Case.status`` and the clocks.

    Preconditions are checked under a row lock (``SELECT … FOR UPDATE``): the current state must be a source
    of the action, the actor must hold the action's permission on the relevant unit, and ``move.guard`` must
    pass. ``on`` passes ``_check_effective_date`` (a backdated act needs ``backdate_reason``, by default the
    one set with ``backdate_reason()``). ``creating=True`` is for registration: ``case`` is a new, unsaved
    item that this call inserts (inside the caller's transaction); its date of receipt is checked by the
    service. Raises ``IllegalTransition``, ``PermissionRefused`` or
    ``ValidationFailed`` and then writes nothing.
    """
    from xinfang.cases import messages
    from xinfang.cases.models import Case, CaseAccess, CaseEvent, Clock, Petitioner
    from xinfang.cases.signals import case_event_recorded

    t = TRANSITIONS.get(action)
    if t is None:
        raise IllegalTransition(f"未知操作「{action}」")
    move = move or Move()
    refused = LIFECYCLE_FIELDS.intersection(move.changes)
    if refused:
        # A programming error, not bad input: the table is the only place that moves these fields.
        raise IllegalTransition(f"「{t.label}」不能通过附带修改改变流程字段：{'、'.join(sorted(refused))}")
    on = on or clock.today()
    # A new item needs no savepoint of its own: any failure rolls back the whole registration.
    with transaction.atomic(savepoint=not creating):
        if creating:
            assert isinstance(case, Case) and case.pk is None
            obj = case
        else:
            pk = case.pk if isinstance(case, Case) else case
            try:
                # No join in the locking query: after waiting for a concurrent move, PostgreSQL re-checks
                # the joined row against the old one and would drop the item ("not found") instead of
                # letting the state check give the clear "already moved" error.
                obj = Case.objects.select_for_update().get(pk=pk)
            except Case.DoesNotExist as exc:
                raise NotFound() from exc
        if obj.status not in t.src:
            allowed = "、".join(status_label(s) for s in sorted(t.src))
            raise IllegalTransition(
                f"信访件 {obj.number} 当前状态为「{status_label(obj.status)}」，不能执行「{t.label}」"
                f"（仅适用于：{allowed}）。如页面已过期，请刷新后重试。"
            )
        _check_permission(t, obj, actor, target)
        if t.requires is not None:
            why = t.requires(obj)
            if why:
                raise IllegalTransition(why)
        ev = t.evaluation
        if ev is not None and ev.required and obj.evaluation_status not in ev.src:
            raise IllegalTransition(
                f"信访件 {obj.number} 当前不在评价期内（评价状态：{obj.get_evaluation_status_display()}），"
                f"不能执行「{t.label}」"
            )
        reason = _backdate_reason.get() if backdate_reason is None else backdate_reason
        if not creating:
            _check_effective_date(obj, t, on, reason, actor)
        if move.guard is not None:
            move.guard(obj)

        from_status = obj.status
        unit_before = obj.current_unit_id
        hearing_before = obj.hearing_started_on
        # The unit that speaks in the act's document: the one whose permission was checked.
        speaker = (target if t.perm_on == "target" else obj.current_unit) if (t.document or t.delivers) else None
        for name, value in move.changes.items():
            setattr(obj, name, value(obj) if callable(value) else value)
        if t.moves_to_target and target is not None:
            obj.current_unit = target
        elif t.moves_to_field:
            destination = getattr(obj, t.moves_to_field)
            if destination is None:
                raise IllegalTransition(f"信访件 {obj.number} 没有可退回的单位，不能执行「{t.label}」")
            obj.current_unit = destination
        if t.dst is not None:
            obj.status = t.dst

        running: dict[str, Clock] = {}
        if not creating:
            running = {c.rule_code: c for c in obj.clocks.filter(stopped_on__isnull=True)}
        # Taken before the clocks below change in place: the board's tally records the difference.
        tallied_before = tally.keys(running.values(), unit_before, hearing_before)
        clock_log: dict[str, list[dict[str, Any]]] = {"stopped": [], "started": []}
        for rule in (*t.stops, *t.supersedes):
            c = running.pop(rule, None)
            if c is None:
                continue
            superseded = rule in t.supersedes
            c.stopped_on = on
            c.superseded = superseded
            c.on_time = None if superseded else on <= c.due_on
            c.paused = False
            c.save(update_fields=["stopped_on", "on_time", "superseded", "paused"])
            clock_log["stopped"].append({"rule": rule, "due_on": c.due_on.isoformat(), "on_time": c.on_time})
        for rule in t.pauses:
            c = running.get(rule)
            if c is not None:
                c.paused = True
                c.save(update_fields=["paused"])
        for spec in t.starts:
            if spec.once and not creating and obj.clocks.filter(rule_code=spec.rule).exists():
                continue
            if spec.optional and not _rule_in_force(spec.rule, obj.received_on):
                continue
            c = _start_clock(obj, spec, on, running)
            clock_log["started"].append({"rule": spec.rule, "from": c.started_on.isoformat(), "due_on": c.due_on.isoformat(),
                                         **({"provisional": True} if c.provisional else {})})
        if move.assigned_due_on is not None:
            running["assigned"] = Clock(rule_code="assigned", started_on=on, due_on=move.assigned_due_on)
            clock_log["started"].append({"rule": "assigned", "from": on.isoformat(), "due_on": move.assigned_due_on.isoformat()})
        evaluation_before = obj.evaluation_status
        if ev is not None and obj.evaluation_status in ev.src and (not ev.clock or ev.clock in running):
            obj.evaluation_status = ev.dst
        _refresh_due(obj, running)
        new_clocks = [c for c in running.values() if c.pk is None]
        # Each running clock carries the item's unit (the supervision board counts by it without a join).
        for c in running.values():
            c.unit_id = obj.current_unit_id
        data = dict(move.data)
        if not creating and on < clock.today() and reason.strip():
            data["backdate_reason"] = reason.strip()
        if clock_log["stopped"] or clock_log["started"]:
            data["clocks"] = clock_log
        event = CaseEvent(
            action=action,
            actor=actor,
            actor_unit_id=actor.unit_id if actor is not None else None,
            from_status=from_status,
            to_status=obj.status,
            unit_id=obj.current_unit_id,
            effective_on=on,
            data=data,
            note=note,
            created_at=clock.now(),
        )
        if creating:
            # The item, its first clock, its first event and the service's rows (petitioners, access) in
            # one statement on PostgreSQL: registration is the busiest write of a petition office.
            children = [*new_clocks, *move.new_rows, event]
            # The petitioner's receipt (cases.messages): outbox rows, written in the same statement and sent
            # only after the commit.
            people = [row for row in move.new_rows if isinstance(row, Petitioner)]
            receipt = messages.registration_messages(obj, action, people, running)
            insert_together(obj, [("case", row) for row in children] + [("case_id", row) for row in receipt],
                            using=obj._state.db or "default")
            if move.after is not None:
                move.after(obj)
            tally.record(tallied_before, tally.keys(running.values(), obj.current_unit_id, obj.hearing_started_on))
        else:
            fields = {"status", "current_unit", "due_on", "due_rule", "due_started_on", "due_provisional", "updated_at", *move.changes}
            if obj.evaluation_status != evaluation_before:
                fields.add("evaluation_status")
            moved = obj.current_unit_id != unit_before
            if moved:
                obj.access_units = with_access_unit(obj.access_units, obj.current_unit_id)
                fields.add("access_units")
            obj.save(update_fields=sorted(fields))
            if moved:
                # The clocks still running follow the item to its new unit, in this transaction (one statement).
                Clock.objects.filter(case_id=obj.pk, stopped_on__isnull=True).update(unit_id=obj.current_unit_id)
            for c in new_clocks:
                c.case = obj
            Clock.objects.bulk_create(new_clocks)
            tally.record(tallied_before, tally.keys(running.values(), obj.current_unit_id, obj.hearing_started_on))
            if moved:
                # The new unit (and everyone granted above it) may now see the item.
                CaseAccess.objects.get_or_create(case=obj, unit_id=obj.current_unit_id)
            if move.after is not None:
                move.after(obj)
            event.case = obj
            event.save(force_insert=True)
            if t.document or t.delivers:
                _issue_act_document(t, obj, actor=actor, on=on, unit=speaker, extra=move.document)
            # What the petitioner is told of the act (cases.messages): outbox rows in this transaction, so a
            # refused or failed act sends nothing and a committed one cannot lose its message.
            messages.event_messages(obj, event, running)
        transaction.on_commit(lambda: case_event_recorded.send(sender=CaseEvent, event=event))
    return obj


def with_access_unit(access_units: str, unit_id: int) -> str:
    """``Case.access_units`` with ``unit_id`` added: distinct ids in ascending order, space-separated."""
    ids = {int(x) for x in access_units.split()}
    ids.add(int(unit_id))
    return " ".join(str(i) for i in sorted(ids))


def record(
    case: Case,
    action: str,
    *,
    actor: User | None,
    data: dict[str, Any] | None = None,
    note: str = "",
    on: dt.date | None = None,
) -> CaseEvent:
    """Record an event that does not change the state (repeat links, evaluations, overdue evaluation)."""
    from xinfang.cases import messages
    from xinfang.cases.models import CaseEvent
    from xinfang.cases.signals import case_event_recorded

    event = CaseEvent.objects.create(
        case=case,
        action=action,
        actor=actor,
        actor_unit_id=actor.unit_id if actor is not None else None,
        from_status=case.status,
        to_status=case.status,
        unit_id=case.current_unit_id,
        effective_on=on or clock.today(),
        data=data or {},
        note=note,
        created_at=clock.now(),
    )
    # The same table as for moves decides whether the petitioner is told (in the caller's transaction).
    messages.event_messages(case, event)
    transaction.on_commit(lambda: case_event_recorded.send(sender=CaseEvent, event=event))
    return event


EVENT_LABELS: Mapping[str, str] = {
    **ACTION_LABELS,
    "mark_repeat": "标记为重件并关联前次信访件",
    "classify": "确定内容分类",
    "evaluate": "信访人满意度评价",
    "evaluation_overdue": "超期未评价",
    "group_alert": "集体访提醒已发送",
    "group_reception": "记录集体访接谈情况",
    "application_filed": "信访人网上提出复查（复核）申请",
    "calendar_recompute": "放假安排确认后重算暂定期限",
    "set_accused_unit": "确定被反映单位",
    "document_issued": "签发文书", "document_corrected": "更正文书（签发新版本）",
    # Supervision (xinfang.supervision): 督办, 催办, 提醒函.
    "supervision_issued": "督办", "supervision_answered": "答复督办", "supervision_closed": "督办办结",
    "supervision_urged": "催办", "reminder_sent": "发送提醒函",
    # Leaders (xinfang.leaders): 包案, 阅批, 接访日, 下访.
    "ownership_take": "领导包案", "ownership_milestone": "包案工作节点", "ownership_milestone_done": "包案工作节点完成",
    "ownership_note": "包案会议", "ownership_conclude": "包案化解", "ownership_settled": "包案息诉罢访",
    "ownership_unsettled": "包案化解后再次信访", "instruction_issue": "领导批示", "instruction_answer": "书面报告批示落实情况",
    "reception_day": "领导接访日接待", "down_visit": "领导下访时反映",
    "down_visit_corrected": "更正领导下访记录",
    "handler_assigned": "指定承办人", "extension_requested": "承办人申请延期", "extension_refused": "负责人不同意延期",
}


def recompute_provisional(case_id: int, year: int, actor: User | None) -> None:
    """Recompute the running provisional clocks of one item that reach ``year`` once its official schedule is
    confirmed (decisions §2; called by ``cases.calendar_sync`` inside the confirming transaction), with one
    ``calendar_recompute`` event listing the old and new dates. Stopped clocks keep their recorded verdict."""
    from xinfang.cases.models import Case
    from xinfang.deadlines.services import compute_deadline

    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    # Same lock as transition(): a concurrent move of the item waits, then sees the new dates.
    case = Case.objects.select_for_update().get(pk=case_id)
    running = {c.rule_code: c for c in case.clocks.filter(stopped_on__isnull=True)}
    tallied_before = tally.keys(running.values(), case.current_unit_id, case.hearing_started_on)
    changes = []
    for c in running.values():
        if not (c.provisional and not c.superseded and c.started_on <= last and c.due_on >= first):
            continue
        deadline = compute_deadline(
            c.rule_code, c.started_on, extra_days=c.extra_days, rule_date=case.received_on, allow_provisional=True
        )
        changes.append(
            {
                "rule": c.rule_code,
                "from": c.due_on.isoformat(),
                "to": deadline.due.isoformat(),
                **({"provisional": True} if deadline.provisional else {}),
            }
        )
        c.due_on, c.provisional = deadline.due, deadline.provisional
        c.save(update_fields=["due_on", "provisional"])
    if not changes:
        return
    tally.record(tallied_before, tally.keys(running.values(), case.current_unit_id, case.hearing_started_on))
    _refresh_due(case, running)
    case.save(update_fields=["due_on", "due_rule", "due_started_on", "due_provisional", "updated_at"])
    record(case, "calendar_recompute", actor=actor, data={"year": year, "recomputed": changes})


def revoke_access(case: Case, unit_ids: list[int]) -> None:
    """Withdraw the access of ``unit_ids`` to ``case`` (an accusation leaving its accused unit, docs/secrecy.md):
    the access rows and their copy in ``Case.access_units`` change together."""
    from xinfang.cases.models import Case, CaseAccess

    if not unit_ids:
        return
    CaseAccess.objects.filter(case=case, unit_id__in=unit_ids).delete()
    remaining = CaseAccess.objects.filter(case=case).values_list("unit_id", flat=True)
    units = " ".join(str(i) for i in sorted(set(remaining)))
    if units != case.access_units:
        Case.objects.filter(pk=case.pk).update(access_units=units)
        case.access_units = units
