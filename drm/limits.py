"""Free text has limits: the sizes it comes in, and the check every service runs on it.

A limit is declared once, as the model field's `max_length` (a TextField's too: the database
does not enforce it, but forms and ModelSerializers read it, and the services call
`text_check`), so a page, the API and an import refuse the same text with the same words.
"""

from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .errors import ValidationFailed

# A title, a label, a note of one line.
ONE_LINE = 200
# An explanation, a reason, a description, a note, feedback: a few paragraphs.
PARAGRAPHS = 2000


def text_limit(model, name):
    """The most characters `model`'s field `name` takes (for a form or serializer field)."""
    return model._meta.get_field(name).max_length


def text_within(value, *, limit, label, field):
    """`value` unchanged, or a ValidationFailed naming `field` when it is longer than `limit`."""
    if isinstance(value, str) and limit is not None and len(value) > limit:
        raise ValidationFailed(
            _("%(label)s: at most %(limit)s characters (you wrote %(count)s).")
            % {
                "label": capfirst(str(label)),
                "limit": number_format(limit, force_grouping=True),
                "count": number_format(len(value), force_grouping=True),
            },
            field=field,
        )
    return value


def text_check(model, name, value, *, field=None):
    """`value` within the limit of `model`'s field `name`, or a ValidationFailed naming `field`
    (the input's name where it differs from the model field's) with the field's label."""
    model_field = model._meta.get_field(name)
    return text_within(
        value, limit=model_field.max_length, label=model_field.verbose_name, field=field or name
    )


def texts_check(model, values):
    """Each text of `values` (model field name → value) within its field's limit."""
    names = {field.name for field in model._meta.get_fields()}
    for name, value in values.items():
        if name in names and isinstance(value, str):
            text_check(model, name, value)
