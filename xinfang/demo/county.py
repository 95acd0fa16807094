"""The demo county 清河县: its unit tree and one login per duty, created through ``xinfang.orgs.services``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from xinfang.orgs.models import Unit, UnitKind, User
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import unit_create, unit_set_leaders, user_create

DEFAULT_PASSWORD = "xinfang-demo-2026"

CITY = ("江州市人民政府", "JZS", "市政府")
COUNTY = ("清河县委县政府", "QHX", "县委县政府")
BUREAU = ("清河县信访局", "XFJ", "县信访局")
# The 机关代字 of the units above, in the unit's document numbers (清信转〔2026〕1号).
CITY_PREFIX, COUNTY_PREFIX, BUREAU_PREFIX = "江政", "清政", "清信"

# (name, code, short name, prefix of the unit's document numbers)
DEPARTMENTS = [
    ("清河县住房和城乡建设局", "ZJJ", "县住建局", "清住建"),
    ("清河县人力资源和社会保障局", "RSJ", "县人社局", "清人社"),
    ("清河县自然资源局", "ZRJ", "县自然资源局", "清自然资源"),
    ("清河县教育局", "JYJ", "县教育局", "清教"),
    ("清河县卫生健康局", "WJJ", "县卫健局", "清卫健"),
    ("清河县生态环境局", "STJ", "县生态环境局", "清环"),
    ("清河县市场监督管理局", "SJJ", "县市场监管局", "清市监"),
    ("清河县交通运输局", "JTJ", "县交通运输局", "清交"),
]
LEGAL = [("清河县公安局", "GAJ", "县公安局"), ("清河县人民法院", "FY", "县法院")]
DISCIPLINE = ("清河县纪委监委", "JWJ", "县纪委监委")

# (name, code, document prefix, head's title, villages/communities as (name, code))
TOWNSHIPS = [
    ("城关街道", "CGJD", "城关街", "主任", [("东关社区", "DGSQ"), ("西关社区", "XGSQ"), ("南门社区", "NMSQ")]),
    ("河口镇", "HKZ", "河口", "镇长", [("河口村", "HKC"), ("柳树湾村", "LSWC"), ("渡口村", "DKC")]),
    ("桃源镇", "TYZ", "桃源", "镇长", [("桃源村", "TYC"), ("杏花村", "XHC")]),
    ("白马乡", "BMX", "白马", "乡长", [("白马村", "BMC"), ("青龙村", "QLC"), ("石桥村", "SQC")]),
    ("龙泉镇", "LQZ", "龙泉", "镇长", [("龙泉村", "LQC"), ("高岭村", "GLC")]),
    ("西山乡", "XSX", "西山", "乡长", [("西山村", "XSC"), ("松林村", "SLC"), ("茶园村", "CYC")]),
]


def demo_unit_codes() -> list[str]:
    codes = [CITY[1], COUNTY[1], BUREAU[1], *(d[1] for d in DEPARTMENTS), *(u[1] for u in LEGAL), DISCIPLINE[1]]
    for _name, code, _prefix, _title, villages in TOWNSHIPS:
        codes.append(code)
        codes.extend(v[1] for v in villages)
    return codes


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈姚卢姜崔钟谭陆汪范金石廖贾夏付方邹孟熊秦江"
_GIVEN = "建国华明军伟志强海涛文斌丽敏静燕红霞芳玉兰晓春秋秀英国庆永刚德胜立新宏宇振东俊杰雪梅桂芝淑珍凤琴晨阳"


@dataclass
class Login:
    user: User
    unit: Unit
    roles: str


@dataclass
class County:
    """Handles to the demo units and the people who act for them."""

    city: Unit
    county: Unit
    bureau: Unit
    departments: dict[str, Unit]
    legal: dict[str, Unit]
    discipline: Unit
    townships: list[Unit]
    villages: dict[int, list[Unit]]  # township pk → its villages
    doc_prefix: dict[int, str]
    registrars: list[User] = field(default_factory=list)
    handlers: dict[int, User] = field(default_factory=dict)
    heads: dict[int, User] = field(default_factory=dict)
    county_leader: User | None = None
    supervisor: User | None = None
    city_reviewer: User | None = None
    logins: list[Login] = field(default_factory=list)

    @property
    def units(self) -> list[Unit]:
        out = [self.city, self.county, self.bureau, *self.departments.values(), *self.legal.values(), self.discipline]
        for town in self.townships:
            out.append(town)
            out.extend(self.villages[town.pk])
        return out

    def township_of(self, unit: Unit) -> Unit:
        return unit if unit.kind == UnitKind.TOWNSHIP else next(t for t in self.townships if t.pk == unit.parent_id)


class _People:
    """Staff names and the users themselves; names come from a fixed generator so the login table (and a
    README quoting it) stays the same whatever ``--seed`` is."""

    def __init__(self, county: County, password_hash: str) -> None:
        self.county = county
        self.password_hash = password_hash
        self.rng = random.Random(20261126)
        self.used: set[str] = set()

    def name(self) -> str:
        while True:
            given = "".join(self.rng.choice(_GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
            full = self.rng.choice(_SURNAMES) + given
            if full not in self.used:
                self.used.add(full)
                return full

    def add(
        self, username: str, unit: Unit, roles: list[tuple[str, Unit]], title: str, *, admin: bool = False
    ) -> User:
        # Hashing the shared demo password once instead of once per user saves about half a second per
        # login; the password is public anyway, so a shared salt reveals nothing.
        user = user_create(
            username=username,
            password=None,
            password_hash=self.password_hash,
            full_name=self.name(),
            unit=unit,
            roles=roles,
            phone=f"0791-{8610000 + len(self.county.logins) * 7:07d}",
            is_staff=admin,
            is_superuser=admin,
        )
        labels = "、".join(Role(r).label for r, _ in roles)
        self.county.logins.append(Login(user=user, unit=unit, roles=f"{title}：{labels}" if title else labels))
        return user


def _set_leaders(unit: Unit, *, head: User, party_secretary: User | None = None) -> None:
    unit_set_leaders(unit=unit, head=head, party_secretary=party_secretary)


def _set_doc_prefix(unit: Unit, prefix: str) -> None:
    # The 机关代字 an administrator would fill in for the unit; without it numbering derives a stopgap.
    unit.doc_prefix = prefix
    unit.save(update_fields=["doc_prefix"])


def build_county(password: str) -> County:
    city = unit_create(name=CITY[0], code=CITY[1], kind=UnitKind.CITY, short_name=CITY[2])
    county_unit = unit_create(name=COUNTY[0], code=COUNTY[1], kind=UnitKind.COUNTY, parent=city, short_name=COUNTY[2])
    bureau = unit_create(name=BUREAU[0], code=BUREAU[1], kind=UnitKind.BUREAU, parent=county_unit, short_name=BUREAU[2])
    doc_prefix: dict[int, str] = {city.pk: CITY_PREFIX, county_unit.pk: COUNTY_PREFIX, bureau.pk: BUREAU_PREFIX}
    departments = {}
    for name, code, short, prefix in DEPARTMENTS:
        unit = unit_create(name=name, code=code, kind=UnitKind.DEPARTMENT, parent=county_unit, short_name=short)
        departments[code] = unit
        doc_prefix[unit.pk] = prefix
    legal = {
        code: unit_create(name=name, code=code, kind=UnitKind.LEGAL, parent=county_unit, short_name=short)
        for name, code, short in LEGAL
    }
    discipline = unit_create(
        name=DISCIPLINE[0], code=DISCIPLINE[1], kind=UnitKind.DISCIPLINE, parent=county_unit, short_name=DISCIPLINE[2]
    )
    townships, villages = [], {}
    for name, code, prefix, _title, village_rows in TOWNSHIPS:
        town = unit_create(name=name, code=code, kind=UnitKind.TOWNSHIP, parent=county_unit, short_name=name)
        townships.append(town)
        doc_prefix[town.pk] = prefix
        villages[town.pk] = [
            unit_create(name=v_name, code=v_code, kind=UnitKind.VILLAGE, parent=town, short_name=v_name)
            for v_name, v_code in village_rows
        ]

    for unit in (city, county_unit, bureau, *departments.values(), *townships):
        _set_doc_prefix(unit, doc_prefix[unit.pk])
    c = County(
        city=city,
        county=county_unit,
        bureau=bureau,
        departments=departments,
        legal=legal,
        discipline=discipline,
        townships=townships,
        villages=villages,
        doc_prefix=doc_prefix,
    )
    people = _People(c, make_password(password))
    R = Role

    c.city_reviewer = people.add("jzs_fuhe", city, [(R.UNIT_HEAD, city)], "市复核机关负责人")
    _set_leaders(city, head=c.city_reviewer)
    people.add("xf_admin", bureau, [(R.ADMINISTRATOR, city)], "", admin=True)

    county_head = people.add("qhx_xianzhang", county_unit, [(R.UNIT_HEAD, county_unit)], "县长")
    _set_leaders(county_unit, head=county_head)
    c.county_leader = people.add("qhx_lingdao", county_unit, [(R.LEADER, county_unit)], "分管信访工作副县长")
    c.supervisor = people.add("qhx_ducha", county_unit, [(R.SUPERVISOR, county_unit)], "县委县政府督查室")

    bureau_head = people.add(
        "xfj_juzhang", bureau, [(R.UNIT_HEAD, bureau), (R.REGISTRAR, bureau)], "信访局局长"
    )
    _set_leaders(bureau, head=bureau_head)
    c.heads[bureau.pk] = bureau_head
    c.registrars = [
        people.add("xfj_dengji", bureau, [(R.REGISTRAR, bureau)], "接访登记"),
        people.add("xfj_dengji2", bureau, [(R.REGISTRAR, bureau)], "网信登记"),
    ]

    for _name, code, _short, _prefix in DEPARTMENTS:
        unit = departments[code]
        head = people.add(f"{code.lower()}_fuze", unit, [(R.UNIT_HEAD, unit)], "局长")
        _set_leaders(unit, head=head)
        c.heads[unit.pk] = head
        c.handlers[unit.pk] = people.add(f"{code.lower()}_chengban", unit, [(R.HANDLER, unit)], "信访承办")
    for unit, title in ((legal["GAJ"], "局长"), (legal["FY"], "院长"), (discipline, "书记、主任")):
        head = people.add(f"{unit.code.lower()}_fuze", unit, [(R.UNIT_HEAD, unit)], title)
        _set_leaders(unit, head=head)
        c.heads[unit.pk] = head

    for town, (_name, code, _prefix, title, _villages) in zip(townships, TOWNSHIPS, strict=True):
        head = people.add(f"{code.lower()}_fuze", town, [(R.UNIT_HEAD, town)], title)
        secretary = people.add(f"{code.lower()}_shuji", town, [(R.LEADER, town)], "党（工）委书记")
        _set_leaders(town, head=head, party_secretary=secretary)
        c.heads[town.pk] = head
        c.handlers[town.pk] = people.add(f"{code.lower()}_chengban", town, [(R.HANDLER, town)], "信访办承办")
        for village in villages[town.pk]:
            village_title = "社区党组织书记、居委会主任" if village.name.endswith("社区") else "村党支部书记、村委会主任"
            v_head = people.add(f"{village.code.lower()}_fuze", village, [(R.UNIT_HEAD, village)], village_title)
            _set_leaders(village, head=v_head)
            c.heads[village.pk] = v_head
    # Added last so that the generated names of everyone above stay as they were.
    people.add("xfj_shenji", bureau, [(R.AUDITOR, county_unit)], "个人信息查看审计")
    return c
