from __future__ import annotations

import pytest

from xinfang.deadlines import services


@pytest.fixture
def fresh_deadline_caches(db):
    """Tests edit the calendar inside a transaction that is rolled back afterwards; signals do not fire on
    rollback, so drop the in-process caches on both sides of each test to keep other tests unaffected."""
    services.invalidate_calendar_cache()
    services.invalidate_rule_cache()
    yield
    services.invalidate_calendar_cache()
    services.invalidate_rule_cache()
