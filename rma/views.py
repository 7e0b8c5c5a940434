"""Label downloads, and the customer's label link: a signed, expiring URL that serves the label without a login."""

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseGone, HttpResponseNotFound
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rma import labels, selectors


def label_download(content: bytes | str, *, filename: str, content_type: str = "application/pdf",
                   attachment: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@never_cache
@require_GET
def customer_label(request: HttpRequest, token: str) -> HttpResponse:
    """The label PDF on the paper a home printer in the customer's country takes (A4 or Letter), or
    ?format=4x6|a4|letter; a forged link is not found, a stale one is gone."""
    paper = request.GET.get("format")
    if paper is not None and paper not in labels.PDF_PAPERS:
        return HttpResponseBadRequest(
            "Unknown label format: use 4x6, a4 or letter, or none for the paper of the customer's country.",
            content_type="text/plain",
        )
    try:
        rma = selectors.return_for_label_token(token=token)
    except signing.SignatureExpired:
        return HttpResponseGone(
            "This label link is no longer valid. Please contact customer service for a new one.",
            content_type="text/plain",
        )
    except signing.BadSignature:
        return HttpResponseNotFound("No label here. Check that the whole link was copied.", content_type="text/plain")
    paper = paper or labels.home_paper(rma)
    # The slip too: the customer puts it in the parcel.
    pdf = labels.render_labels_pdf([rma], paper=paper, packing_slips=True)
    response = label_download(pdf, filename=f"{rma.ran}-{paper}.pdf")
    response["X-Robots-Tag"] = "noindex"
    return response
