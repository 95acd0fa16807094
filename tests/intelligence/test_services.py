"""The Django side of the intelligence: suggestions are scoped, advisory, and degrade to «暂无建议»."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

import pytest
import time_machine
from django.urls import reverse

from tests.cases.helpers import D
from xinfang.cases import services as s
from xinfang.cases.models import Category
from xinfang.intelligence import services as intel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        intel.reset_index()
        yield
        intel.reset_index()


@pytest.fixture
def housing_category(db):
    return Category.objects.get(level=1, name="城乡建设")


def test_unit_suggestion_learns_from_routing(petition, county, housing_category):
    for i in range(3):
        case = petition(title=f"小区{i}物业问题", category=housing_category, received_on=D(2026, 9, 1 + i))
        s.case_forward(case=case, actor=county.zhang, target=county.housing, on=D(2026, 9, 5))
    other = petition(title="另一件", category=housing_category, received_on=D(2026, 9, 6))
    s.case_forward(case=other, actor=county.zhang, target=county.town, on=D(2026, 9, 7))
    hints = intel.suggest_units(county.zhang, category=housing_category, place=None)
    assert hints[0].unit == county.housing and hints[0].count == 3
    assert hints[0].reason == "同类问题近一年 3 件转送至县住建局"
    assert hints[1].unit == county.town
    # the same township first when the place is known
    local = intel.suggest_units(county.zhang, category=housing_category, place=county.village)
    assert local[0].reason.startswith("东街镇同类问题近一年")
    assert intel.suggest_units(county.zhang, category=None, place=None) == []


def test_repeat_candidates_identity_and_text_scoped_to_user(petition, county):
    first = petition(title="东街村道路硬化工程拖欠工人工资", received_on=D(2026, 8, 1))
    s.case_forward(case=first, actor=county.zhang, target=county.town, on=D(2026, 8, 3))
    unrelated = petition(title="学校食堂卫生问题", content="县一中食堂卫生条件差，学生多次腹泻，请求整改。",
                         petitioners=[s.PetitionerInput(name="周某")], received_on=D(2026, 8, 2))
    hints = intel.repeat_candidates(county.zhang, text=first.title + first.content, id_number="11010519491231002X")
    ids = [h.case.pk for h in hints]
    assert first.pk in ids and hints[0].method == "identity" and hints[0].reason == "身份证号码相同"
    text_only = intel.repeat_candidates(county.zhang, text="东街村道路硬化工程拖欠工资，工程结束半年仍未结清")
    assert text_only and text_only[0].case == first and text_only[0].method == "text"
    assert unrelated.pk not in [h.case.pk for h in text_only[:1]]
    # A letter sharing next to nothing with earlier ones gets no "possible repeat" at all.
    assert all(h.score >= intel.MIN_TEXT_SCORE for h in text_only)
    assert intel.repeat_candidates(county.zhang, text="申请办理残疾人两项补贴，请告知需要准备哪些材料") == []
    # 王 of another unit sees nothing of 东街镇's items, by identity or by text
    assert intel.repeat_candidates(county.wang, text=first.content, id_number="11010519491231002X") == []


def test_accusations_not_suggested_to_accused_unit(petition, county):
    from xinfang.orgs.permissions import Role
    from xinfang.orgs.services import grant_role

    petition(claim_type="accusation", purpose="expose", accused_unit=county.housing,
             title="举报县住建局某科长索要好处费", content="县住建局某科长在办理施工许可时索要好处费两万元。")
    grant_role(user=county.housing_handler, role=Role.SUPERVISOR, unit=county.county)
    found = intel.repeat_candidates(county.housing_handler, text="住建局科长索要好处费两万元", id_number="11010519491231002X")
    assert found == []


def test_no_model_means_no_suggestion(settings, tmp_path):
    settings.XINFANG_INTEL_MODEL = str(tmp_path / "missing.npz")
    assert intel.suggest_category("小区物业乱收费") is None


def test_broken_model_is_logged_and_degrades(settings, tmp_path, caplog):
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"not a model")
    settings.XINFANG_INTEL_MODEL = str(bad)
    with caplog.at_level(logging.ERROR, logger="xinfang.intelligence"):
        assert intel.suggest_category("小区物业乱收费") is None
    assert "could not be loaded" in caplog.text


def test_suggest_endpoint_permissions_and_payload(client, petition, county):
    first = petition(received_on=D(2026, 8, 1))
    url = reverse("workbench:suggest")
    assert client.post(url).status_code == 302  # login first
    client.force_login(county.zhao)  # supervisor: no register grant
    assert client.post(url, {"title": "x"}).status_code == 403
    client.force_login(county.zhang)
    data = client.post(url, {"title": "东街村道路硬化工程拖欠工人工资", "content": first.content}).json()
    assert data["category"] is None  # no model in the test settings
    assert data["empty_text"] == "暂无建议"
    assert [r["number"] for r in data["repeats"]][:1] == [first.number]


def test_item_suggestions_endpoint_is_scoped(client, petition, county):
    case = petition()
    client.force_login(county.wang)
    assert client.get(reverse("workbench:case_suggestions", args=[case.pk])).status_code == 404
    client.force_login(county.zhang)
    assert client.get(reverse("workbench:case_suggestions", args=[case.pk])).status_code == 200


def test_set_category_records_history(client, petition, county, housing_category):
    case = petition()
    client.force_login(county.wang)
    assert client.post(reverse("workbench:case_set_category", args=[case.pk]), {"category": housing_category.pk}).status_code == 404
    client.force_login(county.zhang)
    resp = client.post(reverse("workbench:case_set_category", args=[case.pk]), {"category": housing_category.pk})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.category == housing_category
    assert case.events.filter(action="classify").exists()


def _handling_item(petition, county):
    case = petition(
        title="东街村道路硬化工程拖欠工人工资",
        content="本人在东街村道路硬化工程务工，施工单位宏达建筑公司拖欠工资3万元，请求督促支付工资并赔偿误工损失。",
    )
    case = s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 9, 2))
    case = s.case_sign(case=case, actor=county.li, on=D(2026, 9, 3))
    return s.case_accept(case=case, actor=county.li, on=D(2026, 9, 3))


def test_reply_check_warns_when_the_draft_does_not_answer_the_petition(client, petition, county):
    case = _handling_item(petition, county)
    url = reverse("workbench:reply_check", args=[case.pk])
    evasive = {"request_summary": "有关问题", "facts": "已收悉", "opinion": "已转相关部门研究处理", "legal_basis": "有关规定"}
    answering = {
        "request_summary": "东街村道路硬化工程施工单位宏达建筑公司拖欠工资3万元、请求赔偿误工损失的问题",
        "facts": "经调查核实，宏达建筑公司确拖欠陈大明等人工资3万元，系工程款结算纠纷所致，误工损失无相应证据。",
        "opinion": "责令宏达建筑公司于30日内足额支付拖欠工资3万元；赔偿误工损失的请求不予支持。",
        "legal_basis": "《保障农民工工资支付条例》第三条、第十五条",
        "items-0-request": "支付拖欠工资3万元",
    }

    assert client.post(url, answering).status_code == 302  # login first
    client.force_login(county.wang)  # another unit
    assert client.post(url, answering).status_code == 404
    client.force_login(county.zhang)  # the bureau sees the item but does not handle it
    assert client.post(url, answering).status_code == 403
    client.force_login(county.li)
    assert client.get(url).status_code == 405

    bad = client.post(url, evasive).json()
    assert bad["checked"] and bad["warnings"]
    assert any("未回应" in w or "答非所问" in w or "程式化" in w or "过短" in w for w in bad["warnings"])
    good = client.post(url, answering).json()
    assert good["checked"] and len(good["warnings"]) < len(bad["warnings"])
    assert not any("答非所问" in w for w in good["warnings"])
    # the elements the 意见书 states under its own headings are not reported as missing
    assert not any(w.startswith("未告知复查") for w in bad["warnings"] + good["warnings"])


def test_reply_check_failure_degrades_to_no_advice(monkeypatch, petition, county, caplog):
    from xinfang.intelligence.text import replycheck

    case = _handling_item(petition, county)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(replycheck, "check_reply", broken)
    with caplog.at_level(logging.ERROR, logger="xinfang.intelligence"):
        advice = intel.reply_advice(case, request_summary="a", facts="b", opinion="c", legal_basis="d")
    assert not advice.checked and advice.warnings == []
    assert "reply advice failed" in caplog.text


def test_hot_topics_page_shows_the_repeated_issue_to_those_who_can_see_its_items(client, petition, county):
    from tests.intelligence.test_hottopics import NOISE_TOPICS, PLANT
    from xinfang.cases.services import PetitionerInput

    for i, (title, text) in enumerate(PLANT):
        # six different petitioners about the same plant: one issue, six people
        petition(title=title, content=text, received_on=D(2026, 11, 20) - dt.timedelta(days=i),
                 petitioners=[PetitionerInput(name=f"居民{i}", phone=f"1380013{i:04d}")])
    for i, title in enumerate(NOISE_TOPICS[:12]):
        petition(title=title, content=title + "，请有关部门尽快处理。", received_on=D(2026, 10, 1) + dt.timedelta(days=i),
                 petitioners=[PetitionerInput(name=f"群众{i}", phone=f"1390013{i:04d}")])
    url = reverse("workbench:hot_topics")

    assert client.get(url).status_code == 302  # login first
    client.force_login(county.zhang)
    page = client.get(url).content.decode()
    assert "搅拌站" in page and "丽发新城" in page
    assert '<span class="badge blue">6 件次</span>' in page and '<span class="badge">6 人次</span>' in page
    assert "居民0" not in page and "13800130000" not in page  # numbers of people only, never who
    # a township user sees no item of this issue, so no trace of it
    client.force_login(county.li)
    page = client.get(url).content.decode()
    assert "搅拌站" not in page and "暂无建议" in page


def _noise_items(petition, n=12):
    from tests.intelligence.test_hottopics import NOISE_TOPICS
    from xinfang.cases.services import PetitionerInput

    for i, title in enumerate(NOISE_TOPICS[:n]):
        petition(title=title, content=title + "，请有关部门尽快处理。", received_on=D(2026, 10, 1) + dt.timedelta(days=i),
                 petitioners=[PetitionerInput(name=f"群众{i}", phone=f"1390013{i:04d}")])


def _topic_with(topics, title_part):
    return next(t for t in topics if any(title_part in c.title for c in t.cases))


def test_hot_topics_count_every_visitor_of_a_group_visit(client, petition, county):
    from tests.intelligence.test_hottopics import PLANT
    from xinfang.cases.services import PetitionerInput

    # A group visit of six (two named, one of them the representative) and two letters about the same plant.
    petition(channel="visit", people_count=6, title=PLANT[0][0], content=PLANT[0][1], received_on=D(2026, 11, 20),
             petitioners=[PetitionerInput(name="居民甲", phone="13800130001", is_main=True, is_representative=True),
                          PetitionerInput(name="居民乙", phone="13800130002")])
    for i, (title, text) in enumerate(PLANT[1:3], start=1):
        petition(title=title, content=text, received_on=D(2026, 11, 20) - dt.timedelta(days=i),
                 petitioners=[PetitionerInput(name=f"居民{i}", phone=f"1380014{i:04d}")])
    _noise_items(petition)

    topic = _topic_with(intel.hot_topics(county.zhang), "丽发新城")
    assert topic.count == 3  # 件次
    assert topic.person_times == 6 + 1 + 1  # 人次: all six visitors, then one per letter
    client.force_login(county.zhang)
    page = client.get(reverse("workbench:hot_topics")).content.decode()
    assert '<span class="badge blue">3 件次</span>' in page and '<span class="badge">8 人次</span>' in page
    assert "居民甲" not in page and "13800130001" not in page


def test_hot_topic_title_is_the_most_central_item_the_user_may_list(client, petition, county):
    from tests.intelligence.test_hottopics import COMMON, EXTRAS
    from xinfang.orgs.permissions import Role
    from xinfang.orgs.services import grant_role

    # Every item names the plant, all but one add an unrelated complaint: the one saying only what they all
    # say is the most central, and its title names the issue.
    typical = petition(title="丽发新城搅拌站噪音扰民", content=COMMON, received_on=D(2026, 11, 18))
    for i, extra in enumerate(EXTRAS):
        petition(title=f"丽发新城搅拌站噪音扰民，{extra[:6]}", content=COMMON + extra,
                 received_on=D(2026, 11, 20) - dt.timedelta(days=i))
    # An accusation that says exactly the common part would be as central as it gets; it must never name the
    # issue, least of all for the accused unit's staff.
    petition(claim_type="accusation", purpose="expose", accused_unit=county.housing,
             title="举报县住建局包庇丽发新城搅拌站", content=COMMON, received_on=D(2026, 11, 19))
    _noise_items(petition)
    grant_role(user=county.housing_handler, role=Role.SUPERVISOR, unit=county.county)

    for user in (county.zhang, county.housing_handler):
        topic = _topic_with(intel.hot_topics(user), "丽发新城")
        assert topic.title == typical.title
        assert topic.count == 1 + len(EXTRAS)
        assert "搅拌站" in topic.keywords
        assert all(c.claim_type != "accusation" for c in topic.cases)
        client.force_login(user)
        page = client.get(reverse("workbench:hot_topics")).content.decode()
        assert f"1. {typical.title}</h2>" in page
        assert "关键词：" in page and "搅拌站" in page.split("关键词：", 1)[1].split("</p>", 1)[0]
        assert "举报县住建局" not in page


def test_repeats_linked_by_staff_are_one_petitioner_for_the_heat(petition, county):
    from tests.intelligence.test_hottopics import PLANT
    from xinfang.cases.services import PetitionerInput

    for i, (title, text) in enumerate(PLANT):  # six people, one letter each
        petition(title=title, content=text, received_on=D(2026, 11, 20) - dt.timedelta(days=i),
                 petitioners=[PetitionerInput(name=f"居民{i}", phone=f"1380013{i:04d}")])
    # One person writing eight times, more recently, each letter linked by staff to the previous one (重件).
    earlier = None
    for i in range(8):
        earlier = petition(title="东街村某户楼顶违章搭建铁皮房", content="东街村某户在楼顶违章搭建铁皮房，请城管拆除违建。",
                           received_on=D(2026, 11, 24) + dt.timedelta(days=i // 3),
                           earlier_items=[earlier] if earlier is not None else [],
                           petitioners=[PetitionerInput(name="同一人", phone="13900000000")])
    _noise_items(petition)

    topics = intel.hot_topics(county.zhang)
    repeat = _topic_with(topics, "铁皮房")
    assert repeat.count == 8 and repeat.person_times == 8  # 人次 counts every time they came
    assert "丽发新城" in "".join(c.title for c in topics[0].cases)  # but six people outrank one person


def test_staff_categories_train_the_model_that_then_suggests(client, petition, county, housing_category, settings, tmp_path):
    """Staff's choices become training data: `intel train --from-cases` learns them and the registration
    endpoint then suggests a category with the model file's version."""
    pytest.importorskip("sklearn")
    from django.core.management import call_command

    from xinfang.intelligence.text.modelfile import read_model

    env = Category.objects.get(level=1, name="生态环境")
    housing = ["小区电梯长期故障无人维修", "安置房漏水开裂质量问题", "棚户区改造拆迁补偿不到位", "老旧小区道路破损积水"]
    nature = ["化工厂夜间排放刺鼻废气", "河道被倾倒垃圾污水发臭", "采石场粉尘污染农田", "餐馆油烟直排扰民"]
    for i in range(3):
        for text, cat in [(t, housing_category) for t in housing] + [(t, env) for t in nature]:
            case = petition(title=text, content=f"{text}，已第{i + 1}次反映，请有关部门尽快处理。")
            s.case_classify(case=case, actor=county.zhang, category=cat)
    out = tmp_path / "model.npz"
    printed = io.StringIO()
    call_command("intel", "train", "--from-cases", "--out", str(out), stdout=printed)
    summary = json.loads(printed.getvalue().strip().splitlines()[-1])
    # Every item has the same claim type: that model is skipped with a reason, the category model is made.
    assert summary["claim_type_model"] is None and "两种以上" in summary["claim_type_skipped"]
    assert summary["model_version"] and summary["n"] == 24
    header, _ = read_model(out, fmt="xinfang-text-classifier", supported_versions=(1,))
    assert header["training"]["n"] == 24
    assert header["training"]["label_counts"] == {"城乡建设": 12, "生态环境": 12}

    settings.XINFANG_INTEL_MODEL = str(out)
    client.force_login(county.zhang)
    data = client.post(reverse("workbench:suggest"), {"title": "工厂排放废气", "content": "附近工厂夜间排放刺鼻废气，河道污水发臭"}).json()
    assert data["category"]["category_name"] == "生态环境"
    assert data["category"]["category_id"] == env.pk
    assert data["category"]["model_version"] == header["version"]
    assert 0.5 < data["category"]["confidence"] <= 1
