"""Jobs of higher layers that the daily job runs (``xinfang tick`` lives in ``cases`` and may not import them).

An app registers its job in ``AppConfig.ready``; ``tick`` runs every registered job after its own work, in the
order of registration, each given the day being run. A job must be idempotent (tick may run twice or on two
servers) and returns a line for the log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

_JOBS: dict[str, Callable[[dt.date | None], str]] = {}


def register(name: str, job: Callable[[dt.date | None], str]) -> None:
    _JOBS[name] = job


def jobs() -> list[tuple[str, Callable[[dt.date | None], str]]]:
    return list(_JOBS.items())
