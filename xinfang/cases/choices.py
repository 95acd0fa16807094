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
