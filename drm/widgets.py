"""Pickers that search as one types: a select, a multiple select (its choices shown as chips
that can be removed), or a code typed in a box that searches a URL of the portal. The page
enhances them (`static/js/pickers.js` over Tom Select, vendored under static/vendor/); without
JavaScript they stay what they were: a select, or a box for the code."""

from urllib.parse import urlencode

from django import forms
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

# What a picker says, in the reader's language (the script reads them from the element).
TEXTS = {
    "data-picker-none": gettext_lazy("Nothing matches."),
    "data-picker-remove": gettext_lazy("Remove"),
    "data-picker-chosen": gettext_lazy("Chosen:"),
    "data-picker-removed": gettext_lazy("Removed:"),
    "data-picker-searching": gettext_lazy("Searching…"),
    "data-picker-prompt": gettext_lazy("Type to search…"),
}


def _attrs(picker, attrs, url=None, params=None):
    found = {"data-picker": picker, **TEXTS, **(attrs or {})}
    if url:
        query = f"?{urlencode(params, doseq=True)}" if params else ""
        found["data-picker-url"] = format_lazy("{}{}", reverse_lazy(url), query)
    return found


class PickerSelect(forms.Select):
    """One choice among the select's options, searched by typing."""

    def __init__(self, attrs=None, choices=()):
        super().__init__(_attrs("one", attrs), choices)


class PickerSelectMultiple(forms.SelectMultiple):
    """Several choices, searched by typing; the chosen ones show as chips to remove."""

    def __init__(self, attrs=None, choices=()):
        super().__init__(_attrs("many", attrs), choices)


class PickerCodeInput(forms.TextInput):
    """A code typed in a box, or found by typing part of its code or name: the page asks `url`
    (a route name answering `?q=` with `{"results": [{"value", "text"}]}`; `params` narrow it).
    Too many to list in the page (a channel of thousands of distributors), they are searched
    where they are."""

    def __init__(self, attrs=None, *, url, params=None, placeholder=""):
        attrs = {"autocomplete": "off", **(attrs or {})}
        if placeholder:
            attrs["placeholder"] = placeholder
        super().__init__(_attrs("one", attrs, url, params))


class LanguageSelect(forms.Select):
    """A choice of languages, each named in its own language and marked so (`lang`), as a screen
    reader reads it and as a French page may say "English"."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["lang"] = value
        return option
