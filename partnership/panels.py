"""What the training catalogue adds beside the day's work (`drm.panels`): on a lead's page, a
goal's page and the materials library, the courses on that product line and how many of the
distributor's people passed each and hold its certification."""

from django.urls import reverse
from django.utils import timezone

from drm import panels
from identity.access import user_membership

from . import selectors

COURSES_SHOWN = 4


def _training(*, product_line, distributor_id, viewer):
    if distributor_id is None:
        membership = user_membership(viewer)
        distributor_id = membership.distributor_id if membership else None
    lines = [product_line.pk] if product_line is not None else []
    courses = list(
        selectors.training_for(
            product_line_ids=lines, distributor_id=distributor_id, today=timezone.localdate()
        )[:COURSES_SHOWN]
    )
    if not courses:
        return None
    url = reverse("partnership:courses")
    if product_line is not None:
        url = f"{url}?product_line={product_line.code}"
    return {
        "courses": courses,
        "product_line": product_line,
        "distributor_known": distributor_id is not None,
        "courses_url": url,
    }


def lead_training(*, lead, viewer):
    return _training(
        product_line=lead.product_line, distributor_id=lead.distributor_id, viewer=viewer
    )


def goal_training(*, goal, viewer):
    """A goal on a product line, or one counting trainings, shows the courses that serve it."""
    if goal.product_line_id is None and goal.metric != "trainings":
        return None
    return _training(
        product_line=goal.product_line, distributor_id=goal.distributor_id, viewer=viewer
    )


def materials_training(*, product_line, viewer):
    return _training(product_line=product_line, distributor_id=None, viewer=viewer)


def register():
    template = "partnership/_training_panel.html"
    panels.register("lead", "training", template=template, build=lead_training)
    panels.register("goal", "training", template=template, build=goal_training)
    panels.register("materials", "training", template=template, build=materials_training)
