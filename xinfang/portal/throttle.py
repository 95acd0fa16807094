"""Failed query attempts, counted per key (the visitor's address, the code tried) in Django's cache.

Ten failures within fifteen minutes block that key until the window ends: enough for typing mistakes,
far too few to guess a ten-character code. The default cache is per process; a deployment with several
workers configures a shared cache (``CACHES``) so the count is shared too.
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache

LIMIT = 10
WINDOW_SECONDS = 15 * 60
_PREFIX = "portal-query:"


def blocked(keys: list[str]) -> int:
    """Minutes to wait if any key has reached the limit, else 0."""
    now = time.time()
    waits = []
    for key in keys:
        count, started = cache.get(_PREFIX + key, (0, now))
        if count >= LIMIT and now - started < WINDOW_SECONDS:
            waits.append(WINDOW_SECONDS - (now - started))
    return math.ceil(max(waits) / 60) if waits else 0


def failed(keys: list[str]) -> None:
    now = time.time()
    for key in keys:
        count, started = cache.get(_PREFIX + key, (0, now))
        if now - started >= WINDOW_SECONDS:
            count, started = 0, now
        cache.set(_PREFIX + key, (count + 1, started), WINDOW_SECONDS)
