"""What every stage's admin shares."""

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by services: shown in the admin, never added, edited or deleted there."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _AutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete, minus a crash: it looks the submitted value up to show it again, and a value
    that is no id of the target ("1e400") raised there. Such a value is shown as nothing chosen; the form
    already says it is not a valid choice."""

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        return super().optgroups(name, [choice for choice in value if is_id_of(target, choice)], attr)


def is_id_of(target, value) -> bool:
    """Whether `value`, as submitted, can be a value of the model field `target` (an id, for a key)."""
    try:
        target.run_validators(target.to_python(value))
    except ValidationError:
        return False
    return True


class SafeAutocompleteMixin:
    """For a ModelAdmin or inline with autocomplete_fields: a form sent back with a value that is no id is
    shown with its error, never a 500."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = _AutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
