"""Finding a customer's personal data wherever it was copied, and erasing it: the mechanics of
rma.services.erasure.

The rows read are every row that hangs on the seeds (a customer, their orders, their returns) through
any chain of foreign keys: units, inspections, dispositions, refunds, ledger entries, scans, parcels,
events. They are found through the model registry, so a model added later is covered without being
named here, and rma imports no later stage.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.db import models, transaction

# What an erased value becomes inside free text: the sentence keeps its meaning, the person is gone.
ERASED = "[erased]"
# Shorter values (a house number, a two-letter region) would erase ordinary words with them.
SHORTEST_VALUE = 3
# Files that hang on a return but show no person: the inspectors' photos of the unit on the bench, the
# client's evidence for the units it is refunded for. Every other file is the customer's (their photo of
# a damage claim, their receipt) or shows their address (the dock's photo of a parcel's label).
KEPT_FILES = frozenset({"inspection.inspectionphoto.image", "rma.extraunit.photo"})


@dataclass(frozen=True)
class Scrubber:
    """Replaces the customer's values (email, name, phone, address lines, postal code) wherever they occur."""

    values: tuple[str, ...]

    @classmethod
    def of(cls, values: Iterable[str]) -> "Scrubber":
        kept = {value.strip() for value in values if value and len(value.strip()) >= SHORTEST_VALUE}
        return cls(values=tuple(sorted(kept, key=len, reverse=True)))

    def text(self, value: str) -> str:
        if not self.values or not value:
            return value
        pattern = "|".join(re.escape(part) for part in self.values)
        return re.sub(pattern, ERASED, value, flags=re.IGNORECASE)

    def json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.json(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.json(item) for item in value]
        return value


def rows_hanging_on(seeds: dict[type[models.Model], set[int]]) -> dict[type[models.Model], set[int]]:
    """The primary keys, per model, of the seeds and of every row pointing at them through foreign keys.

    Walked from the rows found last only, one query per foreign key into them: a purge of many returns
    asks each return's few dozen rows, not every table again each round.
    """
    reached = {model: set(pks) for model, pks in seeds.items()}
    frontier = reached
    while frontier:
        found: dict[type[models.Model], set[int]] = {}
        for target, new_pks in frontier.items():
            for model, field in _pointers_to(target):
                pks = set(model._base_manager.filter(**{f"{field.name}__in": new_pks}).values_list("pk", flat=True))
                found.setdefault(model, set()).update(pks - reached.get(model, set()))
        frontier = {model: pks for model, pks in found.items() if pks}
        for model, pks in frontier.items():
            reached.setdefault(model, set()).update(pks)
    return reached


@cache
def _pointers_to(target: type[models.Model]) -> tuple[tuple[type[models.Model], models.Field], ...]:
    """Every (model, foreign key) pointing at the target, self-references aside; the registry is fixed at run time."""
    return tuple((model, field) for model in apps.get_models() for field in model._meta.concrete_fields
                 if field.is_relation and field.related_model is target and model is not target)


def _text_fields(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
            and not field.choices and not field.unique and not field.is_relation]


def _file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [field for field in model._meta.concrete_fields if isinstance(field, models.FileField)
            and f"{model._meta.label_lower}.{field.name}" not in KEPT_FILES]


def _redacting(model: type[models.Model], pk: int):
    """The row as a queryset to write: append-only records through their one allowed redaction."""
    rows = model._default_manager.filter(pk=pk)
    return rows.redact if hasattr(rows, "redact") else rows.update


def scrub_rows(rows: dict[type[models.Model], set[int]], scrubber: Scrubber) -> int:
    """Erase the values from every text column of the rows, delete their files (but KEPT_FILES) once the
    transaction commits; returns the number of files deleted."""
    files = 0
    for model, pks in rows.items():
        texts, attachments = _text_fields(model), _file_fields(model)
        if not (texts or attachments) or not pks:
            continue
        read = [model._meta.pk.name, *(field.name for field in texts + attachments)]
        for row in model._base_manager.filter(pk__in=pks).only(*read):
            changes = {}
            for field in texts:
                old = getattr(row, field.attname)
                new = scrubber.json(old) if isinstance(field, models.JSONField) else scrubber.text(old)
                if new != old:
                    changes[field.attname] = new
            for field in attachments:
                stored = getattr(row, field.attname)
                if stored:
                    changes[field.attname] = ""
                    _delete_after_commit(stored.storage, stored.name)
                    files += 1
            if changes:
                _redacting(model, row.pk)(**changes)
    return files


def _delete_after_commit(storage, name: str) -> None:
    # After commit: a rolled-back erasure must still find its files.
    transaction.on_commit(lambda: storage.delete(name))
