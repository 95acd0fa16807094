"""A 转送单 or 交办单 speaks for the 信访部门 that routed the item, which no longer has it once routed."""

from __future__ import annotations

import pytest

from tests.cases.helpers import D, drive
from xinfang.cases import services as s
from xinfang.cases.states import Status
from xinfang.core.errors import PermissionRefused
from xinfang.documents import services as ds
from xinfang.documents.models import DocumentKind, IssuedDocument

K = DocumentKind
pytestmark = pytest.mark.usefixtures("fake_renderer", "december_first")


def test_the_bureau_issues_the_transfer_of_an_item_it_has_forwarded(petition, county):
    county.bureau.doc_prefix = "清信"
    county.bureau.save()
    case = drive(petition, county, Status.PENDING_SIGN)
    assert case.current_unit == county.town

    doc = ds.document_issue(case=case, kind=K.TRANSFER, actor=county.zhang, on=D(2026, 9, 2))
    assert doc.issuing_unit == county.bureau and doc.number == "清信转〔2026〕1号"


def test_the_bureau_issues_the_assignment_and_the_receiving_unit_may_not(petition, county):
    county.bureau.doc_prefix = "清信"
    county.bureau.save()
    case = s.case_forward(case=petition(), actor=county.zhang, target=county.town, on=D(2026, 9, 2),
                          assign_due_on=D(2026, 10, 30))
    for actor in (county.li, county.li_head, county.wang):
        with pytest.raises(PermissionRefused, match="县信访局"):
            ds.document_issue(case=case, kind=K.ASSIGNMENT, actor=actor)
    assert not IssuedDocument.objects.exists()
    doc = ds.document_issue(case=case, kind=K.ASSIGNMENT, actor=county.zhang)
    assert doc.issuing_unit == county.bureau and doc.number == "清信交〔2026〕1号"


def test_an_item_not_yet_routed_is_still_the_bureaus(petition, county):
    doc = ds.document_issue(case=petition(), kind=K.TRANSFER, actor=county.zhang)
    assert doc.issuing_unit == county.bureau
