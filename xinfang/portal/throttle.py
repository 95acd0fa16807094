"""Counters of what visitors do on the portal, per key (the visitor's address, a code tried, a phone number), kept
in Django's cache for a fixed window.

- Query: ten failed attempts within fifteen minutes block that key until the window ends: enough for typing
  mistakes, far too few to guess a ten-character code (``blocked``/``failed``).
- 网上信访: submissions per phone number (3 a day) and per address (10 an hour), and wrong answers to the
  image challenge per address; the numbers are settings (``submit_limits``).

The default cache is per process; a deployment with several workers configures a shared cache (``CACHES``) so
the counts are shared too. Reading and writing a count are two cache calls: two requests at the same moment
may both pass the last free slot, which a limit meant against floods, not against one extra item, tolerates.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    """At most ``count`` events per key within ``seconds`` from the first one."""

    prefix: str
    count: int
    seconds: int


LIMIT = 10
WINDOW_SECONDS = 15 * 60
_PREFIX = "portal-query:"
QUERY = Limit(_PREFIX, LIMIT, WINDOW_SECONDS)


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.:\-]{1,120}")


def _cache_key(limit: Limit, key: str) -> str:
    # A typed query code may hold anything (control characters, spaces, 20 characters of it); memcached and
    # other shared caches refuse such keys, so anything but plain ASCII is hashed.
    if _PLAIN_KEY.fullmatch(key) is None:
        key = "h:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
    return limit.prefix + key


def wait_seconds(key: str, limit: Limit) -> int:
    """Seconds until ``key`` may act again under ``limit``; 0 if it may now."""
    now = time.time()
    count, started = cache.get(_cache_key(limit, key), (0, now))
    if count >= limit.count and now - started < limit.seconds:
        return math.ceil(limit.seconds - (now - started))
    return 0


def record(key: str, limit: Limit) -> None:
    """Count one event of ``key``; the window starts with the first event and is not extended by later ones."""
    now = time.time()
    count, started = cache.get(_cache_key(limit, key), (0, now))
    if now - started >= limit.seconds:
        count, started = 0, now
    remaining = max(1, math.ceil(limit.seconds - (now - started)))
    cache.set(_cache_key(limit, key), (count + 1, started), remaining)


def blocked(keys: list[str]) -> int:
    """Minutes to wait if any key has reached the query limit, else 0."""
    waits = [wait_seconds(key, QUERY) for key in keys]
    return math.ceil(max(waits) / 60) if any(waits) else 0


def failed(keys: list[str]) -> None:
    for key in keys:
        record(key, QUERY)


# --- 网上信访 ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitLimits:
    per_phone: Limit
    per_address: Limit
    challenge_failures: Limit


def submit_limits() -> SubmitLimits:
    """The submission limits from the settings (read at each call, so a changed setting applies at once)."""
    return SubmitLimits(
        per_phone=Limit(
            "portal-submit-phone:", settings.XINFANG_PORTAL_SUBMITS_PER_PHONE,
            settings.XINFANG_PORTAL_PHONE_WINDOW_HOURS * 3600,
        ),
        per_address=Limit(
            "portal-submit-addr:", settings.XINFANG_PORTAL_SUBMITS_PER_ADDRESS,
            settings.XINFANG_PORTAL_ADDRESS_WINDOW_MINUTES * 60,
        ),
        challenge_failures=Limit("portal-challenge:", settings.XINFANG_PORTAL_CHALLENGE_FAILURES, WINDOW_SECONDS),
    )


def phone_key(phone: str) -> str:
    """The cache key of a phone number: keyed hash, so the cache never holds the number itself."""
    digest = hmac.new(settings.SECRET_KEY.encode(), phone.encode(), hashlib.sha256).hexdigest()
    return digest[:32]
