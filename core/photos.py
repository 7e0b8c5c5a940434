"""Photos of units and parcels (inspection, the dock, customers' damage claims): only real images of bounded
size are kept."""

import io
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import InvalidInput

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # well above any phone camera, far below a decompression bomb


def validate_photo(photo: File) -> None:
    """Refuse anything that is not a JPEG, PNG or WebP image within the size limits."""
    name = getattr(photo, "name", "photo")
    if photo.size > settings.MAX_PHOTO_BYTES:
        limit_mb = settings.MAX_PHOTO_BYTES / (1024 * 1024)
        raise InvalidInput(f"{name} is larger than {limit_mb:.0f} MB.")
    try:
        photo.seek(0)
        with Image.open(photo) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(f"{name} is not a readable image.") from None
    finally:
        photo.seek(0)
    if image_format not in ACCEPTED_FORMATS:
        raise InvalidInput(f"{name} is a {image_format} image; send JPEG, PNG or WebP.")
    if width * height > MAX_PIXELS:
        raise InvalidInput(f"{name} has too many pixels ({width}×{height}).")


def reencoded_photo(photo: File) -> ContentFile:
    """A checked photo drawn again as a fresh JPEG or PNG: whatever else the upload carried (its camera's
    location in EXIF, trailing bytes) is not kept, and its orientation is applied to the pixels."""
    validate_photo(photo)
    try:
        with Image.open(photo) as image:
            upright = ImageOps.exif_transpose(image)
            keeps_transparency = upright.mode in ("RGBA", "LA", "P") and image.format != "JPEG"
            buffer = io.BytesIO()
            if keeps_transparency:
                upright.save(buffer, format="PNG", optimize=True)
                suffix = "png"
            else:
                upright.convert("RGB").save(buffer, format="JPEG", quality=85)
                suffix = "jpg"
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        # verify() reads only the header: a truncated or broken body shows when it is drawn.
        raise InvalidInput(f"{getattr(photo, 'name', 'photo')} is not a readable image.") from None
    finally:
        photo.seek(0)
    stem = Path(getattr(photo, "name", "") or "photo").stem[:60] or "photo"
    return ContentFile(buffer.getvalue(), name=f"{stem}.{suffix}")
