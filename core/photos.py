"""Photos of units and parcels (inspection, the dock): only real images of bounded size are kept."""

from django.conf import settings
from django.core.files import File
from PIL import Image, UnidentifiedImageError

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
