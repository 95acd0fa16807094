"""States of a petition item (workflow-rules §5.1). Kept apart from ``workflow`` so models can import it."""

from django.db import models


class Status(models.TextChoices):
    ROUTING = "routing", "待分流"  # S10, at the 信访部门
    PENDING_SIGN = "pending_sign", "待签收"  # S11/S12 → S20
    OBJECTION = "objection", "异议待核"  # S21
    SIGNED = "signed", "已签收待受理"
    LEGAL_ROUTED = "legal_routed", "已转政法部门"  # S13
    DISCIPLINE_ROUTED = "discipline_routed", "已转纪检监察机关"  # S14
    FILED = "filed", "直接答复/存档"  # S16
    NOT_ACCEPTED = "not_accepted", "不予受理"  # S17
    NOT_REACCEPTED = "not_reaccepted", "不再受理"  # S18
    REDIRECTED = "redirected", "已导入法定程序"  # S31
    SIMPLE_HANDLING = "simple_handling", "简易办理中"  # S32
    HANDLING = "handling", "办理中"  # S33
    EXTENDED = "extended", "已延期办理中"  # S34
    REPLIED = "replied", "已出具意见待送达"  # S36
    DELIVERED = "delivered", "意见已送达（复查申请期）"  # S37
    UNDER_REVIEW = "under_review", "复查中"  # S42
    REVIEW_DELIVERED = "review_delivered", "复查意见已送达（复核申请期）"  # S43
    UNDER_REREVIEW = "under_rereview", "复核中"  # S52
    HEARING = "hearing", "复核听证中"  # S52 sub-state: clock paused
    CONCLUDED = "concluded", "已终结"  # S60
    ARCHIVED = "archived", "已归档"  # S61


# States in which the item still waits for an organ to act (the work queue and the open-due index).
OPEN_STATES = frozenset(
    {
        Status.ROUTING,
        Status.PENDING_SIGN,
        Status.OBJECTION,
        Status.SIGNED,
        Status.SIMPLE_HANDLING,
        Status.HANDLING,
        Status.EXTENDED,
        Status.REPLIED,
        Status.UNDER_REVIEW,
        Status.UNDER_REREVIEW,
        Status.HEARING,
    }
)

# States that end the petition track; only archiving leaves them.
CLOSED_STATES = frozenset(
    {
        Status.LEGAL_ROUTED,
        Status.DISCIPLINE_ROUTED,
        Status.FILED,
        Status.NOT_ACCEPTED,
        Status.NOT_REACCEPTED,
        Status.REDIRECTED,
        Status.CONCLUDED,
    }
)
