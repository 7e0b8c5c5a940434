"""What the rma services share: the locked return, where a parcel arrived, and input checked against the
model's limits."""

from django.core.exceptions import ValidationError
from django.db.models import Model

from core.errors import InvalidInput
from rma import selectors
from rma.models import ReturnRequest, Warehouse


def locked(rma: ReturnRequest) -> ReturnRequest:
    return selectors.return_for_update(pk=rma.pk)


def at_wrong_site(*, site: Warehouse | None, rma: ReturnRequest | None) -> bool:
    """The parcel is at a site it was not routed to. Unknown (no site, or no route yet) is not wrong."""
    return site is not None and rma is not None and rma.warehouse_id not in (None, site.pk)


def arrival_details(*, site: Warehouse | None, rma: ReturnRequest) -> dict:
    """What a receive event says about where the parcel arrived; nothing when the site is not known."""
    if site is None:
        return {}
    return {"warehouse": site.pk, "warehouse_code": site.code, "wrong_site": at_wrong_site(site=site, rma=rma)}


def clean_text(value: str | None, *, model: type[Model], field: str, required: bool = True) -> str:
    """The input for `model.field` trimmed, or InvalidInput naming the field when it is blank or too long."""
    column = model._meta.get_field(field)
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"Give the {column.verbose_name}.")
    if len(text) > column.max_length:
        raise InvalidInput(f"The {column.verbose_name} is longer than {column.max_length} characters.")
    return text


def invalid_fields(error: ValidationError) -> InvalidInput:
    """A model's validation error as one InvalidInput naming each field and what is wrong with it."""
    problems = [f"{field.replace('_', ' ')}: {' '.join(texts)}" for field, texts in error.message_dict.items()]
    return InvalidInput("; ".join(problems))
