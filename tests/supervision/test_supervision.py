"""督办: issue → reply → close, 催办 when late, and who may do each step (another unit's user gets 404)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xinfang.cases import services as s
from xinfang.cases.models import CaseEvent, Notification
from xinfang.core.errors import IllegalTransition, PermissionRefused, ValidationFailed
from xinfang.documents.models import DocumentKind
from xinfang.supervision import jobs, services
from xinfang.supervision.models import Supervision, Urge

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def item(petition, county, at):
    at(D(2026, 11, 26))
    case = petition()
    s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 9, 2))
    return case


def issue(case, county, **kw):
    args = dict(cases=[case], level="key", reason="受理告知严重超期，请即办理并书面回复", answer_due_on=D(2026, 12, 5),
                actor=county.zhao)
    args.update(kw)
    return services.supervision_issue(**args)[0]


def test_issue_reply_close(item, county):
    sup = issue(item, county)
    assert sup.state == "open" and sup.unit == county.town and sup.issuing_unit == county.bureau
    assert sup.letter.kind == DocumentKind.SUPERVISION_LETTER and sup.letter.number
    assert Notification.objects.filter(recipient=county.li_head, case=item, kind="supervision").exists()
    services.supervision_reply(supervision=sup, actor=county.li, text="已于11月27日书面告知受理。",
                               attachment=b"%PDF-1.4", attachment_name="告知书.pdf")
    sup.refresh_from_db()
    assert sup.state == "answered" and sup.replies.get().attachment.name.endswith(".pdf")
    with pytest.raises(PermissionRefused):
        services.supervision_close(supervision=sup, actor=county.li, note="")
    services.supervision_close(supervision=sup, actor=county.zhao, note="回复属实，办结。")
    sup.refresh_from_db()
    assert sup.state == "closed" and sup.closed_by == county.zhao
    actions = list(CaseEvent.objects.filter(case=item, action__startswith="supervision_").values_list("action", flat=True))
    assert actions == ["supervision_issued", "supervision_answered", "supervision_closed"]
    with pytest.raises(IllegalTransition):
        services.supervision_reply(supervision=sup, actor=county.li, text="再次回复")


def test_batch_issue_is_all_or_nothing(item, petition, county):
    other = petition(title="县人社局事项")
    s.case_forward(case=other, actor=county.zhang, target=county.labour, on=D(2026, 9, 2))
    with pytest.raises(PermissionRefused):
        issue(item, county, cases=[item, other], actor=county.town_secretary)  # 督办 on 东街镇 only
    assert not Supervision.objects.exists()
    assert len(services.supervision_issue(cases=[item, other], level="general", reason="批量督办",
                                          answer_due_on=D(2026, 12, 5), actor=county.zhao)) == 2


def test_only_supervisors_issue_and_due_date_must_follow(item, county):
    with pytest.raises(PermissionRefused):
        issue(item, county, actor=county.li)
    with pytest.raises(ValidationFailed):
        issue(item, county, answer_due_on=D(2026, 11, 26))


def test_late_answer_is_urged_once_by_the_daily_job(item, county, at):
    sup = issue(item, county)
    at(D(2026, 12, 5))
    assert jobs.urge_overdue(D(2026, 12, 5)) == 0  # due today: still in time
    at(D(2026, 12, 6))
    assert jobs.urge_overdue(D(2026, 12, 6)) == 1
    assert jobs.urge_overdue(D(2026, 12, 6)) == 0
    at(D(2026, 12, 7))
    assert jobs.urge_overdue(D(2026, 12, 7)) == 0
    urge = Urge.objects.get(supervision=sup)
    assert urge.automatic and urge.urged_on == D(2026, 12, 6)
    assert CaseEvent.objects.filter(case=item, action="supervision_urged").count() == 1
    assert Notification.objects.filter(recipient=county.li_head, kind="supervision_urge").count() == 1
    services.supervision_urge(supervision=sup, actor=county.zhao, note="请今日回复")  # by hand: any time
    assert Urge.objects.filter(supervision=sup).count() == 2


# --- pages and the permission boundary ------------------------------------------------------------------------


def test_the_flow_through_the_pages(client, item, county):
    client.force_login(county.zhao)
    page = client.get(reverse("workbench:case_detail", args=[item.pk])).content.decode()
    assert 'data-testid="supervision-issue"' in page
    resp = client.post(reverse("supervision:issue", args=[item.pk]),
                       {"level": "listed", "answer_due_on": "2026-12-05", "reason": "挂牌督办"})
    assert resp.status_code == 302
    sup = Supervision.objects.get()
    assert sup.level == "listed"
    assert item.number in client.get(reverse("supervision:open_list")).content.decode()
    # The 督办函 reaches the unit with the item: it is not waiting for delivery like a petitioner's notice.
    page = client.get(reverse("workbench:case_detail", args=[item.pk])).content.decode()
    row = page[page.index(f'id="document-{sup.letter_id}"'):]
    row = row[:row.index("</tr>")]
    assert "系统内随件送达" in row and "待送达" not in row

    client.force_login(county.li)
    assert item.number in client.get(reverse("supervision:awaiting")).content.decode()
    page = client.get(reverse("workbench:case_detail", args=[item.pk])).content.decode()
    assert 'data-testid="supervision-reply"' in page and 'data-testid="supervision-issue"' not in page
    upload = SimpleUploadedFile("情况说明.pdf", b"%PDF-1.4", content_type="application/pdf")
    client.post(reverse("supervision:reply", args=[sup.pk]), {"text": "已办理", "attachment": upload})
    sup.refresh_from_db()
    assert sup.state == "answered" and sup.replies.get().attachment_name == "情况说明.pdf"

    client.force_login(county.zhao)
    client.post(reverse("supervision:close", args=[sup.pk]), {"note": "同意办结"})
    sup.refresh_from_db()
    assert sup.state == "closed"


def test_another_units_user_gets_404_on_every_page_and_post(client, item, county):
    sup = issue(item, county)
    client.force_login(county.wang)
    posts = [
        reverse("supervision:issue", args=[item.pk]), reverse("supervision:remind", args=[item.pk]),
        reverse("supervision:reply", args=[sup.pk]), reverse("supervision:close", args=[sup.pk]),
        reverse("supervision:urge", args=[sup.pk]),
    ]
    for url in posts:
        assert client.post(url, {"text": "x", "reason": "x", "level": "general", "answer_due_on": "2026-12-30"}
                           ).status_code == 404, url
    assert client.post(reverse("supervision:issue_batch"), {"case": [item.pk], "level": "general", "reason": "x",
                                                             "answer_due_on": "2026-12-30"}).status_code == 404
    assert client.get(reverse("supervision:open_list")).status_code == 404  # no 督办 rights at all
    assert item.number not in client.get(reverse("supervision:awaiting")).content.decode()
    sup.refresh_from_db()
    assert sup.state == "open" and not sup.replies.exists() and Supervision.objects.count() == 1


def test_anonymous_posts_go_to_login(client, item, county):
    sup = issue(item, county)
    for url in (reverse("supervision:issue", args=[item.pk]), reverse("supervision:reply", args=[sup.pk])):
        resp = client.post(url, {})
        assert resp.status_code == 302 and resp["Location"].startswith("/login/")


def test_the_handler_cannot_close_or_urge(client, item, county):
    sup = issue(item, county)
    client.force_login(county.li)
    client.post(reverse("supervision:urge", args=[sup.pk]))
    client.post(reverse("supervision:issue", args=[item.pk]),
                {"level": "general", "answer_due_on": "2026-12-30", "reason": "自己督办自己"})
    assert not Urge.objects.exists() and Supervision.objects.count() == 1
