"""Files people upload, made in code: real receipts and photos, and the crafted ones an attacker sends."""

import functools
import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject
from reportlab.pdfgen import canvas

# EXIF tags: the camera's make, the orientation (6: turned a quarter clockwise) and the GPS block.
MAKE, ORIENTATION, GPS_INFO = 0x010F, 0x0112, 0x8825


def receipt_pdf(text: str = "Receipt 4711: 1 x Rain jacket, 89.90 EUR") -> bytes:
    """A one-page PDF, the way a shop's till software writes one (the same bytes each time)."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=True)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def pdf_upload(name: str = "receipt.pdf", body: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, receipt_pdf() if body is None else body, content_type="application/pdf")


def pdf_with_script() -> bytes:
    """A receipt that runs JavaScript when opened (its catalog's OpenAction)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(receipt_pdf())))
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('hello');"),
    })
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(image_format: str = "PNG", *, size: tuple[int, int] = (40, 30), colour: str = "white",
                mode: str = "RGB", exif: Image.Exif | None = None) -> bytes:
    buffer = io.BytesIO()
    extra = {"exif": exif} if exif is not None else {}
    Image.new(mode, size, colour).save(buffer, format=image_format, **extra)
    return buffer.getvalue()


def image_upload(name: str = "photo.png", image_format: str = "PNG", **options) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(image_format, **options), content_type=f"image/{image_format.lower()}")


def camera_exif(*, orientation: int = 1) -> Image.Exif:
    """What a phone writes: its make, how it was held, and where it was (a GPS position)."""
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[ORIENTATION] = orientation
    exif[GPS_INFO] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    return exif


@functools.cache
def png_bomb(side: int = 30_000) -> bytes:
    """A valid PNG of side × side one-bit pixels, all black, in a few kilobytes: decoded, it takes
    side² bytes of memory (900 MB for 30,000)."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)  # filter byte, then the row's bits
    squeezer = zlib.compressobj()
    body = b"".join(squeezer.compress(row) for _ in range(side)) + squeezer.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
