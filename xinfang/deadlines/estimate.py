"""The estimated holidays of a year whose official schedule is not yet loaded (decisions §2, provisional clocks).

The State Council publishes each year's schedule (with its 调休 make-up working weekends) in November; until an
administrator loads and confirms it, the workflow still has to start statutory clocks. It then counts with the
statutory holidays of 《全国年节及纪念日放假办法》 as python-holidays' China calendar estimates them, including its
estimated 补休 (observed) days, and **without** any make-up working weekend: nobody can know those in advance, and
leaving them out can only make a provisional date later, never earlier than a weekday-only guess. No Django here.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

__all__ = ["estimated_days_off"]

# python-holidays names a day off moved from a weekend 「休息日（由 YYYY-MM-DD 调休）」; such a day only exists
# together with a make-up working weekend, which the estimate leaves out, so it is left out too.
_SUBSTITUTED_PREFIX = "休息日（由"


@lru_cache(maxsize=64)
def _days(year: int) -> tuple[tuple[dt.date, str], ...]:
    import holidays

    china = holidays.China(years=year, language="zh_CN")
    return tuple(sorted((d, name) for d, name in china.items() if d.year == year and not name.startswith(_SUBSTITUTED_PREFIX)))


def estimated_days_off(year: int) -> dict[dt.date, str]:
    """Every estimated day off of ``year`` (statutory holidays and their 补休 days) with its Chinese name."""
    return dict(_days(year))
