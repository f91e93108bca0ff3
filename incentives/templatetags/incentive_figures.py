"""Template filters that write a programme's figures through `incentives.formats`:
`{{ value|measure:programme }}`, `{{ tier.threshold|threshold:programme }}`,
`{{ tier.rate|rate:programme }}`, `{{ outlook.gap|gap:programme }}`."""

from django import template

from incentives import formats

register = template.Library()


@register.filter
def measure(value, programme):
    return formats.measure_text(programme, value)


@register.filter
def threshold(value, programme):
    return formats.measure_text(programme, value, exact=True)


@register.filter
def rate(value, programme):
    return formats.rate_text(programme, value)


@register.filter
def gap(value, programme):
    return formats.gap_text(programme, value)
