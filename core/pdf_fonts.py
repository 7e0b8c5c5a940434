"""The fonts every PDF is set in, so that names and addresses in any script print as they are written.

reportlab embeds TrueType outlines only (not the CFF outlines of OpenType fonts such as Noto CJK) and
picks no other font for a letter its font lacks, so a line is cut into runs and each run is set in
the first face that has its letters: DejaVu Sans (Latin, Greek, Cyrillic and the symbols we print),
then WenQuanYi Zen Hei (Chinese, Japanese, Korean; it has no bold, so bold CJK is set regular).

The files are found by path, from Debian's packages fonts-dejavu-core and fonts-wqy-zenhei (the
settings PDF_FONT_REGULAR, PDF_FONT_BOLD, PDF_FONT_CJK and PDF_FONT_CJK_INDEX point elsewhere).
Without them a PDF is still made, and the log says once what is missing: without DejaVu the text is
Helvetica, whose letters outside cp1252 lose their accents (Łódź → Lodz) or read "?"; without the CJK
face, its letters read "?".
"""

import functools
import logging
import unicodedata
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

logger = logging.getLogger(__name__)

HELVETICA, HELVETICA_BOLD = "Helvetica", "Helvetica-Bold"
REGULAR, BOLD, CJK = "ReturnsSans", "ReturnsSans-Bold", "ReturnsCJK"
# Letters Helvetica's built-in encoding (cp1252) lacks and Unicode does not decompose.
_FOLD = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i"})


@dataclass(frozen=True)
class PdfFonts:
    """The registered fonts and which letters each has; one per process (pdf_fonts())."""

    regular: str
    bold: str
    cjk: str | None = None
    # The letters of the TrueType faces: empty when the text falls back to Helvetica.
    letters: frozenset[int] = field(default=frozenset(), repr=False)
    cjk_letters: frozenset[int] = field(default=frozenset(), repr=False)

    @property
    def embedded(self) -> bool:
        """Whether text is set in the TrueType faces (any script) rather than Helvetica."""
        return bool(self.letters)

    def runs(self, text: str, *, bold: bool = False) -> list[tuple[str, str]]:
        """`text` as (font, text) runs, each set in the first face that has its letters."""
        main = self.bold if bold else self.regular
        if not self.embedded:
            return [(main, _helvetica_text(text))] if text else []
        runs: list[tuple[str, str]] = []
        for char in unicodedata.normalize("NFC", text):
            font = main
            if ord(char) not in self.letters:
                if self.cjk and ord(char) in self.cjk_letters:
                    font = self.cjk
                elif not (char.isspace() or unicodedata.combining(char)):
                    char = "?"
            if runs and (runs[-1][0] == font or char.isspace()):
                runs[-1] = (runs[-1][0], runs[-1][1] + char)
            else:
                runs.append((font, char))
        return runs

    def width(self, text: str, size: float, *, bold: bool = False) -> float:
        return sum(pdfmetrics.stringWidth(part, font, size) for font, part in self.runs(text, bold=bold))

    def markup(self, text: str, *, bold: bool = False) -> str:
        """`text` for a platypus Paragraph: escaped, and CJK runs in their face."""
        main = self.bold if bold else self.regular
        return "".join(
            escape(part) if font == main else f'<font face="{font}">{escape(part)}</font>'
            for font, part in self.runs(text, bold=bold)
        )

    def wrap(self, text: str, size: float, width: float, *, bold: bool = False) -> list[str]:
        """`text` in lines no wider than `width`: broken at spaces, and inside a word too long for a line
        (CJK is written without spaces)."""
        lines: list[str] = []
        line = ""
        for word in text.split():
            candidate = f"{line} {word}" if line else word
            if self.width(candidate, size, bold=bold) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = word
            while len(line) > 1 and self.width(line, size, bold=bold) > width:
                cut = len(line) - 1
                while cut > 1 and self.width(line[:cut], size, bold=bold) > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        if line:
            lines.append(line)
        return lines


def _helvetica_text(text: str) -> str:
    """Text Helvetica can show: letters outside its cp1252 set lose their accents (Łódź → Lodz), others read '?'."""
    text = text.translate(_FOLD)
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return "".join(_helvetica_char(char) for char in text)
    return text


def _helvetica_char(char: str) -> str:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return unicodedata.normalize("NFKD", char).encode("cp1252", "ignore").decode("cp1252") or "?"
    return char


def _load(name: str, path: str, *, subfont_index: int = 0) -> TTFont | None:
    if not Path(path).is_file():
        return None
    try:
        font = TTFont(name, path, subfontIndex=subfont_index)
    except (TTFError, OSError) as error:  # a damaged file, or one with CFF outlines reportlab cannot embed
        logger.warning("PDF font %s could not be read (%s)", path, error)
        return None
    pdfmetrics.registerFont(font)
    return font


@functools.cache
def pdf_fonts() -> PdfFonts:
    """Register the fonts once per process; warns once for each that is missing."""
    regular = _load(REGULAR, settings.PDF_FONT_REGULAR)
    bold = _load(BOLD, settings.PDF_FONT_BOLD)
    cjk = _load(CJK, settings.PDF_FONT_CJK, subfont_index=settings.PDF_FONT_CJK_INDEX)
    if regular is None or bold is None:
        logger.warning(
            "PDF fonts %s and %s not found (Debian package fonts-dejavu-core, or set PDF_FONT_REGULAR and "
            "PDF_FONT_BOLD): PDFs use Helvetica, and letters outside Western European ones lose their accents "
            "or print as '?'.", settings.PDF_FONT_REGULAR, settings.PDF_FONT_BOLD,
        )
        return PdfFonts(regular=HELVETICA, bold=HELVETICA_BOLD)
    if cjk is None:
        logger.warning(
            "PDF font %s not found (Debian package fonts-wqy-zenhei, or set PDF_FONT_CJK): Chinese, Japanese and "
            "Korean letters print as '?'.", settings.PDF_FONT_CJK,
        )
    # Bold has the regular face's letters (both DejaVu Sans); a letter only one has is the rare exception.
    letters = frozenset(regular.face.charToGlyph) & frozenset(bold.face.charToGlyph)
    return PdfFonts(
        regular=REGULAR, bold=BOLD, cjk=CJK if cjk else None, letters=letters,
        cjk_letters=frozenset(cjk.face.charToGlyph) if cjk else frozenset(),
    )
