"""Reply quality check: specific Chinese warnings for what a 处理意见书 lacks; a complete one passes; odd input is
harmless."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

pytest.importorskip("jieba", reason="jieba is needed by xinfang.intelligence.text.replycheck")

from xinfang.intelligence.text.replycheck import ELEMENTS, ReplyCheck, check_reply  # noqa: E402

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "tipdm2020"
needs_data = pytest.mark.skipif(not (DATA / "附件4.xlsx").exists(), reason=f"TipDM data not found at {DATA}")

TITLE = "A2区景蓉华苑小区停车收费不合理"
PETITION = TITLE + "。景蓉华苑业委会未召开业主大会就制定停车收费方案，停车费过高，投票由物业公司组织，业主隐私得不到保护。"

COMPLETE = (
    "张先生：您好！您反映的“A2区景蓉华苑小区停车收费不合理”问题已收悉。经调查核实，景蓉华苑业委会于2019年4月10日至"
    "4月27日以书面征求意见方式召开业主大会，但投票由物业公司工作人员组织，不符合规定。根据《物业管理条例》第十二条和"
    "《西地省物业管理条例》第二十条的规定，业主大会表决应由业委会组织。处理意见：责令业委会重新依法组织业主大会表决"
    "停车收费方案，表决前停车收费暂按原标准执行。如对本处理意见不服，可以自收到本意见书之日起30日内向A2区人民政府"
    "申请复查。2019年5月9日"
)
NO_BASIS_NO_REMEDY = (
    "张先生：您好！您反映的“A2区景蓉华苑小区停车收费不合理”问题已收悉。经调查核实，景蓉华苑业委会的投票由物业公司"
    "组织，停车收费方案未经业主大会表决。我们已责令业委会重新组织业主大会表决停车收费方案。感谢您的支持。"
)
FORWARDED = "网友：您好！您的留言已收悉，已转交相关部门处理，请您耐心等待。2019年5月9日"


def test_complete_reply_passes():
    r = check_reply(PETITION, COMPLETE, title=TITLE)
    assert isinstance(r, ReplyCheck) and not r.error
    assert r.elements == dict.fromkeys(ELEMENTS, True)
    assert r.warnings == []
    assert r.score == 1.0
    assert "复查" in r.evidence["remedy"]


def test_missing_basis_and_remedy_are_named():
    r = check_reply(PETITION, NO_BASIS_NO_REMEDY, title=TITLE)
    assert r.elements["request"] and r.elements["facts"] and r.elements["opinion"] and r.elements["answers_petition"]
    assert not r.elements["legal_basis"] and not r.elements["remedy"]
    assert "未写明法律政策依据" in r.warnings
    assert "未告知复查的机关和期限" in r.warnings
    assert len(r.warnings) == 2


def test_remedy_without_deadline_is_its_own_warning():
    reply = NO_BASIS_NO_REMEDY + "如对处理意见不服，可以向A2区人民政府申请复查。"
    r = check_reply(PETITION, reply, title=TITLE)
    assert not r.elements["remedy"]
    assert any(w.startswith("告知了复查（复核）途径，但未写明期限") for w in r.warnings)
    assert "未告知复查的机关和期限" not in r.warnings


def test_reinspection_is_not_a_remedy():
    reply = NO_BASIS_NO_REMEDY + "5月20日执法人员进行了复查，整改已完成。"
    assert not check_reply(PETITION, reply, title=TITLE).elements["remedy"]


def test_forwarding_note_is_boilerplate():
    r = check_reply(PETITION, FORWARDED, title=TITLE)
    assert r.boilerplate
    assert not r.elements["answers_petition"] and not r.elements["request"] and not r.elements["facts"]
    assert any(w.startswith("答复过短") or w.startswith("答复只是转办") for w in r.warnings)
    assert "答复未回应信访人提出的“停车”" in r.warnings or any("未回应" in w for w in r.warnings)


def test_reply_about_something_else_is_flagged():
    other = (
        "网友：您好！经调查核实，A5区某小区电梯维修资金已于2019年3月拨付，电梯已更换完毕。根据《特种设备安全法》第四十"
        "条的规定，物业公司应定期检验电梯。如不服，可以自收到答复之日起30日内申请复查。"
    )
    r = check_reply(PETITION, other, title=TITLE)
    assert any("答非所问" in w for w in r.warnings)
    assert any(w.startswith("答复未回应信访人提出的“") for w in r.warnings)


def test_generic_acknowledgement_is_not_a_restated_request():
    reply = "网友：您好！您反映的问题已收悉，现回复如下：经调查，业委会已重新组织表决。"
    r = check_reply(PETITION, reply, title=TITLE)
    assert r.elements["facts"]
    assert not r.elements["request"]
    assert "未复述信访人的诉求" in r.warnings


@pytest.mark.parametrize(
    ("petition", "reply"),
    [
        ("", ""),
        (None, None),
        ("字", "字"),
        (PETITION, ""),
        ("", COMPLETE),
        ("噪音" * 50_000, "经查" * 50_000),
        (PETITION, "《" * 100_000),
        (12345, ["not", "text"]),
    ],
)
def test_odd_input_never_raises(petition, reply):
    t = time.perf_counter()
    r = check_reply(petition, reply)
    assert isinstance(r, ReplyCheck)
    assert set(r.elements) in (set(ELEMENTS), set())
    assert time.perf_counter() - t < 2


def test_empty_reply_says_so():
    r = check_reply(PETITION, "")
    assert "答复内容为空" in r.warnings
    assert not any(r.elements.values())


@needs_data
def test_real_replies_run_and_find_elements():
    from openpyxl import load_workbook

    wb = load_workbook(DATA / "附件4.xlsx", read_only=True)
    rows = wb.active.iter_rows(values_only=True)
    header = [str(h).strip() for h in next(rows)]
    sample = [dict(zip(header, r, strict=False)) for _, r in zip(range(300), rows, strict=False)]
    wb.close()
    checks = [check_reply(re.sub(r"\s+", "", str(m["留言主题"]) + str(m["留言详情"])), m["答复意见"],
                          title=str(m["留言主题"])) for m in sample]
    assert not any(c.error for c in checks)
    share = {e: sum(c.elements[e] for c in checks) / len(checks) for e in ELEMENTS}
    # Broad sanity bounds measured on 附件4: most replies restate and answer, few cite a remedy.
    assert share["request"] > 0.5 and share["answers_petition"] > 0.6
    assert share["remedy"] < 0.1
    assert 0.1 < share["legal_basis"] < 0.7
