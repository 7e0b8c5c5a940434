"""The Export button of a list's object tools, for those who may export it."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from reports import exports

register = template.Library()


@register.simple_tag(takes_context=True)
def export_button(context) -> str:
    changelist, request = context.get("cl"), context.get("request")
    listing = exports.exportable(changelist.model) if changelist else None
    if listing is None or not exports.may_export(request.user, listing.model):
        return ""
    opts = listing.model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_export")
    return format_html('<li><a href="{}{}" class="export_link">Export</a></li>', url, changelist.get_query_string())
