"""A requirement's figure written in its unit: `{{ requirement|tier_threshold:value }}`."""

from django import template

register = template.Library()


@register.filter
def tier_threshold(requirement, value):
    return requirement.text(value)
