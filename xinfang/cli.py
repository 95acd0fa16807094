"""The ``xinfang`` console script.

``xinfang <command>`` runs the project's management commands (``xinfang demo``, ``xinfang tick``,
``xinfang deadline …``, ``xinfang calendar …``, ``xinfang migrate`` …). ``xinfang serve`` runs the
production WSGI server (gunicorn) instead of Django's development server.
"""

from __future__ import annotations

import os
import sys


def _serve(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="xinfang serve", description="以生产模式运行信访通（gunicorn）")
    parser.add_argument("--bind", default=os.environ.get("XINFANG_BIND", "127.0.0.1:8000"), help="监听地址")
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("XINFANG_WORKERS", "3")), help="工作进程数"
    )
    parser.add_argument("--threads", type=int, default=int(os.environ.get("XINFANG_THREADS", "2")))
    args = parser.parse_args(argv)

    from gunicorn.app.wsgiapp import run

    sys.argv = [
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        args.bind,
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--access-logfile",
        "-",
        "--forwarded-allow-ips",
        os.environ.get("XINFANG_FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ]
    run()


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    argv = sys.argv[1:]
    if argv and argv[0] == "serve":
        _serve(argv[1:])
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["xinfang", *argv])


if __name__ == "__main__":
    main()
