"""Settings for the test suite: the same as production, with a fixed key and fast password hashing."""

import os

os.environ.setdefault("XINFANG_SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("XINFANG_DEBUG", "false")
# SMS to the terminal (pytest captures it) rather than a file in the data directory; Django's test runner
# sends e-mail to mail.outbox. Tests of the file and gateway backends set their own (tests/notifications).
os.environ.setdefault("XINFANG_SMS_BACKEND", "console")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The test client speaks plain HTTP; production redirects it (tests/workbench/test_headers.py checks that).
SECURE_SSL_REDIRECT = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are collected only for real deployments (tests/test_serve.py covers that path).
STATIC_ROOT = None
