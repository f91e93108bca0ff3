"""`{% load i18n french %}`: `{% blocktranslate %}` that elides "de", "le" and "la" before a
name in French ("Fiche de performance d'Atlantique Process SA"), and the `day_one` filter.

Loaded after `i18n`, this library's `blocktranslate` replaces Django's in that template only; it
renders exactly as Django's does, the elision aside, and makemessages reads it as Django's (the
tag keeps its name). See `drm.french`.
"""

import copy

from django import template
from django.templatetags.i18n import BlockTranslateNode, do_block_translate
from django.utils.safestring import SafeData, SafeString, mark_safe

from drm import french
from drm.names import reads_french

register = template.Library()


class _Marked:
    """A `with name=…` value, marked where it starts (see `drm.french.unmark`)."""

    def __init__(self, expression):
        self.expression = expression

    def resolve(self, context):
        return _mark(self.expression.resolve(context))


def _mark(value):
    if not french.markable(value):
        return value
    marked = french.mark(value)
    return mark_safe(marked) if isinstance(value, SafeData) else marked  # noqa: S308 - was safe


class ElidingBlockTranslateNode(BlockTranslateNode):
    def render(self, context, nested=False):
        if not reads_french():
            return super().render(context, nested)
        names = self.render_token_list(self.singular)[1]
        if self.plural:
            names += self.render_token_list(self.plural)[1]
        # A copy: the parsed template (and this node) is shared by every request.
        node = copy.copy(self)
        node.extra_context = {key: _Marked(value) for key, value in self.extra_context.items()}
        outer = {
            name: _mark(context[name])
            for name in names
            if name not in self.extra_context and name != self.countervar and name in context
        }
        with context.push(outer):
            output = BlockTranslateNode.render(node, context, nested)
            stored = context.get(self.asvar) if self.asvar else None
        if self.asvar:
            context[self.asvar] = SafeString(french.unmark(stored))
            return ""
        return french.unmark(output)


@register.tag("blocktranslate")
@register.tag("blocktrans")
def do_eliding_block_translate(parser, token):
    node = do_block_translate(parser, token)
    eliding = ElidingBlockTranslateNode.__new__(ElidingBlockTranslateNode)
    eliding.__dict__.update(node.__dict__)
    return eliding


@register.filter
def day_one(text):
    """`{{ day|date:"DATE_FORMAT"|day_one }}`: "1er février 2026" in French."""
    return french.day_one(text)
