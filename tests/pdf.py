"""Reading a PDF's text back with pdftotext (Debian's poppler-utils).

Where the tool is missing the tests skip with the reason, except under CI=true, where it is a failure.
"""

import os
import shutil
import subprocess

import pytest


def pdf_text(content: bytes, tmp_path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        reason = "pdftotext is not installed (Debian package poppler-utils; make test installs it as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: PDF tests must run)")
        pytest.skip(reason)
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
