"""No admin form, inline, list_editable or action changes a lifecycle, money or audit field around a service.

Read from every registered ModelAdmin as a superuser sees it (the widest view): the fields its add and
change forms and inlines leave editable, its list_editable and its actions.
"""

import inspect

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import models
from django.test import RequestFactory
from django_fsm import FSMField

# Admins whose form is carried out by a service (the method that calls it, and the service), which checks
# and versions what is saved.
SERVICE_BACKED = {
    "ReturnPolicyAdmin": ("save_model", "publish_policy_version"),
    "DispositionRuleAdmin": ("save_model", "publish_disposition_rule"),
    "StoreCreditEntryAdmin": ("add_view", "adjust_store_credit"),
}
# Entering a new order (with its lines) is a manager's job by DESIGN.md; nothing claims it yet. Once
# entered it is read-only, and a line is corrected through rma.services.correct_order_line.
ADD_ONLY = {"OrderAdmin", "OrderLineInline"}


def guarded_fields(model: type[models.Model]) -> set[str]:
    """The fields only a service may write: the lifecycle, money, who acted and when.

    A record with a lifecycle (a return, a refund) changes only through its services, every field of it.
    """
    if any(isinstance(field, FSMField) for field in model._meta.fields):
        return {field.name for field in model._meta.fields if field.editable and not field.primary_key}
    guarded = set()
    for field in model._meta.get_fields():
        if not getattr(field, "concrete", False) or getattr(field, "auto_now", False) or getattr(
            field, "auto_now_add", False
        ):
            continue
        is_person = isinstance(field, models.ForeignKey) and field.related_model._meta.label == settings.AUTH_USER_MODEL
        if (isinstance(field, FSMField | models.DecimalField)
                or (is_person and field.name not in {"user"})
                or (isinstance(field, models.DateTimeField) and (field.name == "at" or field.name.endswith("_at")))):
            guarded.add(field.name)
    return guarded


def superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = User(username="root", is_superuser=True, is_staff=True, is_active=True)
    return request


def editable_fields(model_admin, request, obj) -> set[str]:
    allowed = model_admin.has_change_permission(request, obj) if obj else model_admin.has_add_permission(request)
    if not allowed:
        return set()
    form = model_admin.get_form(request, obj)
    return set(form.base_fields) - set(model_admin.get_readonly_fields(request, obj))


def inline_editable_fields(inline, request, obj) -> set[str]:
    if not (inline.has_add_permission(request, obj) or inline.has_change_permission(request, obj)):
        return set()
    formset = inline.get_formset(request, obj)
    return set(formset.form.base_fields) - set(inline.get_readonly_fields(request, obj)) - {"id", "DELETE"}


REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _ in REGISTERED])
def test_no_form_or_inline_edits_a_guarded_field_around_a_service(model, model_admin, db):
    request = superuser_request()
    name = type(model_admin).__name__
    problems = []
    for obj in (None, model()):
        exposed = editable_fields(model_admin, request, obj) & guarded_fields(model)
        if exposed and not (name in SERVICE_BACKED or (obj is None and name in ADD_ONLY)):
            problems.append(f"{name} {'add' if obj is None else 'change'} form edits {sorted(exposed)}")
        for inline in model_admin.get_inline_instances(request, obj):
            exposed = inline_editable_fields(inline, request, obj) & guarded_fields(inline.model)
            if exposed and not (obj is None and type(inline).__name__ in ADD_ONLY):
                problems.append(f"{type(inline).__name__} edits {sorted(exposed)}")
    assert not problems


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _ in REGISTERED])
def test_nothing_is_edited_in_place_on_a_list(model, model_admin):
    # Configuration too is versioned or audited through its forms, never changed row by row on a list.
    assert not model_admin.list_editable


@pytest.mark.parametrize("name", sorted(SERVICE_BACKED))
def test_a_service_backed_admin_saves_through_its_service(name):
    model_admin = next(a for a in admin.site._registry.values() if type(a).__name__ == name)

    method, service = SERVICE_BACKED[name]

    assert f"services.{service}(" in inspect.getsource(getattr(type(model_admin), method))


# The records of the floor with something guarded; Django's own (users, groups, the admin log) are not ours,
# nor a console user's authenticator device (a manager deletes it when the phone is lost, to enrol again).
GUARDED = [(model, model_admin) for model, model_admin in REGISTERED
           if guarded_fields(model) and model._meta.app_label not in {"auth", "admin", "otp_totp"}]


@pytest.mark.parametrize(("model", "model_admin"), GUARDED, ids=[m._meta.label for m, _ in GUARDED])
def test_records_with_a_lifecycle_money_or_audit_field_are_never_deleted_in_the_admin(model, model_admin, db):
    request = superuser_request()
    deletes = model_admin.has_delete_permission(request) or "delete_selected" in model_admin.get_actions(request)
    retires = "delete_model" in vars(type(model_admin))  # deleting runs a service that retires the record
    assert not deletes or retires
