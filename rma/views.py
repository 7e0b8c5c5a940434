"""Label downloads: the PDF or ZPL of a return label as an HTTP response."""

from django.http import HttpResponse


def label_download(content: bytes | str, *, filename: str, content_type: str = "application/pdf",
                   attachment: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
