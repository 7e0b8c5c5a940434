"""django-import-export's Import page, with every file checked by core.imports before it is read.

The formats read files through core.imports (content checks, the zip-bomb check, openpyxl's streaming
mode, the row limit) and never through tablib's own readers; the form refuses a bad file with a clear
message on the file field; the mixin shows a refusal met while reading as that message, too.
"""

import tablib
from django import forms
from import_export.formats import base_formats
from import_export.forms import ImportForm

from core import imports


def dataset_of(sheet: imports.Sheet) -> tablib.Dataset:
    if not sheet.headers:
        raise imports.ImportFileRefused("The file is empty: its first row names the columns.")
    return tablib.Dataset(*sheet.rows, headers=sheet.headers)


class CheckedCSV(base_formats.CSV):
    """A CSV file read as bytes, so that its content is checked before it is decoded (UTF-8, no NUL)."""

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        return dataset_of(imports.read_sheet(in_stream, file_format=imports.CSV))

    def get_read_mode(self) -> str:
        return "rb"

    def is_binary(self) -> bool:
        return True


class CheckedXLSX(base_formats.XLSX):
    """An XLSX file giving each formula cell the value the spreadsheet saved for it."""

    formulas_as_text = False

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        return dataset_of(
            imports.read_sheet(in_stream, file_format=imports.XLSX, formulas_as_text=self.formulas_as_text)
        )


class XLSXFormulasAsText(CheckedXLSX):
    """XLSX whose formula cells read as the formula's text: stored as written, never evaluated."""

    formulas_as_text = True


class CheckedImportForm(ImportForm):
    """Refuses, on the file field, a file too large, not of its format, or of too many rows.

    `rows_in_file` then says how many rows the file has under its header.
    """

    def __init__(self, formats, resources, **kwargs) -> None:
        super().__init__(formats, resources, **kwargs)
        self.import_formats = formats
        self.rows_in_file = 0

    def clean(self) -> dict:
        cleaned = super().clean()
        upload, chosen = cleaned.get("import_file"), cleaned.get("format")
        if upload is None or chosen in (None, ""):
            return cleaned
        try:
            imports.check_size(upload.size)
            file_format = self.import_formats[int(chosen)]().get_extension()
            upload.seek(0)
            self.rows_in_file = imports.count_rows(upload.read(), file_format=file_format)
        except imports.ImportFileRefused as refused:
            self.add_error("import_file", refused.message)
        finally:
            upload.seek(0)
        return cleaned


class CheckedImportMixin:
    """Mix in before import_export's ImportMixin: the checked form, and refusals shown as they are worded."""

    import_form_class = CheckedImportForm

    def add_data_read_fail_error_to_form(self, form: forms.Form, error: Exception) -> None:
        if isinstance(error, imports.ImportFileRefused):
            form.add_error("import_file", error.message)
        else:
            super().add_data_read_fail_error_to_form(form, error)
