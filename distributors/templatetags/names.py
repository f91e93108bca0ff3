"""Reference names in the reader's language: `{{ distributor.region|region }}`.

Tiers, territories, product lines, customer categories and lead sources carry their own
`display_name`; a region is text, named in French through `distributors.regions`.
"""

from django import template

from ..regions import region_display

register = template.Library()


@register.filter
def region(value):
    """A region as the reader sees it: its French name for a French reader, when it has one."""
    return region_display(value)
