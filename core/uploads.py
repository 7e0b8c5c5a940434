"""Every file a person uploads is checked here, by its content, never by its name or the type it claims.

- Photos (units at inspection, parcels and extra units at the dock, customers' damage claims) are JPEG, PNG
  or WebP images within MAX_PHOTO_BYTES and MAX_IMAGE_PIXELS. They are drawn again in their own format:
  whatever else the upload carried (EXIF with the camera's GPS position, bytes appended after the image,
  further frames) stays behind, and the camera's orientation is applied to the pixels.
- Receipts are such an image, or a PDF that a real parser reads and that holds no script, launch action
  or embedded file, within MAX_RECEIPT_BYTES.

A kept file is named at random with the extension of its detected format: the uploader's name never
reaches the disk (a PNG called x.html is stored as <random>.png). Services call `checked_photo` and
`checked_receipt`; forms use `PhotoField` and `ReceiptField` to show the refusal on the field, and hand the
checked file on, which a service's own check then accepts as it is.
"""

import io
import uuid
import warnings

from django import forms
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from core.errors import InvalidInput, UploadTooLarge

PHOTO, RECEIPT = "photo", "receipt"
# Detected format: the extension it is stored with and the type it is served as.
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "pdf": "application/pdf"}
PDF_MAGIC = b"%PDF-"
# What makes a PDF do something when opened instead of being read: scripts, actions run on opening or on
# events, programs launched, files carried inside, forms that send data away. A receipt needs none of them.
PDF_ACTIVE_NAMES = frozenset({
    "/JS", "/JavaScript", "/OpenAction", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia",
    "/XFA", "/SubmitForm", "/ImportData", "/GoToE", "/GoToR",
})
# A receipt has a few dozen objects; this bounds the walk through a crafted one.
MAX_PDF_OBJECTS = 50_000

# Pillow's own guard, for any image opened elsewhere in the process; the checks below read the setting.
Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS


class CheckedFile(ContentFile):
    """An upload this module checked and rewrote, under a random name; only this module makes them."""

    def __init__(self, content: bytes, *, kind: str, extension: str) -> None:
        super().__init__(content, name=f"{uuid.uuid4().hex}.{extension}")
        self.kind = kind
        self.content_type = CONTENT_TYPES[extension]


def checked_photo(upload: File) -> CheckedFile:
    """The photo as it will be kept, re-encoded and renamed; InvalidInput (UploadTooLarge above the limit)."""
    if isinstance(upload, CheckedFile) and upload.kind == PHOTO:
        return upload
    data = _read_within(upload, limit=settings.MAX_PHOTO_BYTES)
    content, extension = _redrawn_image(data, label=_label(upload))
    return CheckedFile(content, kind=PHOTO, extension=extension)


def checked_receipt(upload: File) -> CheckedFile:
    """The receipt as it will be kept: a checked PDF, or a photo of it re-encoded; renamed either way."""
    if isinstance(upload, CheckedFile) and upload.kind == RECEIPT:
        return upload
    data = _read_within(upload, limit=settings.MAX_RECEIPT_BYTES)
    label = _label(upload)
    if data.startswith(PDF_MAGIC):
        _check_pdf(data, label=label)
        return CheckedFile(data, kind=RECEIPT, extension="pdf")
    try:
        content, extension = _redrawn_image(data, label=label)
    except InvalidInput:
        raise InvalidInput(f"{label} is neither a PDF nor a JPEG, PNG or WebP image of the receipt.") from None
    return CheckedFile(content, kind=RECEIPT, extension=extension)


def _label(upload: File) -> str:
    """The file as the uploader knows it, for messages only."""
    return (getattr(upload, "name", "") or "The file").rsplit("/", 1)[-1][:80]


def _read_within(upload: File, *, limit: int) -> bytes:
    label = _label(upload)
    if upload.size is not None and upload.size > limit:
        raise UploadTooLarge(f"{label} is larger than {size_text(limit)}.")
    upload.seek(0)
    data = upload.read(limit + 1)  # a size the upload misstated cannot make us read more
    upload.seek(0)
    if len(data) > limit:
        raise UploadTooLarge(f"{label} is larger than {size_text(limit)}.")
    if not data:
        raise InvalidInput(f"{label} is empty.")
    return data


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{max(size // 1024, 1)} KB"


def _redrawn_image(data: bytes, *, label: str) -> tuple[bytes, str]:
    """The image drawn again in its own format, and the extension of that format.

    The pixel count is read from the header and refused before a single pixel is decoded: a few
    kilobytes of PNG can otherwise unpack into gigabytes (a decompression bomb).
    """
    unreadable = InvalidInput(f"{label} is not a readable image: send a JPEG, PNG or WebP picture.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as image:
                width, height = image.size
                if width * height > settings.MAX_IMAGE_PIXELS:
                    raise InvalidInput(f"{label} has too many pixels ({width}×{height}).")
                extension = IMAGE_FORMATS[image.format]
                upright = ImageOps.exif_transpose(image)
                return _encoded(upright, image_format=image.format), extension
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(f"{label} has too many pixels.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        # Image.open reads only the header: a truncated or broken body shows when it is drawn.
        raise unreadable from None


def _encoded(image: Image.Image, *, image_format: str) -> bytes:
    # Nothing of the upload's metadata is written again (EXIF, XMP, comments); only transparency is pixels.
    image.info = {key: value for key, value in image.info.items() if key == "transparency"}
    buffer = io.BytesIO()
    if image_format == "JPEG":
        image = image if image.mode in ("L", "RGB") else image.convert("RGB")
        image.save(buffer, format="JPEG", quality=85)
    elif image_format == "WEBP":
        keeps_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if keeps_alpha else "RGB")
        image.save(buffer, format="WEBP", quality=85)
    else:
        image.save(buffer, format="PNG")
    return buffer.getvalue()


def _check_pdf(data: bytes, *, label: str) -> None:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InvalidInput(f"{label} is a password-protected PDF: send it without the password.")
        if len(reader.pages) == 0:
            raise InvalidInput(f"{label} is a PDF without pages.")
        active = _active_content(reader)
    except InvalidInput:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError):
        raise InvalidInput(f"{label} is not a readable PDF.") from None
    if active:
        raise InvalidInput(f"{label} is a PDF with active content ({active[1:]}): send a plain PDF or a photo.")


def _active_content(reader: PdfReader) -> str:
    """The first name of active content found in any object reachable from the trailer, or ''."""
    seen: set[tuple[int, int]] = set()
    waiting: list = [reader.trailer]
    walked = 0
    while waiting:
        node = waiting.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        walked += 1
        if walked > MAX_PDF_OBJECTS:
            raise InvalidInput("The PDF has too many objects for a receipt.")
        if isinstance(node, NameObject) and node in PDF_ACTIVE_NAMES:
            return str(node)
        if isinstance(node, DictionaryObject):  # streams too: their dictionary, never their data
            for key, value in dict.items(node):  # unresolved, so each indirect object is walked once
                if key in PDF_ACTIVE_NAMES:
                    return str(key)
                waiting.append(value)
        elif isinstance(node, ArrayObject):
            waiting.extend(list.__iter__(node))
    return ""


# -- form fields ---------------------------------------------------------------------------------


class _CheckedUploadField(forms.FileField):
    """A file field whose upload is checked (`check`) as the form is cleaned: the refusal shows on the field."""

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return upload
        try:
            return self.check(upload)
        except UploadTooLarge as error:
            raise forms.ValidationError(error.message, code=UploadTooLarge.code) from None
        except InvalidInput as error:
            raise forms.ValidationError(error.message, code=error.code) from None


class PhotoField(_CheckedUploadField):
    """A photo, checked and re-encoded as the form is cleaned."""

    check = staticmethod(checked_photo)

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(**kwargs)


class ReceiptField(_CheckedUploadField):
    """A receipt (a PDF or a photo of it), checked as the form is cleaned."""

    check = staticmethod(checked_receipt)

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"}))
        super().__init__(**kwargs)


def form_status(form: forms.Form) -> int:
    """The status of a page showing a refused form: 413 when a file was too large, else 400."""
    too_large = any(error.code == UploadTooLarge.code for errors in form.errors.as_data().values() for error in errors)
    return 413 if too_large else 400
