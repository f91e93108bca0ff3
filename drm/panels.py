"""Panels an app higher up the layers adds to a page of an app below it: the training a lead's
product line asks for, on the lead's page (partnership), without leads importing partnership.

A page names its place ("lead", "goal", "materials") and what it shows (`build(place, **facts)`);
each panel registered for the place builds its template's context from those facts, or None to
stay hidden. The page's template renders them with `{% include "_panels.html" %}`.
"""

import dataclasses
from collections import defaultdict
from typing import Any


@dataclasses.dataclass(frozen=True)
class Panel:
    key: str
    order: int
    template: str
    build: Any


@dataclasses.dataclass(frozen=True)
class BuiltPanel:
    key: str
    template: str
    context: dict


_panels = defaultdict(dict)


def register(place, key, *, template, build, order=50):
    """`build(**facts)` -> the template's `panel` context, or None (hidden)."""
    _panels[place][key] = Panel(key, order, template, build)


def build(place, **facts):
    """The panels of `place` that have something to show, in their order."""
    built = []
    for panel in sorted(_panels[place].values(), key=lambda each: (each.order, each.key)):
        context = panel.build(**facts)
        if context is not None:
            built.append(BuiltPanel(panel.key, panel.template, context))
    return built
