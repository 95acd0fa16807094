"""Code lists of a petition item (decisions §4, workflow-rules §14). Stored values are English codes."""

from django.db import models


class Channel(models.TextChoices):
    LETTER = "letter", "来信"
    VISIT = "visit", "来访"
    CALL = "call", "来电"
    ONLINE = "online", "网上"
    FAX = "fax", "传真"


class ClaimType(models.TextChoices):
    SUGGESTION = "suggestion", "建议意见"
    ACCUSATION = "accusation", "检举控告"
    APPEAL = "appeal", "申诉求决"


class Purpose(models.TextChoices):
    EXPOSE = "expose", "揭发控告"
    ADVICE = "advice", "意见建议"
    COMPLAINT = "complaint", "申诉"
    REQUEST = "request", "求决"
    CONSULT = "consult", "咨询"
    OTHER = "other", "其他"


class Procedure(models.TextChoices):
    NORMAL = "normal", "普通程序"
    SIMPLE = "simple", "简易办理"


class ReplyOutcome(models.TextChoices):
    SUPPORT = "support", "予以支持"
    EXPLAIN = "explain", "解释说明"
    REJECT = "reject", "不予支持"


class ReviewOutcome(models.TextChoices):
    UPHOLD = "uphold", "维持"
    REVOKE = "revoke", "撤销或变更"
    REDO = "redo", "责令重新办理"


class RouteKind(models.TextChoices):
    FORWARD = "forward", "转送"
    ASSIGN = "assign", "交办"


class ConclusionReason(models.TextChoices):
    REVIEW_LAPSED = "review_lapsed", "复查申请期限届满未申请"
    REREVIEW_LAPSED = "rereview_lapsed", "复核申请期限届满未申请"
    MEDIATED = "mediated", "达成调解/和解协议"
    REREVIEW_FINAL = "rereview_final", "复核意见送达"


class EvaluationStatus(models.TextChoices):
    NONE = "", "—"
    PENDING = "pending", "待评价"
    DONE = "done", "已评价"
    OVERDUE = "overdue", "超期未评价"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


MAX_REPRESENTATIVES = 5
GROUP_VISIT_MIN_PEOPLE = 5


# Short Chinese names of the statutory clocks (rule codes are the public interface, decisions §3).
# The petitioner's own windows (复查/复核申请期, 评价期): not a unit's duty, so left off the supervision board and
# out of its index (``Clock.Meta``).
PETITIONER_CLOCKS = ("review_request", "rereview_request", "evaluation")

CLOCK_LABELS = {
    "bureau_routing": "信访部门分流",
    "acceptance_notice": "受理告知",
    "objection": "异议期",
    "handling": "办理期限",
    "handling_extended": "办理期限（已延期）",
    "review_request": "复查申请期",
    "review": "复查期限",
    "rereview_request": "复核申请期",
    "rereview": "复核期限",
    "simple_acceptance": "简易受理",
    "simple_handling": "简易办理期限",
    "simple_transit": "简易逐级转送",
    "evaluation": "评价期",
    "assigned": "交办指定期限",
}
