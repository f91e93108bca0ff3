"""The distributor at the centre: the sections of its 360° page, its timeline and the day's
"Waiting for you" items, contributed by the apps above this one.

Leads, goals and scoring sit above distributors (they import it, never the reverse), yet the
distributor page and the partner's home must show their figures. So each app registers, in its
`AppConfig.ready()`, small builders here; the pages read them in one place, in order:

- a *section* builds a template context for one distributor, or None to stay hidden (a
  manufacturer-only block for a partner, say);
- a *timeline source* gives its latest entries for one distributor (a bounded query each, so the
  page's query count does not grow with the distributor's history);
- a *to-do source* counts what waits for the viewer and names the list that shows exactly those
  rows: the count and the list come from the same selector.
"""

import collections
import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

from django.db.models import Window
from django.utils import timezone

from drm import compiled

TIMELINE_LENGTH = 15  # entries on the distributor page; each source gives at most this many
TODO_PREVIEW = 3  # rows named under a to-do item; its link opens all of them


@dataclasses.dataclass(frozen=True)
class Section:
    key: str
    order: int
    template: str
    # (distributor, viewer, today) -> context dict for `template`, or None to hide the section.
    build: Callable[..., dict | None]


@dataclasses.dataclass(frozen=True)
class TimelineEntry:
    when: datetime.datetime
    kind: str  # a short label of what happened: "Goal agreed", "Lead rejected"
    text: str
    url: str = ""
    who: str = ""
    tone: str = "secondary"  # Bootstrap colour of the kind badge


@dataclasses.dataclass(frozen=True)
class TodoRow:
    text: str
    url: str
    due: datetime.date | datetime.datetime | None = None
    overdue: bool = False
    due_word: str = ""  # what the date is, "ends" for a contract; "due" when empty

    @property
    def has_time(self):
        return isinstance(self.due, datetime.datetime)


@dataclasses.dataclass(frozen=True)
class Todo:
    key: str
    label: str  # "Leads to accept", already counted in the reader's language
    count: int
    url: str  # the list showing exactly `count` rows
    rows: tuple[TodoRow, ...] = ()
    overdue: int = 0  # of which past their deadline
    action: str = ""  # what doing it means: "Accept or reject"

    @property
    def more(self):
        return max(self.count - len(self.rows), 0)


@dataclasses.dataclass(frozen=True)
class TodoSource:
    key: str
    order: int
    # (viewer, *, distributor, scope, today) -> Todo or None when it does not apply to viewer.
    build: Callable[..., Todo | None]


_sections: dict[str, Section] = {}
_timeline: dict[str, Callable[..., list[TimelineEntry]]] = {}
_todos: dict[str, TodoSource] = {}


def register_section(key, *, order, template, build):
    _sections[key] = Section(key, order, template, build)


def register_timeline(key, build):
    """`build(distributor, viewer, limit)` -> its latest entries, newest first."""
    _timeline[key] = build


def register_todo(key, *, order, build):
    _todos[key] = TodoSource(key, order, build)


@dataclasses.dataclass(frozen=True)
class BuiltSection:
    key: str
    template: str
    context: dict[str, Any]


def head_and_counts(queryset, size, **counts):
    """The first `size` rows of `queryset` and its counts, in one query: each count is a window
    over the whole filtered set (`total=Count("pk")`, `overdue=Count("pk", filter=Q(...))`)
    read off the first row; with no row every count is 0. For a distributor's short lists
    (goals, steps, reviews): the window reads every matching row, where a LIMIT alone stops
    early, so a list of thousands keeps its count in a query of its own."""
    return _counted(list(_with_counts(queryset, size, counts)), counts)


def frozen_head_and_counts(key, build, size, *, prepare=True, **values):
    """head_and_counts() of the queryset and counts `build(**values)` returns, its SQL compiled
    once per `key` (drm.compiled: `key` holds the viewer and whatever else shapes the SQL;
    `prepare` as compiled.rows takes it)."""
    names = {}

    def annotated(**values):
        queryset, counts = build(**values)
        names.update(counts)
        return _with_counts(queryset, size, counts)

    rows = compiled.rows(key, annotated, prepare=prepare, **values)
    if names:
        return _counted(rows, names)
    # Read off the SQL frozen earlier, so the count names are the first row's.
    if not rows:
        return rows, collections.defaultdict(int)
    return rows, {
        name.removeprefix(_WINDOW): value
        for name, value in vars(rows[0]).items()
        if name.startswith(_WINDOW)
    }


_WINDOW = "window_"


def _with_counts(queryset, size, counts):
    return queryset.annotate(
        **{f"{_WINDOW}{name}": Window(expression) for name, expression in counts.items()}
    )[:size]


def _counted(rows, counts):
    if not rows:
        return rows, dict.fromkeys(counts, 0)
    return rows, {name: getattr(rows[0], f"{_WINDOW}{name}") for name in counts}


SHARED = "_record_shared"


def share_within_page(distributor):
    """Let the builders of one page of `distributor` share what two of them read (the waiting
    leads of the leads section and of the partner's to-do, the months not reported): the page
    calls this once on the instance it hands to every builder, and the memo lives as long as
    that instance, the request."""
    setattr(distributor, SHARED, {})


def shared(distributor, key, build):
    """`build()`, once per page when share_within_page() was called on `distributor` (else every
    time): `key` names what is built, with whatever it depends on besides the distributor."""
    memo = getattr(distributor, SHARED, None) if distributor is not None else None
    if memo is None:
        return build()
    if key not in memo:
        memo[key] = build()
    return memo[key]


def sections(distributor, viewer, *, today=None):
    """The sections of `distributor`'s page as `viewer` sees them, in order."""
    today = today or timezone.localdate()
    built = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.key)):
        context = section.build(distributor, viewer, today)
        if context is not None:
            built.append(BuiltSection(section.key, section.template, context))
    return built


def timeline(distributor, viewer, *, limit=TIMELINE_LENGTH):
    """What happened to `distributor`, newest first, across the apps."""
    entries = [entry for build in _timeline.values() for entry in build(distributor, viewer, limit)]
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]


def todos(viewer, *, distributor=None, scope=None, today=None):
    """What waits for `viewer`: on a partner's home, for its `distributor`; on a manager's
    dashboard, across the distributors of `scope` ("mine" or "all"). Items with nothing waiting
    are left out."""
    today = today or timezone.localdate()
    found = []
    for source in sorted(_todos.values(), key=lambda s: (s.order, s.key)):
        todo = source.build(viewer, distributor=distributor, scope=scope, today=today)
        if todo is not None and todo.count:
            found.append(todo)
    return found
