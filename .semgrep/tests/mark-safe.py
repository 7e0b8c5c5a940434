# Fixture of the mark-safe rule: `semgrep --test --config .semgrep .semgrep/tests` (scripts/static_analysis.sh).
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def customer_line(customer):
    # ruleid: mark-safe-on-data
    return mark_safe(f"<b>{customer.name}</b>")


def note(text):
    # ruleid: mark-safe-on-data
    return mark_safe(text)


def imported_cell(value):
    # ruleid: mark-safe-on-data
    return SafeString(value)


def separator():
    # ok: mark-safe-on-data
    return mark_safe("<hr>")


def customer_line_escaped(customer):
    # ok: mark-safe-on-data
    return format_html("<b>{}</b>", customer.name)
