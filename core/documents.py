"""Receipt documents customers send as proof of purchase: a PDF or a photo of the receipt, of bounded size.

The content decides, never the name or the type the browser claims: a file called receipt.pdf that is
not a PDF is refused.
"""

from django.conf import settings
from django.core.files import File

from core.errors import InvalidInput
from core.photos import validate_photo

# A PDF starts with this marker; readers accept it anywhere in the first kilobyte (after junk some tools write).
PDF_MARKER = b"%PDF-"
PDF_MARKER_WITHIN = 1024


def validate_receipt_document(document: File) -> None:
    """Refuse anything but a PDF or a JPEG, PNG or WebP image within MAX_RECEIPT_BYTES."""
    name = getattr(document, "name", "receipt")
    if document.size > settings.MAX_RECEIPT_BYTES:
        limit_mb = settings.MAX_RECEIPT_BYTES / (1024 * 1024)
        raise InvalidInput(f"{name} is larger than {limit_mb:.0f} MB.")
    if document.size == 0:
        raise InvalidInput(f"{name} is empty.")
    document.seek(0)
    head = document.read(PDF_MARKER_WITHIN)
    document.seek(0)
    if PDF_MARKER in head:
        return
    try:
        validate_photo(document)
    except InvalidInput:
        raise InvalidInput(f"{name} is neither a PDF nor a JPEG, PNG or WebP image of the receipt.") from None
