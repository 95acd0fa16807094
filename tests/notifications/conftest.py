from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
import time_machine

from xinfang.notifications import backends

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def frozen():
    """The clock stands still at ``NOW``; ``frozen.shift(...)`` moves it on (time_machine, no wall clock)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sms_file(settings, tmp_path):
    """The file SMS backend, writing to a fresh file of this test."""
    path = tmp_path / "sms.jsonl"
    settings.XINFANG_SMS_BACKEND = "file"
    settings.XINFANG_SMS_FILE = str(path)
    return path


def file_records(path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ids_written(path) -> Counter:
    return Counter(r["id"] for r in file_records(path))


@pytest.fixture
def flaky_backend():
    """Replace a channel's deliverer for one test: ``flaky_backend("sms", deliver)``; restored afterwards."""
    saved: dict[str, backends.Backend | None] = {}

    def install(channel, deliver, same_database=False):
        if channel not in saved:
            saved[channel] = backends.registered(channel)
        backends.register(channel, deliver, same_database=same_database)

    yield install
    for channel, previous in saved.items():
        backends.restore(channel, previous)
