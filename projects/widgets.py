"""Form widgets of the portal's own."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

SELECTED = mark_safe(" selected")


class QuickSelect(forms.Select):
    """A ``<select>`` written in Python instead of one template per option.

    Django renders every option through a template; for a filter listing a few hundred municipalities
    that is most of a page's time (docs/benchmarks.md). The HTML is the same as Django's.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = (option for _group, group_options, _index in widget["optgroups"] for option in group_options)
        rendered = format_html_join(
            "\n",
            '<option value="{}"{}>{}</option>',
            ((option["value"], SELECTED if option["selected"] else "", option["label"]) for option in options),
        )
        return format_html('<select name="{}"{}>\n{}\n</select>', name, flatatt(widget["attrs"]), rendered)
