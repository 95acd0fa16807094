"""What the demo petitions say: topic templates per category, petitioners, identity and phone numbers."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from xinfang.cases.services import PetitionerInput
from xinfang.cases.validators import id_check_digit


@dataclass(frozen=True)
class Topic:
    """One kind of petition. Text fields are ``str.format`` templates over the values of ``fill``."""

    key: str
    kind: str  # general / legal / accusation / consult
    category: tuple[str, ...]  # first-level name, then optional lower levels
    target: str  # unit code of the competent organ, or "township" (the township of the problem place)
    titles: tuple[str, ...]
    content: str
    requests: tuple[str, ...] = ()
    facts: str = ""
    opinion: str = ""
    basis: str = ""
    redirect: str = ""
    mediation: str = ""
    claim: str = "appeal"
    purpose: str = "request"
    group_ok: bool = False
    accused: str = ""  # accusation: "village", "township" or "department"
    alt_target: str = ""  # a second organ that is often (wrongly or rightly) involved
    rural: bool = False  # about collective land or village affairs: placed in a village, never a 社区


GENERAL: tuple[Topic, ...] = (
    Topic(
        key="wages",
        kind="general",
        category=("劳动和社会保障", "工资福利"),
        target="RSJ",
        alt_target="township",
        group_ok=True,
        titles=("{company}拖欠{count}名农民工工资{amount}万元", "反映{place}{project}工程拖欠务工人员工资"),
        content=(
            "本人于{year}年在{company}承建的{place}{project}工程务工，工程已于今年{month}月完工，但公司以工程款"
            "尚未结算为由，至今拖欠我们{count}名工人工资共计{amount}万元。多次找项目负责人讨要无果，"
            "请求有关部门督促该公司尽快足额支付拖欠的工资。"
        ),
        requests=("督促{company}足额支付拖欠工资{amount}万元", "依法查处恶意欠薪行为"),
        facts=(
            "经调查核实，{company}承建的{project}工程确存在拖欠务工人员工资问题，涉及{count}人、金额{amount}万元，"
            "系总承包方与建设单位工程款结算纠纷所致。"
        ),
        opinion="已责令{company}于15日内足额支付拖欠工资，并将该公司列入重点监控名单；逾期不支付的，依法移送公安机关处理。",
        basis="《保障农民工工资支付条例》第三条、第三十条、第五十四条",
        redirect="劳动人事争议仲裁：已告知信访人向清河县劳动人事争议仲裁委员会申请仲裁",
        mediation="经调解，{company}同意分两期于30日内付清全部拖欠工资，信访人表示认可",
    ),
    Topic(
        key="land",
        rural=True,
        kind="general",
        category=("自然资源", "土地征收"),
        target="ZRJ",
        alt_target="township",
        group_ok=True,
        titles=("{village}土地征收补偿款未足额发放", "反映{village}征地补偿款分配不公开"),
        content=(
            "{year}年县里因{land_project}项目征收我村集体土地{mu}亩，其中涉及我家承包地{mu2}亩。至今青苗补偿费"
            "和安置补助费仍有{amount}万元未发放到户，村里也没有公开补偿款分配方案。请求核查补偿款去向，"
            "按标准足额发放。"
        ),
        requests=("足额发放征地补偿款", "公开补偿款分配方案"),
        facts=(
            "经核查，{land_project}项目征收{village}集体土地{mu}亩，补偿款已由县财政足额拨付至{township}，"
            "其中安置补助费因分配方案未经村民会议通过而暂缓发放。"
        ),
        opinion="责成{township}指导{village}在30日内召开村民代表会议确定分配方案，张榜公示无异议后发放到户。",
        basis="《中华人民共和国土地管理法》第四十八条，《中华人民共和国土地管理法实施条例》第三十二条",
        redirect="行政复议：已告知信访人可就征收补偿安置决定向江州市人民政府申请行政复议",
        mediation="经{township}组织协调，村委会同意在公示后10日内发放补偿款，信访人表示认可",
    ),
    Topic(
        key="property",
        kind="general",
        category=("城乡建设", "住房保障与房地产"),
        target="ZJJ",
        alt_target="township",
        group_ok=True,
        titles=("{estate}物业服务不到位、擅自上调物业费", "反映{estate}电梯长期故障无人维修"),
        content=(
            "我们是{estate}的业主。物业公司入驻以来，小区电梯经常停运，地下车库雨天积水，门禁损坏长期不修，"
            "却在未经业主大会同意的情况下把物业费从每平方米{fee}元上调。请求主管部门督促物业公司整改，规范收费。"
        ),
        requests=("督促物业公司维修电梯和公共设施", "纠正未经业主同意上调物业费的行为"),
        facts="经现场检查，{estate}有两部电梯存在故障未及时维修，物业公司上调收费标准未履行业主大会表决程序。",
        opinion="已责令物业公司在20日内完成电梯维修，恢复原收费标准，并将整改情况在小区公示。",
        basis="《物业管理条例》第三十五条、第四十条",
        mediation="经社区调解，物业公司承诺限期维修电梯并暂缓执行新收费标准，业主代表表示认可",
    ),
    Topic(
        key="school",
        kind="general",
        category=("教育",),
        target="JYJ",
        titles=("孩子就近入学被安排到较远学校", "反映{school}招生划片不合理"),
        content=(
            "我家住在{place}，房产和户口都在本片区。今年孩子上小学一年级，报名时{school}以学位已满为由拒收，"
            "把孩子安排到离家{km}公里外的学校，每天接送非常困难。请求教育部门按划片就近入学的政策重新安排。"
        ),
        requests=("按划片范围安排孩子就近入学",),
        facts="经核实，信访人房产和户籍均在{school}招生片区内，学校因登记信息录入错误未将其列入第一批录取名单。",
        opinion="已协调{school}为信访人子女办理入学手续，并要求学校复核本年度全部片区内登记信息。",
        basis="《中华人民共和国义务教育法》第十二条",
    ),
    Topic(
        key="pollution",
        kind="general",
        category=("生态环境",),
        target="STJ",
        alt_target="township",
        group_ok=True,
        titles=("{factory}夜间偷排废气，气味刺鼻", "反映{factory}废水直排村边河沟"),
        content=(
            "{village}附近的{factory}经常在夜间排放废气，气味刺鼻，村民晚上不敢开窗，部分老人和小孩出现咳嗽症状；"
            "厂区排水口还有黑色污水流进村边的河沟。请求环保部门查处，督促企业整改。"
        ),
        requests=("对{factory}违法排污行为进行查处", "对周边水体和空气进行检测并公开结果"),
        facts="经夜间突击检查和采样监测，{factory}废气处理设施未正常运行，排放口颗粒物浓度超标。",
        opinion="已对{factory}立案查处并责令停产整治，整改完成并经监测达标后方可恢复生产，监测结果在县政府网站公开。",
        basis="《中华人民共和国大气污染防治法》第九十九条，《中华人民共和国水污染防治法》第八十三条",
    ),
    Topic(
        key="road",
        kind="general",
        category=("交通运输",),
        target="JTJ",
        alt_target="township",
        titles=("{road}路面破损严重，请求维修", "反映{road}坑洼积水影响出行安全"),
        content=(
            "{road}自去年雨季以来多处塌陷、坑洼，最深处有二十多厘米，群众出行和学生上学很不安全，"
            "已经发生多起电动车摔倒事故。请求尽快安排维修。"
        ),
        requests=("尽快维修{road}破损路面",),
        facts="经现场勘查，{road}有三处路面沉陷、多处坑槽，已纳入今年农村公路养护计划。",
        opinion="已安排养护单位先行设置警示标志并修补坑槽，整段路面大修计划于明年汛期前完成。",
        basis="《公路安全保护条例》第四十四条，《农村公路养护管理办法》第六条",
    ),
    Topic(
        key="insurance",
        kind="general",
        category=("劳动和社会保障", "社会保险", "医疗和生育保险"),
        target="RSJ",
        titles=("异地住院医疗费用报销被拒", "反映城乡居民医保报销比例计算有误"),
        content=(
            "本人今年{month}月因病在江州市第一人民医院住院治疗，花费医疗费用{amount2}元，已经办理了转诊备案，"
            "但回县里报销时被告知部分费用不予报销，报销比例也和政策规定不符。请求核实后按规定报销。"
        ),
        requests=("按规定报销住院医疗费用",),
        facts="经核查，信访人已办理转诊备案，经办窗口误按未备案标准计算报销比例。",
        opinion="已按转诊备案标准重新核算，应补报销部分将在10个工作日内拨付至信访人社会保障卡。",
        basis="《医疗保障基金使用监督管理条例》第十五条",
    ),
    Topic(
        key="subsidy",
        rural=True,
        kind="general",
        category=("农村农业",),
        target="township",
        titles=("耕地地力保护补贴未发放到户", "反映{village}种粮补贴面积核定有误"),
        content=(
            "我家在{village}承包耕地{mu2}亩，今年的耕地地力保护补贴到现在还没有到账。问村里，村干部说名单报错了，"
            "但一直没有更正。请求核实补贴面积并补发。"
        ),
        requests=("核实补贴面积并补发耕地地力保护补贴",),
        facts="经核实，{village}在申报时遗漏信访人家庭承包地{mu2}亩，导致补贴未发放。",
        opinion="已更正补贴面积并报县财政补发，补贴资金将于下一批次发放时到账。",
        basis="《财政部 农业农村部关于实施耕地地力保护补贴的通知》",
        mediation="经镇村干部上门说明并当场更正申报信息，信访人表示理解",
    ),
    Topic(
        key="relocation",
        rural=True,
        kind="general",
        category=("城乡建设", "集体土地上房屋拆迁与补偿"),
        target="ZJJ",
        alt_target="township",
        group_ok=True,
        titles=("{village}拆迁安置房逾期未交付", "反映{land_project}项目拆迁过渡费停发"),
        content=(
            "{year}年因{land_project}项目，我家位于{place}的房屋被拆迁，当时签订的协议约定两年内交付安置房，"
            "现在已经超期{months}个月仍未交付，过渡费也只发了一年。请求督促尽快交付安置房并补发过渡费。"
        ),
        requests=("尽快交付安置房", "补发超期过渡费"),
        facts="经查，安置小区因配套工程滞后未能按期交付，过渡费自协议期满后停发属实。",
        opinion="责成项目实施单位在年底前完成配套工程验收并交付，超期过渡费按协议标准一次性补发。",
        basis="《江州市集体土地上房屋征收补偿安置办法》第二十六条",
        redirect="行政诉讼：已告知信访人可就补偿协议履行问题依法提起行政诉讼",
    ),
    Topic(
        key="prepaid",
        kind="general",
        category=("市场监管",),
        target="SJJ",
        group_ok=True,
        titles=("{shop}预付卡商家停业、负责人失联", "反映{shop}拒不退还会员卡余额"),
        content=(
            "本人在{township}的{shop}办理会员卡充值{amount2}元，使用不到三个月商家突然停业，负责人联系不上，"
            "涉及会员一百多人。请求市场监管部门介入，帮助追回预付款。"
        ),
        requests=("责令商家退还预付卡余额",),
        facts="经查，{shop}经营者因经营困难停业，尚有会员预付款未退还，已联系到经营者本人。",
        opinion="已约谈经营者并督促其制定退款计划，首批退款已于本月发放；对未退款部分将持续跟踪。",
        basis="《中华人民共和国消费者权益保护法》第五十三条",
        redirect="民事诉讼：已告知信访人可向人民法院提起诉讼",
        mediation="经市场监管所调解，经营者同意分三个月退还预付卡余额，信访人表示认可",
    ),
    Topic(
        key="dibao",
        rural=True,
        kind="general",
        category=("民政与应急",),
        target="township",
        titles=("申请最低生活保障长期没有结果", "反映{village}低保评议不公开"),
        content=(
            "我今年{age}岁，丈夫去年病故，本人患有慢性病不能干重活，家庭收入低于当地低保标准。今年{month}月向"
            "{township}申请低保，村里评议后一直没有结果。请求按规定审核，给予救助。"
        ),
        requests=("按规定审核低保申请",),
        facts="经入户调查，信访人家庭人均收入低于本县城乡低保标准，符合救助条件。",
        opinion="已将信访人纳入农村最低生活保障范围，自下月起按月发放低保金。",
        basis="《社会救助暂行办法》第九条、第十一条",
    ),
    Topic(
        key="noise",
        kind="general",
        category=("生态环境",),
        target="STJ",
        titles=("{estate}周边工地夜间施工噪声扰民",),
        content=(
            "{estate}旁边的建筑工地经常施工到凌晨一两点，打桩、运渣车的噪声很大，小区居民特别是老人和学生"
            "无法正常休息。请求相关部门依法查处夜间违规施工。"
        ),
        requests=("依法查处夜间违规施工行为",),
        facts="经夜间巡查，该工地确有未经批准在夜间22时后施工的情况。",
        opinion="已对施工单位依法处罚，并责令其严格遵守夜间施工审批规定，由城关街道加强巡查。",
        basis="《中华人民共和国噪声污染防治法》第四十三条、第七十七条",
    ),
    Topic(
        key="medical",
        kind="general",
        category=("卫生健康",),
        target="WJJ",
        titles=("对{hospital}诊疗过程有异议", "反映{hospital}收费项目不明"),
        content=(
            "本人父亲今年{month}月在{hospital}住院治疗，因医生未及时处理导致病情加重，转院后花费大量医疗费。"
            "和医院多次协商没有结果，请求卫生健康部门调查处理。"
        ),
        requests=("调查{hospital}诊疗过程是否存在过错", "协调医院赔偿损失"),
        facts="经组织专家对病历进行审查，{hospital}在会诊时间上存在延误，已责令医院整改。",
        opinion="已责令{hospital}整改并对相关医务人员进行约谈；赔偿问题已引导双方通过医疗纠纷人民调解解决。",
        basis="《医疗纠纷预防和处理条例》第二十二条",
        redirect="医疗纠纷人民调解或民事诉讼：已告知信访人申请医疗纠纷人民调解或向人民法院起诉",
        mediation="经县医疗纠纷人民调解委员会调解，医院同意给予一次性补偿，双方签订调解协议",
    ),
    Topic(
        key="bus",
        kind="general",
        category=("交通运输",),
        target="JTJ",
        claim="suggestion",
        purpose="advice",
        titles=("建议开通{township}至县城的城乡公交", "建议在{village}增设公交停靠站"),
        content=(
            "{township}离县城二十多公里，目前只有私人面包车，票价高也不安全。建议开通{township}至县城的城乡"
            "公交线路，方便群众出行和学生上学。"
        ),
        requests=("开通{township}至县城城乡公交线路",),
        facts="经调查，{township}至县城客流量较大，现有客运班线班次少。",
        opinion="已将该线路纳入明年城乡公交一体化实施计划，拟于明年上半年开通试运行。",
        basis="《江州市城乡公交一体化发展规划（2025—2030年）》",
    ),
    Topic(
        key="certificate",
        kind="general",
        category=("自然资源", "不动产登记"),
        target="ZRJ",
        alt_target="ZJJ",
        group_ok=True,
        titles=("{estate}业主多年办不了不动产权证",),
        content=(
            "我们在{year}年购买了{estate}的商品房，至今已经好几年仍办不了不动产权证，开发商说是土地出让金没有缴清。"
            "孩子上学、房屋交易都受影响。请求协调解决办证问题。"
        ),
        requests=("协调解决{estate}业主办证问题",),
        facts="经核查，{estate}开发企业尚欠土地出让金，导致首次登记无法办理。",
        opinion="已启动“交房即办证”历史遗留问题处置程序，开发企业补缴出让金后即为业主分批办理不动产权证。",
        basis="《不动产登记暂行条例》第十四条",
    ),
)

LEGAL: tuple[Topic, ...] = (
    Topic(
        key="enforcement",
        kind="legal",
        category=("政法", "生效法律文书执行"),
        target="FY",
        titles=("法院判决生效两年仍未执行到位",),
        content=(
            "本人与{other}民间借贷纠纷一案，清河县人民法院于{year}年判决对方归还借款{amount}万元。判决生效至今"
            "两年，对方名下有车有房却一直没有执行到位。请求法院加大执行力度。"
        ),
        purpose="complaint",
    ),
    Topic(
        key="police",
        kind="legal",
        category=("政法", "社会治安"),
        target="GAJ",
        titles=("被人殴打报警后迟迟没有处理结果",),
        content=(
            "本人今年{month}月在{township}集市上被人殴打致伤，当场报了警，派出所做了笔录，但到现在也没有告诉我"
            "处理结果。请求公安机关依法处理。"
        ),
        purpose="complaint",
    ),
    Topic(
        key="fraud",
        kind="legal",
        category=("政法", "刑案侦查"),
        target="GAJ",
        titles=("被电信诈骗{amount2}元，询问案件侦办进展",),
        content="本人今年{month}月接到冒充客服的电话被骗{amount2}元，已经报案立案，想了解案件侦办进展和追赃情况。",
    ),
    Topic(
        key="judgment",
        kind="legal",
        category=("政法", "诉讼"),
        target="FY",
        titles=("对土地承包纠纷一审判决不服",),
        content="本人与{other}土地承包经营权纠纷一案，对清河县人民法院一审判决不服，认为认定事实错误，请求重新审理。",
        purpose="complaint",
    ),
)

ACCUSATIONS: tuple[Topic, ...] = (
    Topic(
        key="embezzle",
        rural=True,
        kind="accusation",
        category=("纪检监察", "贪污贿赂"),
        target="JWJ",
        accused="village",
        claim="accusation",
        purpose="expose",
        titles=("举报{village}村干部虚报冒领集体资金",),
        content=(
            "{village}村委会主任{other}在{year}年村道硬化和河道清淤工程中虚报工程量，冒领集体资金约{amount}万元，"
            "村务公开栏的账目与实际不符。请求纪检监察机关调查处理。"
        ),
    ),
    Topic(
        key="bribe",
        kind="accusation",
        category=("纪检监察", "干部作风"),
        target="JWJ",
        accused="department",
        claim="accusation",
        purpose="expose",
        titles=("反映{dept}工作人员办事吃拿卡要",),
        content="本人到{dept}办理业务时，工作人员{other}多次以材料不全为由推诿，暗示要“意思意思”才给办理。请求调查处理。",
    ),
    Topic(
        key="favour",
        kind="accusation",
        category=("纪检监察", "滥用职权"),
        target="JWJ",
        accused="township",
        claim="accusation",
        purpose="expose",
        titles=("举报{township}干部优亲厚友违规发放低保",),
        content="{township}民政办干部{other}将不符合条件的亲属纳入低保，真正困难的群众却评不上。请求纪检监察机关查处。",
    ),
)

CONSULTS: tuple[Topic, ...] = (
    Topic(
        key="pension",
        kind="consult",
        category=("劳动和社会保障", "社会保险"),
        target="",
        purpose="consult",
        titles=("咨询灵活就业人员养老保险缴费政策",),
        content="本人在外打零工，想了解灵活就业人员如何参加职工养老保险，缴费基数和年限有什么规定。",
    ),
    Topic(
        key="migrant_school",
        kind="consult",
        category=("教育",),
        target="",
        purpose="consult",
        titles=("咨询随迁子女入学需要准备哪些材料",),
        content="我们是外地来清河务工的人员，孩子明年上小学，想了解随迁子女入学需要准备哪些材料、到哪里报名。",
    ),
    Topic(
        key="thanks",
        kind="consult",
        category=("其他",),
        target="",
        claim="suggestion",
        purpose="other",
        titles=("感谢{township}干部帮助解决实际困难",),
        content="{township}的干部多次上门帮我家解决孩子上学和老人看病的困难，特写信表示感谢。",
    ),
)

DECLINE_GROUNDS = (
    "该事项已由人民法院受理，依法应通过诉讼程序解决，根据《信访工作条例》第三十一条不予受理",
    "信访人反映的事项不属于本县管辖，已告知其向有权处理的机关提出，不予受理",
    "信访人未提供具体诉求和事实，经联系补正未果，不予受理",
)
REFUSE_GROUNDS = (
    "该事项已依法作出行政处理决定，信访人已申请行政复议，依法不予受理",
    "该事项正在劳动人事争议仲裁程序中，依法不予受理，已书面告知信访人",
)
FILE_REASONS = ("咨询类事项，已当场解答相关政策，存档", "表扬致谢类来信，已转告相关单位，存档")
EXTENSION_REASONS = (
    "涉及多个部门，需要进一步调查核实",
    "需要等待第三方鉴定、检测结果",
    "需要召开村民代表会议研究处理方案",
    "涉及历史遗留问题，需要调取档案资料",
)
REVIEW_REASONS = (
    "对处理意见不服，认为未解决实际问题",
    "认为原处理意见认定事实不清，请求复查",
    "对补偿标准有异议，请求重新核定",
)
REREVIEW_REASONS = ("对复查意见仍不服，请求复核", "认为复查意见维持原处理意见依据不足")
EVALUATION_COMMENTS = ("", "", "办理及时，态度很好", "问题基本解决，希望继续跟踪", "没有解决实际问题")

_COMPANIES = ("江州宏达建筑工程有限公司", "清河县恒通建设有限公司", "江州市鑫源劳务有限公司", "清河县永安建筑安装有限公司")
_PROJECTS = ("道路硬化", "安置房", "标准化厂房", "污水管网", "学校教学楼")
_LAND_PROJECTS = ("清河工业园区扩区", "G236国道改线", "城东新区棚户区改造", "清河高铁站站前广场")
_ESTATES = ("阳光花园小区", "锦绣华庭小区", "清河名苑小区", "滨江花园小区", "翡翠城小区")
_FACTORIES = ("清河县华盛化工有限公司", "江州市永兴石材厂", "清河县金源塑料制品厂", "清河县宏发砖厂")
_SCHOOLS = ("清河县实验小学", "城关第二小学", "清河县第三中学")
_HOSPITALS = ("清河县人民医院", "清河县中医院")
_SHOPS = ("动感健身会所", "美丽约美容院", "小天才教育培训中心")

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
_GIVEN = "秀英桂兰玉珍凤芳春梅建国建军志明志强国华海军德华文斌永红丽娟明亮小平金凤长江大伟卫东红霞淑芬水生根"
_MOBILE_PREFIXES = ("138", "139", "135", "136", "137", "150", "151", "152", "158", "159", "186", "187", "188", "177", "199")
# Fictitious area codes: the first six digits of the identity numbers of people from 清河县.
_AREA_CODES = ("361127", "361128", "361102")


@dataclass
class Filled:
    """A topic instantiated for one item: the texts with every placeholder replaced."""

    topic: Topic
    title: str
    content: str
    values: dict[str, str] = field(default_factory=dict)

    def text(self, template: str) -> str:
        return template.format(**self.values)


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
    return rng.choice(_SURNAMES) + given


def id_number(rng: random.Random, today: dt.date) -> str:
    """A resident identity number with a valid GB 11643 check digit (adults born 1945 to 18 years ago)."""
    latest = dt.date(today.year - 18, 1, 1)
    born = dt.date(1945, 1, 1) + dt.timedelta(days=rng.randrange((latest - dt.date(1945, 1, 1)).days))
    first17 = f"{rng.choice(_AREA_CODES)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_digit(first17)


def mobile(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def petitioners(
    rng: random.Random, today: dt.date, address: str, *, count: int = 1, representatives: bool = False
) -> list[PetitionerInput]:
    out = []
    for i in range(count):
        # Some letters and calls come without an identity number; the registrar records what there is.
        with_id = rng.random() < 0.88
        out.append(
            PetitionerInput(
                name=person_name(rng),
                id_number=id_number(rng, today) if with_id else "",
                phone=mobile(rng),
                address=address,
                is_main=i == 0,
                is_representative=representatives,
            )
        )
    return out


def fill(topic: Topic, rng: random.Random, *, township: str, village: str, place: str, dept: str = "") -> Filled:
    values = {
        "township": township,
        "village": village,
        "place": place,
        "dept": dept,
        "company": rng.choice(_COMPANIES),
        "project": rng.choice(_PROJECTS),
        "land_project": rng.choice(_LAND_PROJECTS),
        "estate": rng.choice(_ESTATES),
        "factory": rng.choice(_FACTORIES),
        "school": rng.choice(_SCHOOLS),
        "hospital": rng.choice((*_HOSPITALS, f"{township}卫生院")),
        "shop": rng.choice(_SHOPS),
        "road": rng.choice((f"{township}至县城公路", f"{village}村道", f"县道X213{township}段")),
        "other": person_name(rng),
        "amount": str(rng.choice((3, 5, 8, 12, 15, 23, 36, 48, 60))),
        "amount2": f"{rng.randrange(3, 90) * 1000 + rng.choice((0, 500))}",
        "count": str(rng.randrange(6, 60)),
        "mu": str(rng.randrange(40, 400)),
        "mu2": f"{rng.randrange(12, 60) / 10:.1f}",
        "fee": f"{rng.choice((0.6, 0.8, 1.0, 1.2))}",
        "km": str(rng.randrange(3, 9)),
        "months": str(rng.randrange(4, 20)),
        "month": str(rng.randrange(1, 10)),
        "year": str(rng.choice((2021, 2022, 2023, 2024, 2025))),
        "age": str(rng.randrange(55, 78)),
    }
    return Filled(
        topic=topic,
        title=rng.choice(topic.titles).format(**values),
        content=topic.content.format(**values),
        values=values,
    )
