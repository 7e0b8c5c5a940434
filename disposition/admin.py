"""Admin of the disposition stage: the clients' rules in order, a way to test them, and the decisions."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from disposition import models, services
from rma import selectors as rma_selectors


class RuleTestForm(forms.Form):
    ran = forms.CharField(label="RAN", max_length=100, widget=forms.TextInput(attrs={"autofocus": True}))
    unit_number = forms.IntegerField(min_value=1, initial=1)
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


@admin.register(models.DispositionRule)
class DispositionRuleAdmin(admin.ModelAdmin):
    list_display = ["client", "position", "name", "conditions", "forced_action", "allowed_actions", "is_active"]
    list_display_links = ["name"]
    list_editable = ["position", "is_active"]
    list_filter = ["client", "is_active"]
    list_select_related = ["client"]
    ordering = ["client", "position", "id"]
    change_list_template = "admin/disposition/dispositionrule/change_list.html"

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
                facts = services.unit_facts(item=item, repair_cost=form.cleaned_data["repair_cost_estimate"])
            except (forms.ValidationError, DomainError) as error:
                form.add_error(None, getattr(error, "message", error))
            else:
                rules = services.active_rules(client_id=item.return_request.client_id)
                outcome = {
                    "item": item, "facts": facts,
                    "rules": [(rule, services.rule_matches(rule=rule, facts=facts)) for rule in rules],
                    "recommendation": services.recommend_for(facts=facts, rules=rules),
                }
        return TemplateResponse(request, "admin/disposition/dispositionrule/test.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "Test the rules on a unit",
            "form": form, "outcome": outcome,
        })


@admin.register(models.Disposition)
class DispositionAdmin(ReadOnlyAdmin):
    list_display = ["item", "recommended_action", "action", "expected_recovery_value", "destination",
                    "decided_by", "decided_at"]
    list_filter = ["action", "item__return_request__client"]
    list_select_related = ["item__return_request", "item__order_line", "decided_by"]
    search_fields = ["item__return_request__ran", "item__order_line__sku"]


@admin.register(models.StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["at", "client", "warehouse", "sku", "quantity", "actor"]
    list_filter = ["client", "warehouse"]
    list_select_related = ["client", "warehouse", "actor"]
    search_fields = ["sku"]
