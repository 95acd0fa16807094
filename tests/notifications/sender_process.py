"""One sender process for tests/notifications/test_concurrent_senders.py.

``python -m tests.notifications.sender_process READY GO [--hang-after N --hang-channel CHANNEL --hung FILE]``

Sets Django up (database and SMS file from the environment), touches READY, waits for GO to exist so that all
senders start together, then runs ``xinfang notify``. With ``--hang-after N`` it stops for good right after
its N-th delivery on CHANNEL — after the backend delivered the message, before the sender recorded it — and
writes that message's id to FILE, so the test can kill it at the worst moment.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("ready")
    parser.add_argument("go")
    parser.add_argument("--hang-after", type=int, default=0)
    parser.add_argument("--hang-channel", default="sms")
    parser.add_argument("--hung")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django

    django.setup()
    from django.core.management import call_command

    from xinfang.notifications import backends

    if args.hang_after:
        real = backends.registered(args.hang_channel)
        assert real is not None
        delivered = 0

        def deliver_then_hang(message):
            nonlocal delivered
            real.deliver(message)
            delivered += 1
            if delivered >= args.hang_after:
                Path(args.hung).write_text(str(message.pk))
                while True:  # until the test kills this process
                    time.sleep(1)

        backends.register(args.hang_channel, deliver_then_hang, same_database=real.same_database)

    Path(args.ready).touch()
    while not Path(args.go).exists():
        time.sleep(0.005)
    call_command("notify")


if __name__ == "__main__":
    main()
