"""A PDF of an issued document, made by LibreOffice where the server has it installed.

Optional by design: the .docx as issued and the browser's print view need nothing but this project, so a
county without LibreOffice loses only the 「PDF」 link. It is looked up at run time (``soffice_path``), not
configured, so installing or removing the package takes effect without a restart.

Each conversion runs in a temporary directory of its own, with its own LibreOffice profile inside it: two
conversions sharing a profile wait on its lock (or the second one exits at once without writing anything).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

# A one-page notice converts in 2–3 seconds, most of it starting LibreOffice with a fresh profile; a hung
# conversion must not hold a server thread for longer than someone waits at a printer.
TIMEOUT_SECONDS = 60


def soffice_path() -> str | None:
    """The LibreOffice executable on this machine, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx_bytes: bytes, *, timeout: float = TIMEOUT_SECONDS) -> bytes | None:
    """``docx_bytes`` converted to PDF, or None: LibreOffice missing, failing, or slower than ``timeout``."""
    executable = soffice_path()
    if executable is None:
        return None
    with tempfile.TemporaryDirectory(prefix="xinfang-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(docx_bytes)
        command = [
            executable,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ]
        # A session of its own: soffice starts soffice.bin as a child, and a timeout must stop both.
        process = subprocess.Popen(  # noqa: S603 (fixed arguments; the executable comes from PATH lookup)
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # it ended between the timeout and the kill
            process.communicate()
            logger.warning("LibreOffice did not convert a document to PDF within %s seconds", timeout)
            return None
        result = work / "document.pdf"
        if process.returncode != 0 or not result.exists():
            logger.warning(
                "LibreOffice failed to convert a document to PDF (exit %s): %s",
                process.returncode,
                err.decode("utf-8", "replace")[-500:],
            )
            return None
        return result.read_bytes()
