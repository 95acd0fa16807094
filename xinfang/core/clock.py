"""The only place that reads the time, so tests can move it and every date is Asia/Shanghai."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    """Today's date in the configured time zone (Asia/Shanghai): the day that counts for deadlines."""
    return timezone.localdate(timezone.now())


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)
