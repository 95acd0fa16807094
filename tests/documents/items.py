"""An item in the state each document kind is issued from, driven through the real services."""

from __future__ import annotations

import datetime as dt

from tests.cases.helpers import D, drive
from xinfang.cases import services as s
from xinfang.cases.states import Status


def item_for(kind: str, petition, county):
    if kind in ("acceptance_notice", "supervision_letter", "reminder_letter"):
        return drive(petition, county, Status.HANDLING)
    if kind == "refusal_notice":
        return drive(petition, county, Status.NOT_ACCEPTED)
    if kind == "no_further_notice":
        return drive(petition, county, Status.NOT_REACCEPTED)
    if kind == "extension_notice":
        return drive(petition, county, Status.EXTENDED)
    if kind in ("reply", "delivery_receipt"):
        return drive(petition, county, Status.DELIVERED)
    if kind == "review_decision":
        return drive(petition, county, Status.REVIEW_DELIVERED)
    if kind == "rereview_decision":
        return drive(petition, county, Status.CONCLUDED)
    if kind == "request_refusal_notice":
        case = drive(petition, county, Status.DELIVERED)
        # Delivered 2026-10-22: the 复查 window closed on 2026-11-23, so a request received 11-30 is refused.
        result = s.case_request_review(case=case, actor=county.county_head, received_on=D(2026, 11, 30), reason="不服")
        assert not result.accepted
        return result.case
    if kind == "transfer":
        return drive(petition, county, Status.PENDING_SIGN)
    if kind == "assignment":
        return s.case_forward(case=petition(), actor=county.zhang, target=county.town, on=D(2026, 9, 2),
                              assign_due_on=D(2026, 10, 30))
    if kind == "objection":
        return drive(petition, county, Status.OBJECTION)
    raise AssertionError(kind)


EXTRA = {
    "refusal_notice": {"route": "procedure"},
    "delivery_receipt": {"document_kind": "reply", "document_number": "东政信复〔2026〕12号", "method": "直接送达",
                         "delivered_on": dt.date(2026, 10, 22), "signer": "陈大明", "deliverer": "李承办"},
    "supervision_letter": {"note": "信访人多次来电反映进展缓慢。", "reply_by": dt.date(2026, 12, 10)},
}
