"""Uploaded files, served only to who may see what they belong to, with DEBUG on or off.

A file is found through the row that holds it, never on the disk by its path: a name no row holds is a
404, whatever the disk has (a path with ../ included, an export job's file, which reports' own download
serves). Each kind of row names the permission that shows it, the view permission of the owning model:
staff who may use the back office and hold it see the file, others get a 403 (a 302 to the login page
when not signed in). Client accounts see none: the API and the console show no uploaded file. Neither
does the portal, so no signed link is needed; the one public kind is a client's portal logo, which the
portal and the customer emails show.

How a file is sent is decided from its first bytes, not its name (an old upload may be called x.html):
- a JPEG, PNG or WebP image is sent inline as exactly that type, so the admin's thumbnails and the photo
  opened from them show in the browser; re-encoded on upload, it carries nothing but pixels;
- anything else (receipts as PDF, older uploads) is sent as an attachment, as a PDF or as bytes.
Always with `nosniff` (the browser never guesses another type) and a CSP sandbox (nothing in it runs).
With MEDIA_X_ACCEL_REDIRECT set, nginx sends the bytes after this view's check.
"""

import posixpath
from dataclasses import dataclass
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from core.actors import StaffActor, as_actor


@dataclass(frozen=True)
class Holder:
    """The rows that hold the files under `prefix` (their field's upload_to) and who may see them."""

    prefix: str
    model: str
    field: str
    permission: str | None  # None: public

    def holds(self, name: str) -> bool:
        return apps.get_model(self.model)._default_manager.filter(**{self.field: name}).exists()


HOLDERS = [
    Holder("inspections/", "inspection.InspectionPhoto", "image", "inspection.view_inspectionphoto"),
    Holder("receipts/", "rma.ReturnRequest", "receipt_document", "rma.view_returnrequest"),
    Holder("customer-photos/", "rma.ReturnItem", "customer_photo", "rma.view_returnitem"),
    Holder("parcels/", "rma.UnexpectedParcel", "photo", "rma.view_unexpectedparcel"),
    Holder("extra-units/", "rma.ExtraUnit", "photo", "rma.view_extraunit"),
    # Shown to the client's customers on the portal and in their emails.
    Holder("client-logos/", "rma.Client", "portal_logo", None),
]
# File fields whose files this view never serves, with who does instead (tests/core/test_media.py
# checks that every file field is one or the other).
SERVED_ELSEWHERE = {
    ("reports.ExportJob", "file"): "reports' export download (its own permission)",
    ("importjobs.ImportJob", "file"): "never served: the uploaded file a job reads, deleted when it ends",
}

IMAGE_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
SANDBOX = "default-src 'none'; sandbox"


@require_safe
def serve_media(request: HttpRequest, name: str) -> HttpResponse:
    holder = _holder_of(name)
    if holder.permission is not None:
        if not admin.site.has_permission(request):  # the back office's own sign-in rules, second factor included
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        actor = as_actor(request.user)
        if not isinstance(actor, StaffActor) or not actor.may(holder.permission):
            raise PermissionDenied
    if not default_storage.exists(name):
        raise Http404("The file is gone.")
    return _file_response(name)


def _holder_of(name: str) -> Holder:
    """The holder of a well-formed name that a row holds; else a 404."""
    normal = posixpath.normpath(name)
    if normal != name or name.startswith("/") or "\\" in name or "\x00" in name:
        raise Http404("No such file.")
    holder = next((holder for holder in HOLDERS if name.startswith(holder.prefix)), None)
    if holder is None or not holder.holds(name):
        raise Http404("No such file.")
    return holder


def _served_as(head: bytes) -> tuple[str, bool]:
    """The content type of a file by its first bytes, and whether it may be shown inline."""
    for magic, content_type in IMAGE_MAGIC.items():
        if head.startswith(magic):
            return content_type, True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", True
    if head.startswith(b"%PDF-"):
        return "application/pdf", False
    return "application/octet-stream", False


def _file_response(name: str) -> HttpResponse:
    file = default_storage.open(name, "rb")
    head = file.read(16)
    content_type, inline = _served_as(head)
    filename = posixpath.basename(name)
    if settings.MEDIA_X_ACCEL_REDIRECT:
        file.close()
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_X_ACCEL_REDIRECT.rstrip("/") + "/" + quote(name)
        response["Content-Disposition"] = content_disposition_header(not inline, filename)
    else:
        file.seek(0)
        response = FileResponse(file, content_type=content_type, as_attachment=not inline, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response["Cache-Control"] = "private, max-age=3600"  # behind a login: never in a shared cache
    return response
