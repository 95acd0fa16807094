"""Reply quality: does a draft 处理意见书 / 答复 contain what a reply must contain, and does it answer the petition?

The elements follow what 《信访工作条例》 expects of a written reply: restate the request, state the facts found,
give a clear opinion, cite the legal or policy basis, and tell the petitioner where and within what time limit
to ask for a review (复查/复核). The checks are regular expressions tuned by reading replies of 附件4 (see
``bench/intel_quality.py``), plus a lexical check that the reply mentions the petition's own key terms and is
not a pure forwarding note («已转交相关部门»).

Advisory only: ``check_reply`` never raises; on any internal error it returns a result with no warnings and
``ok=False`` in ``error`` so that the caller shows «暂无建议».
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

__all__ = ["ELEMENTS", "ReplyCheck", "check_reply", "petition_terms"]

log = logging.getLogger(__name__)

MAX_CHARS = 20000  # longer texts are cut: every element shows up long before that
ELEMENTS = ("request", "facts", "opinion", "legal_basis", "remedy", "answers_petition")
LABELS = {
    "request": "复述诉求",
    "facts": "调查核实的事实",
    "opinion": "处理意见",
    "legal_basis": "法律政策依据",
    "remedy": "复查（复核）途径和期限",
    "answers_petition": "回应信访事项",
}

_WS = re.compile(r"\s+")

# 复述诉求: the reply names what the petitioner asked for ("您反映的“xx小区停车收费”问题", "关于A2区…的投诉").
# "您反映的问题已收悉" names nothing and does not count: the content between verb and noun must be specific.
_REQUEST = re.compile(
    r"(?:反映|反应|咨询|提出|投诉|举报|询问|建议|诉求|来信|留言|网帖|发帖|提到|所述|关于|针对|就)(?:的|了|称)?(?:关于|有关)?"
    r"[“\"「『《]?([^。！？；]{4,60}?)[”\"」』》]?(?:的|等)?(?:问题|情况|事项|事宜|诉求|一事|一帖|帖子|建议|意见|投诉|咨询|来信|留言)"
)
_GENERIC_REQUEST = re.compile(
    r"^(您|你|网友|该网友|信访人|上述|以上|有关|相关|所|我们|我局|我单位|的)|^.{0,3}$|收悉|转交|转给|转办|回复|答复|问题|情况"
)
# 事实: an investigation or verification is reported.
_FACTS = re.compile(
    r"经(过)?(调查|查|核实|核查|了解|现场|实地|走访|查证|查实|排查|研究|检测|监测|复核|审查|询问|比对|协调)"
    r"|调查核实|核实(情况|如下|了|，)|调查(情况|结果|了解|处理情况)|查明|了解到|据(了解|调查|核实|查)"
    r"|(现场|实地|上门)(查看|勘查|勘察|核实|调查|检查|察看|踏勘|走访|核查|测量|检测)|进行了(调查|核实|核查|检查)"
    r"|(基本)?(属实|不属实)|确实存在|确有其事|与事实不符|经[^。，；]{1,12}?(调查|核实|核查|查实|查明|了解|勘查)"
)
# 处理意见: a decision or concrete handling, not just the words "答复如下".
_OPINION = re.compile(
    r"(责令|责成|督促|要求|指导|通知)[^。；]{0,24}?(整改|处理|拆除|清理|停止|改正|退还|退费|恢复|落实|解决|查处|完善|规范|补缴|支付|发放|修复)"
    r"|(已|已经|现已)(安排|完成|整改|处理|解决|落实|清理|拆除|修复|维修|恢复|退还|发放|办理|纳入|列入|启动|制定|查处|立案|"
    r"处罚|下达|协调|督促|责令|关停|取缔|停止|更换|补缴|兑现|开通|调整|规划|实施)"
    r"|(将|会)(于|在|尽快|继续|进一步|按照|依法|适时|积极|加快|会同|协调|督促|安排|组织|纳入|列入|加大|加强|联合|开展|对)"
    r"|(纳入|列入)[^。；]{0,20}(计划|规划|项目|范围|任务|预算)"
    r"|(不予|予以)[^。；]{0,20}|(同意|不同意)(您|你|该|此|其)|(不予|予以)支持"
    r"|(符合|不符合|属于|不属于|不存在|不在)[^。；]{0,30}(条件|规定|范围|政策|情况|问题|事实|要求)"
    r"|建议(您|你|网友|信访人|业主)|(您|你)(可|可以|需|需要|应|应当)[^。；]{0,16}?(携带|持|向|到|通过|前往|咨询|申请|拨打|致电|联系|办理|提供|准备)"
    r"|(处理|答复|办理)(意见|结果)(是|为|如下)|(因此|所以|故此|故)[，,]?[^。；]{4,}|有望|计划(于|在)|预计|(力争|争取|拟)(于|在|到|将|进入|纳入)"
    r"|已(经)?[^。，；]{0,6}?(退费|同意|批准|验收|整治|调整|增加|增设|延伸|变更|更正|改正|完成|解决|落实|拆除|恢复|修复|到位)"
    r"|(可以|可)(携|持|凭|到|向|在|通过|申请|办理|咨询|拨打|致电|联系|前往)"
    r"|(进行|开展)(了)?(整治|整改|查处|清理|执法|联合执法|专项|治理)|(将|会)[^。；]{0,8}?(关注|调整|优化|考虑|研究|跟进|处理|解决)"
    r"|(不能|无法|暂不|暂无|不宜|不可以)[^。；]{2,30}(提供|办理|开通|支持|享受|纳入|实施|调整)"
)
# 法律政策依据: a named law or document, an article number, or "根据…规定".
_BASIS = re.compile(
    r"《[^》]{2,60}?(法|条例|规定|办法|细则|规则|标准|意见|通知|决定|解释|规划|方案|纲要|规范|准则|制度)》"
    r"|第[一二三四五六七八九十百零〇\d]+条"
    r"|(依据|根据|按照|依照|参照|对照|遵照)[^。，；]{0,30}?(规定|条例|办法|政策|文件|精神|标准|法律|法规|要求|意见|通知|《)"
    r"|\[政府发文\]|[〔\[（(]\d{4}[〕\]）)]\d+号|\d+号文"
)
# 复查/复核 途径 and 期限.
# "开展复查" (a re-inspection) is not a remedy: the channel must be offered to the petitioner.
_REMEDY_WAY = re.compile(
    r"(申请|请求|提出|提起)[^。；]{0,12}?(复查|复核|行政复议|复议|行政诉讼|诉讼)|(复查|复核|复议)(申请|请求)"
    r"|(可|可以|有权|应当|应)[^。；]{0,24}?(复查|复核|复议|诉讼)|不服[^。；]{0,30}?(复查|复核|复议|诉讼)"
)
_REMEDY_TERM = re.compile(r"(\d{1,3}|三十|十五|六十|九十|十)\s*(个工作日|日|天|个月)")
# Forwarding notes and other non-answers.
_BOILER = re.compile(
    r"(已|已经|现已)(转|转交|转给|转至|转到|交由|移交|批转|转办|转请|交)[^。！]{0,24}?(部门|单位|机关|政府|街道|乡|镇|处理|办理|核查|核处|办复|调查|答复|回复)"
    r"|已将[^。！]{0,30}?(转|交|移)[^。！]{0,20}?(部门|单位|机关|政府|处理|办理|核查|核处)"
    r"|(请|敬请)(您)?(耐心等待|关注后续|留意)|已有相关单位作出回复|已(进行过|作出过?|做过)(回复|答复)|详见"
    r"|建议(您)?(直接)?(向|到|致电|咨询)[^。]{0,30}(咨询|反映|联系|办理)"
    r"|(请|麻烦)(您)?(将|把)?[^。]{0,12}(再具体|进一步完善|补充)|未(提供|留下)[^。]{0,12}(信息|联系方式|地址)[^。]{0,20}(无法|不能)"
)
_GREETING = re.compile(
    r"(尊敬的)?(网友|市民|同志|先生|女士|用户|信访人)?[“\"「]?[A-Za-z0-9_]*[”\"」]?(您好|你好)[！!，,。]?"
    r"|(您|你)的(留言|来信|网帖|帖子|诉求)(已|我们已|我局已)?收悉[。，！]?"
    r"|(感谢|谢谢)(您|你)?[^。！]{0,30}?(支持|关心|理解|关注|监督|留言|信任)[。！!]?"
    r"|\d{4}年\d{1,2}月\d{1,2}日"
)

_STOP = set(
    """
    我们 你们 他们 自己 这个 那个 这些 这样 什么 怎么 如何 为什么 是否 可以 不能 没有 已经 还是 就是 但是 因为 所以 如果
    一直 一个 一些 非常 特别 严重 目前 现在 今年 去年 时候 时间 问题 情况 事情 反映 希望 要求 请求 请问 咨询 建议 投诉 举报
    领导 尊敬 您好 你好 谢谢 感谢 恳请 麻烦 相关 有关 部门 政府 单位 工作 处理 解决 进行 给予 得到 导致 造成 出现 存在 需要
    应该 能够 可能 知道 认为 觉得 市民 百姓 老百姓 群众 居民 本人 网友 关注 重视 尽快 及时 回复 答复 落实 调查 核实 依法
    规定 以及 对于 关于 由于 通过 按照 根据 其中 其他 另外 同时 还有 影响 生活 正常 方面 地方 这种 为了 所有 任何 严重影响
    小区 不合理 合理 有人 大家 一下 帮忙 帮助 处理一下
    """.split()
)
_KEEP_TOKEN = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]+$")
_ADMIN = re.compile(r"[A-Z]\d{0,2}[市县区]")


@dataclass(slots=True)
class ReplyCheck:
    elements: dict[str, bool]
    warnings: list[str]
    coverage: float = 0.0
    key_terms: list[str] = field(default_factory=list)
    missing_terms: list[str] = field(default_factory=list)
    boilerplate: bool = False
    evidence: dict[str, str] = field(default_factory=dict)
    error: bool = False

    @property
    def score(self) -> float:
        """Share of the six elements present."""
        return sum(self.elements.values()) / len(self.elements) if self.elements else 0.0


def _clip(s: object) -> str:
    if s is None:
        return ""
    return _WS.sub("", str(s)[: MAX_CHARS * 2])[:MAX_CHARS]


def petition_terms(petition_text: str, *, title: str | None = None, limit: int = 8) -> list[str]:
    """Key terms of a petition: content words of its title (or opening) first, then repeated words."""
    from xinfang.intelligence.text.normalize import get_tokenizer

    text = _clip(petition_text)
    head = _clip(title) if title else text[:60]
    tok = get_tokenizer()

    def words(s: str) -> list[str]:
        s = _ADMIN.sub(" ", s)
        # HMM off: only dictionary words, so no invented fragments such as "旁修" end up in a warning.
        return [w for w in tok.lcut(s, HMM=False) if len(w) >= 2 and w not in _STOP and _KEEP_TOKEN.match(w)]

    head_words = list(dict.fromkeys(words(head)))
    body = words(text[:600])
    counts: dict[str, int] = {}
    for w in body:
        counts[w] = counts.get(w, 0) + 1
    repeated = [w for w, c in sorted(counts.items(), key=lambda x: -x[1]) if c >= 2 and w not in head_words]
    return (head_words + repeated)[:limit]


_TITLE_NOISE = re.compile(r"[A-Z]\d{0,2}[市县区]|问题|请求|希望|关于|投诉|反映|咨询|建议|举报|要求|请问|政府|相关|部门|[^\u4e00-\u9fffa-z0-9]")


def _bigram_coverage(head: str, reply: str) -> float:
    """Share of the content bigrams of the petition's title (or opening) that the reply repeats."""
    parts = _TITLE_NOISE.split(head.lower())
    grams = {p[i : i + 2] for p in parts for i in range(len(p) - 1)}
    if not grams:
        return 0.0
    return sum(g in reply for g in grams) / len(grams)


def _present(term: str, reply: str) -> bool:
    if term in reply:
        return True
    # Replies often paraphrase compounds (噪音扰民 → 噪音): accept a long term when both halves appear.
    if len(term) >= 4:
        half = len(term) // 2
        return term[:half] in reply and term[half:] in reply
    return False


def _find_request(reply: str, terms: list[str]) -> re.Match | None:
    """A specific restatement of the request, or the petition's own key words in the reply's opening."""
    for m in _REQUEST.finditer(reply[:1500]):
        content = m.group(1)
        if not _GENERIC_REQUEST.search(content):
            return m
    opening = _GREETING.sub("", reply[:300])[:200]
    named = [t for t in terms[:6] if _present(t, opening)]
    if len(named) >= 2:
        return re.search(re.escape(named[0]), opening) or _REQUEST.search(opening)
    return None


def check_reply(petition_text: str, reply_text: str, *, title: str | None = None) -> ReplyCheck:
    """Check one reply against its petition. ``title`` is the petition's subject line when known."""
    try:
        return _check(petition_text, reply_text, title)
    except Exception:  # advisory: the page shows «暂无建议» instead of an error
        log.exception("reply check failed")
        return ReplyCheck(elements={}, warnings=[], error=True)


def _check(petition_text: str, reply_text: str, title: str | None) -> ReplyCheck:
    reply = _clip(reply_text)
    substance = _GREETING.sub("", reply)
    terms = petition_terms(petition_text, title=title) if _clip(petition_text) else []
    found: dict[str, re.Match | None] = {
        "request": _find_request(reply, terms),
        "facts": _FACTS.search(reply),
        "opinion": _OPINION.search(substance),  # not in "感谢您的支持" and other closing courtesies
        "legal_basis": _BASIS.search(reply),
    }
    # "业主已向法院提起诉讼" reports what someone did; a remedy is offered ("可…申请复查"), not reported.
    way = next((m for m in _REMEDY_WAY.finditer(reply) if "已" not in reply[max(0, m.start() - 12) : m.end()]), None)
    term = None
    if way:
        # The time limit must be stated near the review channel, not anywhere in the reply.
        window = reply[max(0, way.start() - 60) : way.end() + 60]
        term = _REMEDY_TERM.search(window)
    elements = {k: m is not None for k, m in found.items()}
    elements["remedy"] = bool(way and term)

    hit = [t for t in terms if _present(t, reply)]
    missing = [t for t in terms if t not in hit]
    petition = _clip(petition_text)
    coverage = _bigram_coverage(_clip(title) if title else petition[:60], reply.lower())
    boiler_match = _BOILER.search(reply)
    short = len(substance) < 40
    # A forwarding note is boilerplate unless the reply also reports facts or a decision.
    boilerplate = short or (boiler_match is not None and not (elements["facts"] or elements["opinion"]))
    # A reply answers when it is not a forwarding note or a request for more information, and it either
    # repeats the petition's words (a fifth of the title's bigrams or two key words) or reports facts or a
    # decision at some length. Lexical overlap alone misses paraphrases (a fraud complaint answered with
    # "已由派出所立案侦查"): read on 附件4, most low-overlap replies with facts or a decision do answer.
    related = coverage >= 0.2 or len(hit) >= 2
    substantive = (elements["facts"] or elements["opinion"]) and len(substance) >= 60
    elements["answers_petition"] = (not boilerplate) and (related or substantive or not petition)

    warnings: list[str] = []
    if not reply:
        warnings.append("答复内容为空")
    if not elements["request"]:
        warnings.append("未复述信访人的诉求")
    if not elements["facts"]:
        warnings.append("未写明调查核实的事实（如“经调查核实……”）")
    if not elements["opinion"]:
        warnings.append("未写明明确的处理意见")
    if not elements["legal_basis"]:
        warnings.append("未写明法律政策依据")
    if not way:
        warnings.append("未告知复查的机关和期限")
    elif not term:
        warnings.append("告知了复查（复核）途径，但未写明期限（如“收到答复之日起30日内”）")
    if reply and short:
        warnings.append(f"答复过短（{len(substance)}字），缺少实质内容")
    elif boilerplate:
        warnings.append("答复只是转办或程式化回复，未回应诉求")
    if petition and not boilerplate and not related:
        warnings.append("答复与信访事项的字面重合很少，请核对是否答非所问")
    if petition and not related:
        # Only the title's words (the first ones) name what was asked; later ones are context.
        for t in [t for t in missing if terms.index(t) < 4][:2]:
            warnings.append(f"答复未回应信访人提出的“{t}”")

    evidence = {k: m.group(0)[:40] for k, m in found.items() if m is not None}
    if way:
        evidence["remedy"] = reply[max(0, way.start() - 20) : way.end() + 30]
    if boiler_match:
        evidence["boilerplate"] = boiler_match.group(0)[:40]
    return ReplyCheck(
        elements=elements,
        warnings=warnings,
        coverage=round(coverage, 3),
        key_terms=terms,
        missing_terms=missing,
        boilerplate=boilerplate,
        evidence=evidence,
    )
