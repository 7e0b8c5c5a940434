"""Admin of the disposition stage: the clients' rules in order, a way to test them, and the decisions."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from core.forms import ChoiceListField, TagListField
from core.money import format_money
from disposition import models, selectors, services
from inspection.models import Grade
from rma import selectors as rma_selectors
from rma.list_admin import ListedAdmin
from rma.models import Reason


class RuleTestForm(forms.Form):
    ran = forms.CharField(label="RAN", max_length=100, widget=forms.TextInput(attrs={"autofocus": True}))
    unit_number = forms.IntegerField(min_value=1, initial=1)
    grade = forms.ChoiceField(
        choices=[("", "As inspected"), *Grade.choices], required=False,
        help_text="Try a grade: for a unit not inspected yet, or to see what another grade would do.",
    )
    repair_cost_estimate = forms.DecimalField(required=False, min_value=0, max_digits=12, decimal_places=2)

    def unit(self):
        rma = rma_selectors.return_by_ran(code=self.cleaned_data["ran"])
        if rma is None:
            raise forms.ValidationError("No return has this RAN.")
        item = rma.items.select_related("order_line__order", "return_request").filter(
            unit_number=self.cleaned_data["unit_number"]).first()
        if item is None:
            raise forms.ValidationError(f"{rma} has no unit {self.cleaned_data['unit_number']}.")
        return item


class RuleVersionFilter(admin.SimpleListFilter):
    """The rules in force by default; replaced and retired versions stay on record, one click away."""

    title = "version"
    parameter_name = "version"

    def lookups(self, request, model_admin):
        return [("retired", "Replaced or retired"), ("all", "All versions")]

    def choices(self, changelist):
        yield {"selected": self.value() is None, "display": "In force",
               "query_string": changelist.get_query_string(remove=[self.parameter_name])}
        for value, label in self.lookup_choices:
            yield {"selected": self.value() == value,
                   "query_string": changelist.get_query_string({self.parameter_name: value}), "display": label}

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        return queryset.filter(retired_at__isnull=self.value() != "retired")


class DispositionRuleForm(forms.ModelForm):
    """A rule's conditions ticked (grades, reasons, actions) or typed (categories, SKUs), not written as JSON."""

    grades = ChoiceListField(choices=Grade.choices, help_text="None ticked: any grade.")
    reasons = ChoiceListField(choices=Reason.choices, help_text="None ticked: any reason.")
    categories = TagListField(help_text="Order-line categories, one a line or separated by commas; none: any.")
    skus = TagListField(label="SKUs", help_text="One a line or separated by commas; none: any SKU.")
    allowed_actions = ChoiceListField(
        choices=models.Action.choices, help_text="Or limit the actions to these (leave the forced action empty).",
    )

    class Meta:
        model = models.DispositionRule
        fields = ["client", *services.RULE_TERMS]


@admin.register(models.DispositionRule)
class DispositionRuleAdmin(admin.ModelAdmin):
    """Saving a rule publishes a new version; deleting retires it. Dispositions keep the version that decided."""

    form = DispositionRuleForm

    list_display = ["client", "position", "name", "conditions", "forced_action", "allowed_actions", "is_active",
                    "version", "created_by", "retired_at"]
    list_display_links = ["name"]
    list_filter = [RuleVersionFilter, "client", "is_active"]
    list_select_related = ["client", "created_by"]
    ordering = ["client", "position", "id"]
    fields = ["client", *services.RULE_TERMS]
    change_list_template = "admin/disposition/dispositionrule/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        return ["client"] if obj else []

    def has_change_permission(self, request, obj=None) -> bool:
        in_force = obj is None or obj.retired_at is None
        return in_force and request.user.has_perm("disposition.add_dispositionrule")

    def has_delete_permission(self, request, obj=None) -> bool:
        in_force = obj is None or obj.retired_at is None
        return in_force and request.user.has_perm("disposition.delete_dispositionrule")

    def save_model(self, request, obj, form, change) -> None:
        terms = {name: form.cleaned_data[name] for name in services.RULE_TERMS}
        replacing = models.DispositionRule.objects.get(pk=obj.pk) if change else None
        try:
            published = services.publish_disposition_rule(
                client=obj.client, actor=request.user, replacing=replacing, **terms
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk, obj.version = published.pk, published.version
        if change:
            self.message_user(request, f"Published version {published.version}; dispositions decided by earlier "
                              "versions keep them.", messages.INFO)

    def delete_model(self, request, obj) -> None:
        services.retire_disposition_rule(rule=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for rule in queryset.filter(retired_at__isnull=True):
            services.retire_disposition_rule(rule=rule, actor=request.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.retired_at is None:
            context["title"] = f"{obj.name}: edit to publish version {obj.version + 1}"
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="when")
    def conditions(self, rule: models.DispositionRule) -> str:
        parts = [
            f"{label} {', '.join(values)}" for label, values in
            (("grade", rule.grades), ("reason", rule.reasons), ("category", rule.categories), ("SKU", rule.skus))
            if values
        ]
        if rule.min_unit_value is not None or rule.max_unit_value is not None:
            parts.append(f"value {rule.min_unit_value or 0}–{rule.max_unit_value or '∞'}")
        if rule.max_repair_cost_ratio is not None:
            parts.append(f"repair ≤ {rule.max_repair_cost_ratio:%} of value")
        if rule.min_days_since_delivery is not None or rule.max_days_since_delivery is not None:
            parts.append(f"{rule.min_days_since_delivery or 0}–{rule.max_days_since_delivery or '∞'} days")
        return "; ".join(parts) or "any unit"

    def get_urls(self):
        own = [path("test/", self.admin_site.admin_view(self.test_view), name="disposition_dispositionrule_test")]
        return own + super().get_urls()

    def test_view(self, request):
        """Which rule decides for a real unit, and what it would recommend."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = RuleTestForm(request.GET or None)
        outcome = None
        if form.is_valid():
            try:
                item = form.unit()
                facts = services.unit_facts(item=item, repair_cost=form.cleaned_data["repair_cost_estimate"],
                                            grade=form.cleaned_data["grade"])
            except (forms.ValidationError, DomainError) as error:
                form.add_error(None, getattr(error, "message", error))
            else:
                rules = services.active_rules(client_id=item.return_request.client_id)
                outcome = {
                    "item": item, "facts": facts,
                    "rules": [(rule, services.unmatched_conditions(rule=rule, facts=facts)) for rule in rules],
                    "recommendation": services.recommend_for(facts=facts, rules=rules),
                }
                outcome["action_label"] = models.Action(outcome["recommendation"].action).label
        return TemplateResponse(request, "admin/disposition/dispositionrule/test.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "Test the rules on a unit",
            "form": form, "outcome": outcome,
        })


@admin.register(models.Disposition)
class DispositionAdmin(ListedAdmin, ReadOnlyAdmin):
    list_spec = selectors.DISPOSITIONS_LIST
    search_help_text = "RAN, or the start of a SKU or RAN"
    list_display = ["item", "recommended_action", "action", "recovery_column", "destination",
                    "decided_by", "decided_at"]
    list_filter = ["action", "item__return_request__client"]

    @admin.display(description="expected recovery value", ordering="expected_recovery_value")
    def recovery_column(self, disposition: models.Disposition) -> str:
        return format_money(disposition.expected_recovery_value, disposition.item.order_line.order.currency)


@admin.register(models.StockMovement)
class StockMovementAdmin(ListedAdmin, ReadOnlyAdmin):
    list_spec = selectors.STOCK_MOVEMENTS_LIST
    search_help_text = "The start of a SKU"
    list_display = ["at", "client", "warehouse", "sku", "quantity", "actor"]
    list_filter = ["client", "warehouse"]
