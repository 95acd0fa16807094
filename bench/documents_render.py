"""Render every kind of written document from a real item to .docx, PDF and PNG, to look at them.

Run from the project root (LibreOffice and poppler-utils needed for PDF/PNG; the .docx files are written anyway):

    .venv/bin/python bench/documents_render.py [OUT_DIR]        # default /tmp/xinfang-documents

It runs under pytest only to borrow the test suite's fixtures (a fresh database with the small county of
tests/conftest.py); each item is driven through the real services (tests/documents/items.py). Not part of the
test suite: converting fourteen documents takes LibreOffice a while.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if __name__ != "__main__":  # under pytest, Django is configured: the fixtures and the project can be imported
    from tests.conftest import _deadline_reference_data, _history_dates, county, petition  # noqa: F401 (fixtures)
    from tests.documents.items import EXTRA, item_for
    from xinfang.documents.context import build_context
    from xinfang.documents.render import KINDS, render_docx
else:
    KINDS = ()

OUT = Path(os.environ.get("XINFANG_DOCUMENTS_OUT", "/tmp/xinfang-documents"))


@pytest.mark.parametrize("kind", KINDS)
def test_render_kind(kind, petition, county):  # noqa: F811 (fixtures imported above)
    OUT.mkdir(parents=True, exist_ok=True)
    case = item_for(kind, petition, county)
    number = f"清信{'转' if kind in ('transfer', 'assignment') else '告'}〔2026〕{KINDS.index(kind) + 1}号"
    context = build_context(case, kind, number=number, issued_on=dt.date(2026, 12, 1), extra=EXTRA.get(kind))
    path = OUT / f"{kind}.docx"
    path.write_bytes(render_docx(kind, context))
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice not installed: only the .docx was written")
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(OUT), str(path)],
                   check=True, capture_output=True, timeout=300)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile",
                        str(OUT / f"{kind}.pdf"), str(OUT / kind)], check=True, timeout=120)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        os.environ["XINFANG_DOCUMENTS_OUT"] = sys.argv[1]
    os.chdir(ROOT)
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT)]))
