"""Fixtures of the documents tests: a small stand-in for the renderer, and an administrator.

The services import ``documents.render`` and ``documents.context`` when they issue; these tests replace
their functions with fakes that write the context into a real minimal .docx, so what the services store
(number, date, template version) can be read back from the file. The renderer's own layout is tested with
the renderer.
"""

from __future__ import annotations

import io

import pytest
import time_machine


def docx_bytes(*paragraphs: str) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_text(content: bytes) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)


@pytest.fixture(autouse=True)
def _fresh_storage(settings):
    """A new in-memory storage per test: the database is rolled back after each test, the storage is not, and
    item numbers repeat from test to test (the storage would then give the file another name)."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


@pytest.fixture
def december_first():
    """Today is 2026-12-01 (Shanghai): issue and delivery dates are checked against today."""
    with time_machine.travel("2026-12-01 10:00:00+08:00", tick=False):
        yield


@pytest.fixture
def fake_renderer(monkeypatch):
    """Replace render/context with fakes; ``calls`` lists the (kind, context, template) of every render."""
    calls: list[tuple[str, dict, bytes | None]] = []

    def build_context(case, kind, *, number, issued_on, extra=None):
        return {"case_number": case.number, "kind": kind, "number": number, "issued_on": issued_on,
                **(extra or {})}

    def default_template(kind):
        return docx_bytes("builtin template"), "builtin-1"

    def render_docx(kind, context, template=None):
        calls.append((kind, context, template))
        marker = docx_text(template) if template else ""
        return docx_bytes(f"{context['number']}|{context['issued_on']}|{kind}|{context.get('body', '')}|{marker}")

    from xinfang.documents import context, render

    monkeypatch.setattr(context, "build_context", build_context)
    monkeypatch.setattr(render, "default_template", default_template)
    monkeypatch.setattr(render, "render_docx", render_docx)
    return calls


@pytest.fixture
def admin_user(county):
    from xinfang.orgs.permissions import Role
    from xinfang.orgs.services import user_create

    return user_create(username="admin_xf", password="Xinfang-2026", full_name="管理员", unit=county.bureau,
                       roles=[(Role.ADMINISTRATOR, county.city)])
