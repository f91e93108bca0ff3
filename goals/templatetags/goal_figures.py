"""Goal figures in templates, written by the one formatter (`goals.formats`)."""

from django import template

from goals import formats

register = template.Library()


@register.filter
def goal_value(value, goal):
    """A measured value of `goal` (actual, expected, projection) at its target's precision."""
    return formats.value_text(goal, value)


@register.filter
def goal_term(value, goal):
    """A value someone agreed on (target, baseline, landmark): its own decimals kept."""
    return formats.value_text(goal, value, exact=True)


@register.filter
def attainment(value):
    return formats.attainment_text(value)


@register.filter
def day(value):
    return formats.day_text(value)


@register.filter
def person(user):
    """A person by name as both sides know them (full name, else username); "—" for none."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


@register.filter
def percent(value, digits=0):
    """A percentage (30.4, not 0.304) as the reader writes it: "30.4%" / "30,4 %"."""
    return formats.percent_text(value, int(digits))
