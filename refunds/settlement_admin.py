"""Finance's settlement screens on the refunds list: a client's settlement file, and importing its confirmations.

The import follows the order import's pattern (django-import-export's preview, then confirm): the
resource hands the whole file to refunds.settlement, which checks every row and applies all or nothing.
A file of more than settlement.INLINE_MOST_ROWS rows (or settings.IMPORT_INLINE_MAX_ROWS, if fewer) skips
the preview and becomes an import job (refunds.import_jobs) of the client picked, checked and applied by a
worker while finance watches its page.
"""

import io

import tablib
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from import_export import fields, resources
from import_export.admin import ImportMixin
from import_export.forms import ConfirmImportForm
from import_export.results import RowResult

from core.errors import DomainError
from core.import_admin import CheckedCSV, CheckedImportForm, CheckedImportMixin, XLSXFormulasAsText
from core.import_results import ServiceImportResult
from importjobs.admin import BackgroundImportMixin
from refunds import settlement
from rma.models import Client

ROW_RESULT_TYPES = {settlement.SETTLE: RowResult.IMPORT_TYPE_UPDATE,
                    settlement.ALREADY_SETTLED: RowResult.IMPORT_TYPE_SKIP}


class SettlementFileForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.order_by("name"))
    file_format = forms.ChoiceField(label="Format", choices=[("csv", "CSV"), ("xlsx", "Excel (XLSX)")],
                                    initial="csv")


class ConfirmationImportForm(CheckedImportForm):
    client = forms.ModelChoiceField(queryset=Client.objects.order_by("name"),
                                    help_text="Whose confirmation file this is: rows of another client's refunds "
                                    "are refused.")
    field_order = ["client", "resource", "import_file", "format"]


class ConfirmationConfirmForm(ConfirmImportForm):
    client = forms.ModelChoiceField(queryset=Client.objects.all(), widget=forms.HiddenInput)


class SettlementConfirmationResource(resources.Resource):
    """A client's confirmation file; every rule is in refunds.settlement."""

    @classmethod
    def get_display_name(cls) -> str:
        return "Settlement confirmations"

    def get_user_visible_fields(self) -> list[fields.Field]:
        return [fields.Field(column_name=column) for column in settlement.CONFIRMATION_COLUMNS]

    def import_data(self, dataset: tablib.Dataset, dry_run: bool = False, **kwargs) -> ServiceImportResult:
        columns = dataset.headers or []
        rows = [dict(zip(columns, values, strict=False)) for values in dataset]
        report = settlement.import_settlement_confirmations(
            client=kwargs["client"], columns=columns, rows=rows, actor=kwargs["user"], dry_run=dry_run,
            file_name=kwargs.get("file_name") or "",
        )
        return ServiceImportResult(
            report, records=[(confirmation.action, confirmation.refund) for confirmation in report.confirmations],
            row_types=ROW_RESULT_TYPES,
        )


class SettlementAdmin(BackgroundImportMixin, CheckedImportMixin, ImportMixin):
    """Mix into the refunds admin: the "Settlement file" page and "Import confirmations" (preview, confirm;
    a large file as an import job)."""

    resource_classes = [SettlementConfirmationResource]
    import_formats = [CheckedCSV, XLSXFormulasAsText]
    import_template_name = "admin/refunds/refund/import.html"
    import_form_class = ConfirmationImportForm
    confirm_form_class = ConfirmationConfirmForm
    background_import_kind = "settlement"
    # The refunds list keeps its own buttons (change_list_object_tools.html links both pages).
    import_export_change_list_template = None
    # Each settled refund's return already says who settled it, when and from which file.
    skip_admin_log = True

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("refunds.import_settlement")

    def get_urls(self):
        own = [path("settlement/", self.admin_site.admin_view(self.settlement_view), name="refunds_refund_settlement")]
        return own + super().get_urls()

    def settlement_view(self, request: HttpRequest) -> HttpResponse:
        """Pick a client and download the refunds its own systems owe (original payment, exchanges)."""
        if not request.user.has_perm("refunds.export_settlement"):
            raise PermissionDenied
        form = SettlementFileForm(request.GET or None)
        if form.is_bound and form.is_valid():
            client, file_format = form.cleaned_data["client"], form.cleaned_data["file_format"]
            content = io.BytesIO()
            try:
                settlement.write_settlement_file(client=client, actor=request.user, file_format=file_format,
                                                 file=content)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                name = settlement.settlement_file_name(client=client, file_format=file_format)
                response = HttpResponse(content.getvalue(), content_type=settlement.FILE_FORMATS[file_format])
                response["Content-Disposition"] = f'attachment; filename="{name}"'
                return response
        owed = settlement.owed_per_client()
        return TemplateResponse(request, "admin/refunds/refund/settlement.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "title": "Settlement file",
            "form": form, "columns": settlement.SETTLEMENT_COLUMNS,
            "clients": [(client, owed[client.pk]) for client in Client.objects.filter(pk__in=owed).order_by("name")],
        })

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        if isinstance(response, TemplateResponse):  # not the redirect to a large file's import job
            response.context_data["title"] = "Import settlement confirmations"
        return response

    def inline_max_rows(self) -> int:
        # Completing a refund takes one service call each, far slower than an order import's bulk writes.
        return min(super().inline_max_rows(), settlement.INLINE_MOST_ROWS)

    def get_background_import_options(self, form) -> dict:
        return {"client_id": form.cleaned_data["client"].pk, "file_name": form.cleaned_data["import_file"].name}

    def get_import_data_kwargs(self, **kwargs) -> dict:
        form = kwargs.pop("form", None)
        return {**kwargs, "client": form.cleaned_data["client"]} if form is not None else kwargs

    def get_confirm_form_initial(self, request, import_form) -> dict:
        initial = super().get_confirm_form_initial(request, import_form)
        return {**initial, "client": import_form.cleaned_data["client"].pk} if import_form is not None else initial

    def process_result(self, result, request):
        # The preview passed, but the file is checked again on confirming: a refund may have been paid since.
        if result.report.problems:
            problems = "; ".join(str(problem) for problem in result.report.problems)
            self.message_user(request, f"Nothing was imported: {problems}", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:refunds_refund_import"))
        self.message_user(request, f"Confirmations of {result.report.client} imported: {result.report.summary}.",
                          messages.SUCCESS)
        return HttpResponseRedirect(f"{reverse('admin:refunds_refund_changelist')}?queue=issued")
