"""Registration: validation at the edge, nothing half-written, numbers, group visits and repeats."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.cases.helpers import D
from xinfang.cases import services as s
from xinfang.cases.models import Attachment, Case, CaseEvent, Notification, Petitioner
from xinfang.cases.validators import normalize_id_number, normalize_phone
from xinfang.core.errors import PermissionRefused, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC), tick=False):
        yield


def nothing_written():
    return not Case.objects.exists() and not Petitioner.objects.exists() and not CaseEvent.objects.exists()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("11010519491231002", "18位"),
        ("1101051949123100XX", "前17位应为数字"),
        ("110105194913310021", "出生日期"),
        ("110105194912310021", "校验位不正确（按前17位计算，最后一位应为X）"),
    ],
)
def test_id_number_errors_say_what_to_fix(raw, message):
    with pytest.raises(ValidationFailed, match=message.replace("（", r"\（").replace("）", r"\）")):
        normalize_id_number(raw)


def test_id_number_valid_and_lowercase_x():
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    assert normalize_id_number(" 440524198001010013 ") == "440524198001010013"


@pytest.mark.parametrize("raw", ["13800138000", "+86 138 0013 8000", "0571-87654321", "010-12345678"])
def test_phone_valid(raw):
    assert normalize_phone(raw)


@pytest.mark.parametrize("raw", ["12345", "23800138000", "1380013800a"])
def test_phone_invalid(raw):
    with pytest.raises(ValidationFailed, match="联系电话格式不正确"):
        normalize_phone(raw)


def test_register_numbers_are_sequential_per_unit_and_year(petition, county):
    a, b = petition(), petition()
    c = petition(received_on=D(2025, 12, 30))
    assert (a.number, b.number, c.number) == ("XFJ-2026-000001", "XFJ-2026-000002", "XFJ-2025-000001")
    assert len({a.query_code, b.query_code, c.query_code}) == 3


def test_invalid_petitioner_lists_every_problem_and_writes_nothing(petition, county):
    people = [
        s.PetitionerInput(name="甲", id_number="110105194912310021"),
        s.PetitionerInput(name="", phone="12345"),
    ]
    with pytest.raises(ValidationFailed) as err:
        petition(petitioners=people, people_count=2)
    text = str(err.value)
    assert "第1名信访人（甲）：身份证号码校验位不正确" in text
    assert "第2名信访人：请填写姓名" in text and "联系电话格式不正确" in text
    assert nothing_written()


def test_more_than_five_representatives_refused(petition, county):
    people = [s.PetitionerInput(name=f"代表{i}", is_representative=True) for i in range(6)]
    with pytest.raises(ValidationFailed, match="不得超过5人.*填写了6名代表"):
        petition(channel="visit", petitioners=people, people_count=30)
    assert nothing_written()


def test_group_visit_alerts_unit_head_and_township_secretary(petition, county):
    people = [s.PetitionerInput(name=f"代表{i}", is_representative=True) for i in range(5)]
    case = petition(channel="visit", petitioners=people, people_count=23, responsible_unit=county.town)
    assert case.is_group and case.people_count == 23
    recipients = set(Notification.objects.filter(case=case).values_list("recipient__username", flat=True))
    assert recipients == {"li_head", "town_sec"}
    assert "23人来访" in Notification.objects.filter(case=case).first().message
    assert case.events.filter(action="group_alert").exists()
    assert case.petitioners.filter(is_main=True).count() == 1


def test_small_visit_is_not_group(petition, county):
    case = petition(channel="visit", people_count=4)
    assert not case.is_group
    assert not Notification.objects.exists()


def test_people_count_cannot_be_below_listed_petitioners(petition, county):
    people = [s.PetitionerInput(name="甲"), s.PetitionerInput(name="乙")]
    with pytest.raises(ValidationFailed, match="不能少于已填写的信访人"):
        petition(petitioners=people, people_count=1)


def test_future_date_and_empty_content_refused(petition, county):
    with pytest.raises(ValidationFailed, match="晚于今天"):
        petition(received_on=D(2026, 12, 1))
    with pytest.raises(ValidationFailed, match="诉求内容"):
        petition(content="  ")
    with pytest.raises(ValidationFailed, match="信访形式无效"):
        petition(channel="pigeon")
    assert nothing_written()


def test_two_main_petitioners_refused(petition, county):
    people = [s.PetitionerInput(name="甲", is_main=True), s.PetitionerInput(name="乙", is_main=True)]
    with pytest.raises(ValidationFailed, match="只能指定一名主要信访人"):
        petition(petitioners=people, people_count=2)


def test_attachments_checked_and_stored(petition, county):
    good = s.UploadInput("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    case = petition(attachments=[good])
    att = Attachment.objects.get(case=case)
    assert att.original_name == "照片.png" and att.content_type == "image/png" and att.size == 108
    assert "照片" not in att.file.name  # stored under a random name

    for bad, msg in [
        (s.UploadInput("病毒.exe", b"MZ..."), "类型不支持"),
        (s.UploadInput("假图.png", b"MZ not a png"), "内容与扩展名"),
        (s.UploadInput("空.pdf", b""), "空文件"),
    ]:
        with pytest.raises(ValidationFailed, match=msg):
            petition(attachments=[bad])
    assert Case.objects.count() == 1


def test_attachment_size_limit(petition, county, settings):
    settings.XINFANG_ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = s.UploadInput("大.pdf", b"%PDF" + b"0" * (1024 * 1024))
    with pytest.raises(ValidationFailed, match="超过上限 1 MB"):
        petition(attachments=[big])


def test_accused_unit_only_for_accusations(petition, county):
    with pytest.raises(ValidationFailed, match="只有检举控告类"):
        petition(accused_unit=county.housing)


def test_repeat_links_and_mark_repeat(petition, county):
    first = petition()
    second = petition(earlier_items=[first])
    assert second.is_repeat and list(second.earlier_items.all()) == [first]
    third = petition()
    assert not third.is_repeat
    s.case_mark_repeat(case=third, actor=county.zhang, earlier=first)
    third.refresh_from_db()
    assert third.is_repeat and third.events.filter(action="mark_repeat").exists()
    with pytest.raises(ValidationFailed, match="关联到它自己"):
        s.case_mark_repeat(case=third, actor=county.zhang, earlier=third)


def test_register_needs_permission_on_unit(petition, county):
    with pytest.raises(PermissionRefused, match="登记"):
        petition(actor=county.wang, unit=county.bureau)
    assert nothing_written()


def test_failure_after_insert_rolls_back_everything(petition, county, monkeypatch):
    # The clock cannot start (no deadline rule in force), so the whole registration rolls back.
    from xinfang.deadlines import services as deadlines

    def no_rule(rule, start, **kwargs):
        raise ValidationFailed(f"期限规则 {rule} 在 {start:%Y-%m-%d} 尚未施行")

    monkeypatch.setattr(deadlines, "compute_deadline", no_rule)
    with pytest.raises(ValidationFailed, match="2026-09-01 尚未施行"):
        petition(attachments=[s.UploadInput("a.pdf", b"%PDF-1.4")])
    assert nothing_written() and not Attachment.objects.exists()
    from xinfang.cases.models import CaseNumberSequence

    assert not CaseNumberSequence.objects.exists()


def test_stored_files_removed_when_registration_fails(petition, county, monkeypatch):
    from django.core.files.storage import default_storage

    real = s._store_attachment
    saved: list[str] = []

    def flaky(case, actor, upload):
        if saved:
            raise OSError("磁盘已满")
        att = real(case, actor, upload)
        saved.append(att.file.name)
        return att

    monkeypatch.setattr(s, "_store_attachment", flaky)
    with pytest.raises(OSError):
        petition(attachments=[s.UploadInput("a.pdf", b"%PDF-1.4"), s.UploadInput("b.pdf", b"%PDF-1.4")])
    assert saved and not default_storage.exists(saved[0])
    assert nothing_written()


def test_numbering_continues_after_existing_counter(petition, county):
    # A database whose counter table already handed out numbers continues after them (on PostgreSQL the
    # per-unit-year sequence starts after the counter; on SQLite the counter itself is used).
    from xinfang.cases.models import CaseNumberSequence

    CaseNumberSequence.objects.create(unit=county.bureau, year=2026, last=41)
    assert petition().number == "XFJ-2026-000042"
    assert petition().number == "XFJ-2026-000043"
