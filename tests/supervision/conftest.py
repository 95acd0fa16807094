"""Supervision fixtures: today is frozen (calendar data ends with 2026) and items are driven by the real services."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def at():
    """``at(date)``: freeze today at ``date`` (10:00 Beijing time) until the test ends or the next call."""
    travellers = []

    def move(day: dt.date):
        if travellers:
            travellers.pop().stop()
        t = time_machine.travel(dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=CST), tick=False)
        t.start()
        travellers.append(t)

    yield move
    if travellers:
        travellers.pop().stop()
