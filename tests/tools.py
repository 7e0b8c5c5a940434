"""System tools some tests drive (Chromium, zbar, poppler, the PDF fonts), and what they read from a PDF.

Where a tool is missing the test skips with the reason and the package to install, except under
CI=true, where it is a failure: CI must run every test.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from core.pdf_fonts import pdf_fonts


def missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: these tests must run)")
    pytest.skip(reason)


def require_tool(name: str, *, package: str) -> str:
    """The tool's path; skips (fails under CI) when it is not installed."""
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed (Debian package '{package}'; make test installs it as root)")
    return path


def require_pdf_fonts() -> None:
    """Skips (fails under CI) unless the PDFs are set in the TrueType fonts that cover every script."""
    fonts = pdf_fonts()
    if not fonts.embedded or not fonts.cjk:
        missing("the PDF fonts are not installed (Debian packages 'fonts-dejavu-core' and 'fonts-wqy-zenhei'; "
                "make test installs them as root)")


def pdf_page_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text of each page, as poppler's pdftotext reads it."""
    pdftotext = require_tool("pdftotext", package="poppler-utils")
    source = tmp_path / "text.pdf"
    source.write_bytes(pdf)
    text = subprocess.run([pdftotext, "-layout", str(source), "-"], capture_output=True, check=True, text=True).stdout
    return text.split("\f")[:-1]  # every page ends with a form feed


def barcodes_on_pages(pdf: bytes, tmp_path: Path, *, dpi: int = 203, scan_dpi: int | None = None) -> list[list[str]]:
    """What a barcode reader decodes on each page rendered at `dpi` (the thermal printer's 203 by default),
    and, with `scan_dpi`, read back at that lower resolution: each scanner pixel the average of the
    printed area it covers (Pillow's box filter), as a flatbed's or a phone camera's sensor sees it."""
    pdftoppm = require_tool("pdftoppm", package="poppler-utils")
    zbarimg = require_tool("zbarimg", package="zbar-tools")
    source = tmp_path / "scan.pdf"
    source.write_bytes(pdf)
    subprocess.run([pdftoppm, "-r", str(dpi), "-png", str(source), str(tmp_path / "page")], check=True)
    decoded = []
    for image in sorted(tmp_path.glob("page-*.png"), key=lambda path: int(path.stem.rsplit("-", 1)[1])):
        if scan_dpi:
            with Image.open(image) as printed:
                size = (round(printed.width * scan_dpi / dpi), round(printed.height * scan_dpi / dpi))
                printed.convert("L").resize(size, Image.Resampling.BOX).save(image)
        # zbarimg exits 4 when it finds no barcode: that is an answer here, not an error. Labels carry Code128
        # only: other symbologies would read stray digits of the slip's text as a barcode now and then.
        result = subprocess.run([zbarimg, "--raw", "-q", "-Sdisable", "-Scode128.enable", str(image)],
                                capture_output=True, text=True)
        decoded.append(result.stdout.split())
    return decoded
