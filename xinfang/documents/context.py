"""What each document says, built from the item's data (never typed by hand where the rules decide it).

``build_context(case, kind, number=…, issued_on=…, extra=…)`` returns the placeholders of the kind's template
(``templates_docx/<kind>.docx``). The remedy sentence and its organ come from the rules: the organ is the
上一级行政机关 of the organ that decided (``xinfang.orgs.organs``, [T22-35]); its last day is computed by the
deadline engine from the delivery date when that is known. ``Opinion.remedy`` (free text) is not used.

``extra`` carries what the item does not hold: ``delivered_on`` (date the petitioner received the document),
``issuing_unit`` (a Unit, to override the default issuer), for a refusal ``ground`` / ``route``
("procedure" 依法定途径, "legal" 转政法, "organ" 其他机关) / ``organ``, for a receipt ``document_kind``,
``document_number``, ``method``, ``signer``, ``deliverer``, ``remarks``, ``address``, for letters ``note`` and
``reply_by``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from xinfang.cases.choices import ReviewOutcome
from xinfang.cases.models import Case, CaseEvent, Clock, Opinion, provisional_note
from xinfang.cases.services import remedy_text
from xinfang.core.errors import ValidationFailed
from xinfang.documents.layout import ORGAN_LETTERS, TITLES
from xinfang.orgs.models import Unit
from xinfang.orgs.organs import government_name, higher_organ

KIND_STAGE = {"reply": Opinion.Stage.REPLY, "review_decision": Opinion.Stage.REVIEW,
              "rereview_decision": Opinion.Stage.REREVIEW}
DELIVERY_METHODS = ("直接送达", "邮寄", "电子送达", "留置")
REFUSAL_ROUTES = {
    "procedure": "该事项应当通过诉讼、仲裁、行政复议等法定途径解决，请您依照有关法律、行政法规规定的程序向有关机关提出。",
    "legal": "该事项属于涉法涉诉事项，已依法转政法部门处理。",
    "organ": "该事项属于{organ}的职权范围，请您向{organ}提出。",
}
SECRET_ACCUSER = "（检举人信息依法保密）"


def cn_date(day: dt.date | None) -> str:
    """2026年12月1日: Arabic numerals, no leading zeros (GB/T 9704 §7.3.5.4)."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def petitioner_label(case: Case) -> str:
    """The main petitioner's name, 「陈大明等6人」 for several people."""
    people = list(case.petitioners.all())
    main = next((p for p in people if p.is_main), people[0] if people else None)
    name = main.name if main else "信访人"
    count = max(case.people_count or 1, len(people))
    return f"{name}等{count}人" if count > 1 else name


def _clock(case: Case, rule: str) -> Clock | None:
    return case.clocks.filter(rule_code=rule, superseded=False).order_by("-pk").first()


def _event(case: Case, *actions: str) -> CaseEvent | None:
    return case.events.filter(action__in=actions).order_by("-pk").first()


def _provisional(day: dt.date | None, provisional: bool) -> str:
    """「（暂定（2027年放假安排尚未录入））」 after a date counted with estimated holidays (decisions §2)."""
    note = provisional_note(day, provisional)
    return f"（{note}）" if note else ""


# The delivered document whose receipt states the last day of the next remedy, and that remedy's stage.
RECEIPT_REMEDY = {"reply": Opinion.Stage.REPLY, "review_decision": Opinion.Stage.REVIEW}


def _remedy(stage: str, decided_by: Unit | None, delivered_on: dt.date | None, received_on: dt.date) -> dict[str, str]:
    """The next remedy: organ and period by the rules, with the last day once delivery is known."""
    if stage == Opinion.Stage.REREVIEW:
        return {"remedy_heading": "告知事项", "remedy": remedy_text(stage, None), "remedy_deadline": "",
                "remedy_last_day": ""}
    organ = higher_organ(decided_by) if decided_by is not None else None
    sentence = remedy_text(stage, organ, decided_by)
    rule = "review_request" if stage == Opinion.Stage.REPLY else "rereview_request"
    what = "复查" if stage == Opinion.Stage.REPLY else "复核"
    if delivered_on is None:
        return {"remedy_heading": "救济途径", "remedy": sentence, "remedy_last_day": "",
                "remedy_deadline": f"{what}申请期限自您收到本意见书之日起计算。"}
    from xinfang.deadlines.services import compute_deadline

    deadline = compute_deadline(rule, delivered_on, rule_date=received_on, allow_provisional=True)
    last = cn_date(deadline.due) + _provisional(deadline.due, deadline.provisional)
    return {
        "remedy_heading": "救济途径",
        "remedy": sentence,
        "remedy_last_day": cn_date(deadline.due),
        "remedy_deadline": f"本意见书于{cn_date(delivered_on)}送达，{what}申请最迟于{last}前提出。",
    }


def _opinion(case: Case, kind: str, extra: dict) -> dict[str, Any]:
    stage = KIND_STAGE[kind]
    op = case.opinions.filter(stage=stage).order_by("-pk").first()
    if op is None:
        raise ValidationFailed(f"信访件 {case.number} 尚无{Opinion.Stage(stage).label}的内容，请先出具意见")
    request_event = None
    if stage != Opinion.Stage.REPLY:
        request_event = _event(case, "request_review" if stage == Opinion.Stage.REVIEW else "request_rereview")
    delivered = extra.get("delivered_on") or op.delivered_on
    outcomes = [
        {"index": i, "request": it.request, "outcome": it.get_outcome_display(), "explanation": it.explanation}
        for i, it in enumerate(op.items.all(), start=1)
    ]
    remedy = _remedy(stage, op.unit, delivered, case.received_on)
    if op.review_outcome == ReviewOutcome.REDO:
        # 责令重新办理: the matter goes back to the original organ, whose new opinion opens the remedies again.
        remedy = {
            "remedy_heading": "告知事项",
            "remedy": "本机关已责令原办理机关重新办理，原办理机关将依法重新出具处理意见并告知您救济途径。",
            "remedy_deadline": "",
            "remedy_last_day": "",
        }
    return {
        "_issuer": op.unit,
        "accepted_on": cn_date(case.accepted_on),
        "request_received_on": cn_date(request_event.effective_on) if request_event else "",
        "request_summary": op.request_summary,
        "facts": op.facts,
        "opinion_heading": {"reply": "处理意见及依据", "review": "复查意见及依据", "rereview": "复核意见及依据"}[stage],
        "opinion": op.opinion,
        "legal_basis": op.legal_basis,
        "review_outcome": op.get_review_outcome_display() if op.review_outcome else "",
        "outcomes": outcomes,
        **remedy,
    }


def _received_on(event: CaseEvent) -> dt.date:
    raw = event.data.get("received_on")
    return dt.date.fromisoformat(raw) if isinstance(raw, str) else event.effective_on


def _late_request(case: Case, review: bool, event: CaseEvent) -> str:
    """Why a 复查/复核 request was refused: the ground the organ wrote for a request filed in time, else its
    window (the clock of the rules) had closed."""
    ground = str(event.data.get("ground", "")).strip()
    if ground:
        return ground if ground.endswith(("。", "！", "；")) else ground + "。"
    window = _clock(case, "review_request" if review else "rereview_request")
    what = "处理意见书" if review else "复查意见书"
    if window is None:
        return "该申请不符合受理条件。"
    return (
        f"该申请已超过法定期限：{'复查' if review else '复核'}申请应当自收到{what}之日起30日内提出，"
        f"期限已于{cn_date(window.due_on)}届满，本机关于{cn_date(_received_on(event))}收到申请。"
    )


def _route(case: Case) -> tuple[CaseEvent | None, str]:
    event = _event(case, "forward", "assign", "forward_down", "assign_down")
    label = "交办" if event is not None and event.action.startswith("assign") else "转送"
    return event, label


def _kind_fields(case: Case, kind: str, extra: dict) -> dict[str, Any]:
    if kind in KIND_STAGE:
        return _opinion(case, kind, extra)
    if kind == "acceptance_notice":
        clock = _clock(case, "simple_handling") or _clock(case, "handling")
        return {
            "accepted_on": cn_date(case.accepted_on),
            "handling_due": cn_date(clock.due_on) if clock else "",
            "handling_due_note": _provisional(clock.due_on, clock.provisional) if clock else "",
            "query_code": case.query_code,
        }
    if kind == "refusal_notice":
        event = _event(case, "decline", "refuse")
        ground = (extra.get("ground") or (event.note if event else "") or "").strip().rstrip("。")
        route = extra.get("route") or "procedure"
        if route not in REFUSAL_ROUTES:
            raise ValidationFailed("告知去向无效，可选：依法定途径（procedure）、转政法（legal）、其他机关（organ）")
        organ = extra.get("organ") or ""
        if route == "organ" and not organ:
            raise ValidationFailed("请写明有权处理的机关名称", field="organ")
        return {"ground": ground or "该事项不属于信访受理范围", "redirect": REFUSAL_ROUTES[route].format(organ=organ)}
    if kind == "no_further_notice":
        earlier = case.earlier_items.order_by("-pk").first()
        event = _event(case, "not_reaccept")
        return {"earlier_number": earlier.number if earlier else "", "reason": (event.note if event else "").strip()}
    if kind == "extension_notice":
        event = _event(case, "extend")
        clock = _clock(case, "handling_extended")
        return {
            "accepted_on": cn_date(case.accepted_on),
            "extension_reason": (event.data.get("reason", "") if event else "").rstrip("。"),
            "extension_days": str(case.extension_days),
            "extended_due": cn_date(clock.due_on) if clock else "",
            "extended_due_note": _provisional(clock.due_on, clock.provisional) if clock else "",
        }
    if kind == "request_refusal_notice":
        event = _event(case, "refuse_review", "refuse_rereview")
        if event is None:
            raise ValidationFailed(f"信访件 {case.number} 没有被拒绝的复查或复核申请")
        review = event.action == "refuse_review"
        base = case.current_unit if review else (case.review_unit or case.current_unit)
        return {
            "_issuer": higher_organ(base),
            "request_stage": "复查" if review else "复核",
            # A request filed on the portal is refused on a later day than it was received (cases.requests).
            "request_received_on": cn_date(_received_on(event)),
            "refusal_reason": _late_request(case, review, event),
            "article": "第三十五条" if review else "第三十六条",
        }
    if kind == "delivery_receipt":
        method = extra.get("method", "")
        if method and method not in DELIVERY_METHODS:
            raise ValidationFailed(f"送达方式无效，可选：{'、'.join(DELIVERY_METHODS)}", field="method")
        doc_kind = extra.get("document_kind", "reply")
        delivered_on = extra.get("delivered_on")
        # The receipt states the last day of the remedy the delivery opens (decisions §8): the date depends on
        # the delivery, which only this paper records.
        remedy_deadline = ""
        if doc_kind in RECEIPT_REMEDY and isinstance(delivered_on, dt.date):
            stage = RECEIPT_REMEDY[doc_kind]
            remedy_deadline = _remedy(stage, None, delivered_on, case.received_on or delivered_on)["remedy_deadline"]
        return {
            "remedy_deadline": remedy_deadline or "—",
            "document_title": TITLES.get(doc_kind, doc_kind).replace("{{ request_stage }}", ""),
            "document_number": extra.get("document_number", ""),
            "recipient": petitioner_label(case),
            "address": extra.get("address", ""),
            "delivered_on": cn_date(extra.get("delivered_on")),
            "methods": "　".join(("☑" if m == method else "□") + m for m in DELIVERY_METHODS),
            "signer": extra.get("signer", ""),
            "deliverer": extra.get("deliverer", ""),
            "remarks": extra.get("remarks", ""),
        }
    event, label = _route(case)
    if kind in ("transfer", "assignment"):
        assigned = _clock(case, "assigned")
        notice = _clock(case, "acceptance_notice")
        due = assigned.due_on if kind == "assignment" and assigned else None
        return {
            "_issuer": event.actor_unit if event and event.actor_unit_id else case.registering_unit,
            "_addressee": case.responsible_unit or case.current_unit,
            "due_on": cn_date(due),
            "due_note": _provisional(due, assigned.provisional) if due and assigned else "",
            "due_sentence": f"（受理告知期限至{cn_date(notice.due_on)}）" if notice else "",
        }
    if kind == "objection":
        objection = _event(case, "object")
        return {
            "_issuer": objection.actor_unit if objection and objection.actor_unit_id else case.current_unit,
            "_addressee": event.actor_unit if event and event.actor_unit_id else case.registering_unit,
            "routed_on": cn_date(case.routed_on),
            "route_label": label,
            "objection_reason": (objection.data.get("reason", "") if objection else extra.get("reason", "")),
        }
    # supervision_letter / reminder_letter: to the unit handling the item, about its nearest deadline.
    due = case.due_on
    return {
        "_issuer": case.registering_unit,
        "_addressee": case.current_unit,
        "routed_on": cn_date(case.routed_on),
        "route_label": label,
        "due_on": cn_date(due),
        "due_note": _provisional(due, case.due_provisional),
        "note": extra.get("note", ""),
        "reply_by": cn_date(extra.get("reply_by")) if isinstance(extra.get("reply_by"), dt.date) else extra.get("reply_by", ""),
    }


def build_context(case: Case, kind: str, *, number: str, issued_on: dt.date, extra: dict | None = None) -> dict:
    """The placeholders of ``kind``'s template for ``case``; ``number`` is the 发文字号 already allocated."""
    if kind not in TITLES:
        raise ValidationFailed(f"未知的文书类型「{kind}」", field="kind")
    extra = dict(extra or {})
    fields = _kind_fields(case, kind, extra)
    issuer = extra.get("issuing_unit") or fields.pop("_issuer", None) or case.current_unit
    fields.pop("_issuer", None)
    addressee_unit = fields.pop("_addressee", None)
    letter = kind in ORGAN_LETTERS
    petitioner = petitioner_label(case)
    if letter and case.is_accusation:
        # Between organs the accuser's identity stays out of the letter, whoever receives it (decisions §5).
        petitioner = SECRET_ACCUSER
    content = case.content
    if letter and case.is_accusation:
        content = "（检举控告材料依法保密，请按保密规定调阅。）"
    context: dict[str, Any] = {
        "kind": kind,
        "doc_title": TITLES[kind].replace("{{ request_stage }}", fields.get("request_stage", "")),
        "number": number,
        "issued_on": cn_date(issued_on),
        "issuing_organ": government_name(issuer) if issuer is not None else "",
        "case_number": case.number,
        "received_on": cn_date(case.received_on),
        "petitioner": petitioner,
        "addressee": government_name(addressee_unit) if addressee_unit is not None else petitioner,
        "request_title": case.title,
        "request_content": content,
    }
    context.update(fields)
    return context
