"""Which organ hears the next remedy, and the name it goes by on a written document.

One place for the rule of [T22-35]: the 复查 (and then 复核) organ is the 上一级行政机关 of the organ that
decided. The unit tree models the county level as one node of kind ``county`` named like 「县委县政府」 or
「清河县委县政府」 (the party committee and the government share the county's petition work); but a review is
an administrative act, so on a document that node is the county PEOPLE'S GOVERNMENT, never 县委.
"""

from __future__ import annotations

import re

from xinfang.orgs.models import Unit, UnitKind

# 「清河县委县政府」/「县委县政府」/「江州市委市政府」/「清河县政府」 → 「清河县人民政府」… The level word (县/区/市/旗)
# is kept; a name that already says 人民政府 is used as it is. Another naming needs a new pattern here.
_PARTY_AND_GOVERNMENT = re.compile(r"(?P<place>.*?)(?P<level>县|区|市|旗)(?:委(?P=level)?)?(?:人民)?政府")


def government_name(unit: Unit) -> str:
    """The name an administrative organ signs or is addressed by: 「清河县人民政府」 for 「清河县委县政府」."""
    name = unit.name
    if unit.kind == UnitKind.TOWNSHIP:
        # 「东街镇」 signs as 「东街镇人民政府」, 「城关街道」 as 「城关街道办事处」.
        if name.endswith(("镇", "乡")):
            return f"{name}人民政府"
        if name.endswith("街道"):
            return f"{name}办事处"
        return name
    if unit.kind not in (UnitKind.COUNTY, UnitKind.CITY) or "人民政府" in name:
        return name
    match = _PARTY_AND_GOVERNMENT.fullmatch(name)
    if match is None:
        return name
    return f"{match['place']}{match['level']}人民政府"


def higher_organ(unit: Unit) -> Unit | None:
    """复查/复核机关: the organ one level above ``unit`` ([T22-35]); the 信访部门 and villages are not organs
    that review, so they are skipped."""
    parent = unit.parent
    while parent is not None and parent.kind in (UnitKind.BUREAU, UnitKind.VILLAGE):
        parent = parent.parent
    return parent
