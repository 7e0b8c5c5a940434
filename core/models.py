"""What every stage's records share."""

from django.core.exceptions import ValidationError
from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses the bulk writes that would skip an append-only model's own guard (the admin's bulk delete among them)."""

    refusal = "These records are append-only: add a new one instead."

    def update(self, **kwargs):
        raise ValidationError(self.refusal)

    def delete(self):
        raise ValidationError(self.refusal)

    def redact(self, **fields) -> int:
        """The one change an append-only record may undergo: a person's personal data erased from it
        (rma.services.erasure, itself recorded on the trail). Nothing else calls this.
        """
        return super().update(**fields)


class AppendOnly(models.Model):
    """A record written once and never changed or deleted, neither one by one nor through a queryset."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError(AppendOnlyQuerySet.refusal)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(AppendOnlyQuerySet.refusal)
