"""`xinfang serve` is a real production server: gunicorn serving the app, whitenoise serving static files."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XINFANG_", "DJANGO_"))}
    env.update(
        XINFANG_DATA_DIR=str(tmp_path),
        XINFANG_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        XINFANG_SECURE_COOKIES="false",
        **extra,
    )
    return env


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xinfang.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_missing_secret_key_fails_with_chinese_message(tmp_path):
    result = _cli("check", env=_env(tmp_path))
    assert result.returncode != 0
    assert "未设置 XINFANG_SECRET_KEY" in result.stderr


def test_serve_runs_gunicorn_with_static_files(tmp_path):
    env = _env(tmp_path, XINFANG_SECRET_KEY="serve-test-key")
    for args in (("migrate", "--noinput", "-v", "0"), ("collectstatic", "--noinput", "-v", "0")):
        done = _cli(*args, env=env)
        assert done.returncode == 0, done.stderr
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "xinfang.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=2) as resp:
                    assert resp.status == 200
                    body = resp.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert "信访通" in body and "登录" in body
        css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]+\.css)"', body)
        assert css, "static files should be served with hashed names (whitenoise manifest)"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{css.group(1)}", timeout=5) as resp:
            assert resp.status == 200 and "max-age" in resp.headers.get("Cache-Control", "")
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert "gunicorn" in out.lower() or "Booting worker" in out


@pytest.mark.django_db
def test_admin_is_chinese_and_closed_to_non_staff(client, county):
    from xinfang.orgs.services import user_create

    admin = user_create(username="root", password="pw-Admin-2026", full_name="管理员", unit=county.city,
                        is_staff=True, is_superuser=True)
    client.force_login(county.li)
    resp = client.get("/admin/cases/case/")
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]
    client.force_login(admin)
    resp = client.get("/admin/")
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "系统配置" in text and "单位" in text and "信访件" in text
    # items are not in the admin at all: petition content and personal data are read only in the workbench,
    # through the disclosure door that logs every view (docs/secrecy.md)
    assert client.get("/admin/cases/case/add/").status_code == 404
    assert client.get("/admin/cases/case/").status_code == 404
    assert client.get("/admin/cases/clock/add/").status_code == 403  # clocks change only through the workflow
