"""Template filters of the catalogue of sales materials, products and promotions."""

from django import template

register = template.Library()


@register.filter
def feedback_for(rated, material_id):
    """The viewer's feedback on an item from `rated` ({material id: MaterialFeedback}), or None."""
    if not rated:
        return None
    return rated.get(material_id)
