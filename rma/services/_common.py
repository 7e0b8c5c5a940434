"""What the rma services share: the locked return, and input checked against the model's limits."""

from django.core.exceptions import ValidationError
from django.db.models import Model

from core.errors import InvalidInput
from rma import selectors
from rma.models import ReturnRequest


def locked(rma: ReturnRequest) -> ReturnRequest:
    return selectors.return_for_update(pk=rma.pk)


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
