"""Shared error handling of the deadlines commands: a Chinese message on stderr and exit status 2."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from xinfang.core.errors import XinfangError

# Status 2 is what argparse uses for bad usage; scripts can tell "wrong input" from a crash (1).
EXIT_BAD_INPUT = 2


def run_or_exit(command: BaseCommand, action: Callable[[], Any]) -> Any:
    try:
        return action()
    except XinfangError as exc:
        command.stderr.write(str(exc))
        raise SystemExit(EXIT_BAD_INPUT) from None
    except DatabaseError as exc:
        command.stderr.write(f"无法读取期限数据：{exc}。如果是新安装，请先运行 xinfang migrate 初始化数据库。")
        raise SystemExit(EXIT_BAD_INPUT) from None
