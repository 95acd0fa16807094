"""The message settings come from the environment, typed; a bad value stops start-up with a message naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "import config.settings as s; "
    "print(s.XINFANG_SMS_BACKEND, s.EMAIL_BACKEND.rsplit('.', 2)[1], s.XINFANG_SMS_FILE, s.XINFANG_NOTIFY_LEASE_SECONDS)"
)


def load(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("XINFANG_", "DJANGO_"))}
    base.update({"XINFANG_SECRET_KEY": "k", "XINFANG_DATA_DIR": "/srv/xinfang"}, **env)
    return subprocess.run([sys.executable, "-c", PRINT], cwd=ROOT, env=base, capture_output=True, text=True)


def test_defaults_keep_messages_in_files_in_production_and_on_the_console_in_development():
    assert load().stdout.split() == ["file", "filebased", "/srv/xinfang/messages/sms.jsonl", "300"]
    assert load(XINFANG_DEBUG="true").stdout.split()[:2] == ["console", "console"]


def test_a_gateway_and_an_smtp_server_are_configured_by_environment(tmp_path):
    token = tmp_path / "token"
    token.write_text("secret-from-file\n")
    done = load(XINFANG_SMS_BACKEND="HTTP", XINFANG_SMS_HTTP_URL="https://sms.example.gov.cn/send",
                XINFANG_SMS_HTTP_TOKEN_FILE=str(token), XINFANG_EMAIL_BACKEND="smtp", XINFANG_NOTIFY_LEASE_SECONDS="600")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:2] == ["http", "smtp"] and done.stdout.split()[3] == "600"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"XINFANG_SMS_BACKEND": "pigeon"}, "XINFANG_SMS_BACKEND='pigeon' 无效，可选：console、file、http"),
        ({"XINFANG_SMS_BACKEND": "http"}, "XINFANG_SMS_BACKEND=http 需要 XINFANG_SMS_HTTP_URL"),
        ({"XINFANG_SMS_BACKEND": "http", "XINFANG_SMS_HTTP_URL": "ftp://x"}, "需要 XINFANG_SMS_HTTP_URL"),
        ({"XINFANG_SMS_BACKEND": "http", "XINFANG_SMS_HTTP_URL": "https://sms.example.gov.cn/send"},
         "需要 XINFANG_SMS_HTTP_TOKEN 或 XINFANG_SMS_HTTP_TOKEN_FILE"),
        ({"XINFANG_EMAIL_BACKEND": "carrier"}, "XINFANG_EMAIL_BACKEND='carrier' 无效"),
        ({"XINFANG_EMAIL_TLS": "true", "XINFANG_EMAIL_SSL": "true"}, "只能选一个"),
        ({"XINFANG_NOTIFY_LEASE_SECONDS": "5"}, "XINFANG_NOTIFY_LEASE_SECONDS=5 过小，至少为 30"),
        ({"XINFANG_NOTIFY_MAX_ATTEMPTS": "many"}, "XINFANG_NOTIFY_MAX_ATTEMPTS='many' 不是整数"),
    ],
)
def test_a_bad_value_stops_start_up_naming_it(env, message):
    done = load(**env)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and message in done.stderr, done.stderr
