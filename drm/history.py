"""Change history: django-simple-history records turned into "who changed what, when, old → new".

Any app that tracks a model with `HistoricalRecords` lists its changes with `history_changes()`;
the caller scopes the records and names the fields its viewer may not see.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.utils import get_m2m_reverse_field_name

from drm import compiled
from drm.formats import date_time, short_date

ACTIONS = {
    "created": _("created"),
    "changed": _("changed"),
    "deleted": _("deleted"),
}


@dataclass(frozen=True)
class Change:
    """One line of a history: a field that went from `old` to `new`, or a whole record."""

    when: datetime.datetime
    who: object  # the user, or None when unknown (a script, a data migration)
    action: str  # "created", "changed" or "deleted"
    subject: str  # which record: "Acme Industrial Supply", "jane@acme.example"
    field: str  # the field's label; "" for a record created or deleted without details
    old: str | None  # as the reader reads it: "€72,000.00", "31/12/2026", "Probation"
    new: str | None
    # The same values for machines (the API): ISO dates, plain decimals, choice codes, ids.
    old_value: str | None = None
    new_value: str | None = None
    name: str = ""  # the field's name, for callers that keep some fields of a history

    @property
    def action_label(self):
        return ACTIONS[self.action]

    @property
    def who_name(self):
        if self.who is None:
            return ""
        return self.who.get_full_name() or self.who.get_username()


def history_changes(
    records, *, fields, hidden=(), subject=str, shown_on_create=(), written=None, frozen=None
):
    """The changes recorded in `records` (a historical queryset), newest first.

    `fields` names the tracked fields (and many-to-many fields) worth showing; `hidden` those
    the viewer may not see: their values and the fact that they changed are both left out.
    `subject(record)` names the record a change belongs to; `shown_on_create` are the fields
    whose first value a "created" line shows. Records of several objects may be mixed: each is
    compared with the previous record of the same object. `written` maps a field to
    `f(value, record) -> text` for values only the caller can write (an amount with its
    currency); the others are written by their kind (`_text`).

    A fixed number of queries whatever the number of records: one for the records (with their
    users), one per many-to-many field, one per foreign key that changed. Each record is compared
    in Python with the one before; the callers page the list.

    `frozen` = (key, build, values) reads the records and their links through drm.compiled
    (`build(**values)` makes `records`), for a page that reads the same history every time.
    """
    model = records.model
    names = [name for name in fields if name not in set(hidden)]
    m2m = {f.name: f for f in getattr(model, "_history_m2m_fields", ()) if f.name in names}
    scalar = [name for name in names if name not in m2m]

    def read(part, make):
        if frozen is None:
            return list(make(records))
        key, build, values = frozen
        return compiled.rows((key, part), lambda **v: make(build(**v)), **values)

    links = {name: _links(model, name, field, read) for name, field in m2m.items()}
    key = model.instance_type._meta.pk.attname
    previous = {}
    raw = []
    ordered = read(
        "records",
        lambda found: found.select_related("history_user").order_by("history_date", "history_id"),
    )
    for record in ordered:
        record.history_links = {name: by_record[record.pk] for name, by_record in links.items()}
        object_id = getattr(record, key)
        before = previous.get(object_id)
        previous[object_id] = record
        raw.extend(_record_changes(record, before, scalar, m2m, shown_on_create))
    labels = _foreign_key_labels(model, raw)
    written = written or {}

    def text(record, name, value):
        if name in written and value is not None and value != "":
            return str(written[name](value, record))
        return _text(model, name, value, labels)

    changes = [
        Change(
            when=record.history_date,
            who=record.history_user,
            action=action,
            subject=str(subject(record)),
            field=_label(model, name),
            name=name,
            old=text(record, name, old),
            new=text(record, name, new),
            old_value=_machine(old),
            new_value=_machine(new),
        )
        for record, action, name, old, new in raw
    ]
    changes.sort(key=lambda change: change.when, reverse=True)
    return changes


def _record_changes(record, before, scalar, m2m, shown_on_create):
    """(record, action, field name, old, new) for what `record` changed since `before`."""
    if record.history_type == "-":
        return [(record, "deleted", "", None, None)]
    if record.history_type == "+" or before is None:
        if record.history_type != "+":
            # The first record of an object tracked after it was created: a baseline only.
            return []
        shown = [name for name in shown_on_create if name in scalar or name in m2m]
        if not shown:
            return [(record, "created", "", None, None)]
        return [(record, "created", name, None, _value(record, name, m2m)) for name in shown]
    out = []
    if scalar:
        delta = record.diff_against(before, included_fields=scalar)
        out.extend((record, "changed", c.field, c.old, c.new) for c in delta.changes)
    for name in m2m:
        old, new = _value(before, name, m2m), _value(record, name, m2m)
        if old != new:
            out.append((record, "changed", name, old, new))
    out.sort(key=lambda row: row[2])
    return out


def _links(model, name, field, read):
    """{history record id: names of the objects linked then} for one many-to-many field;
    `read(part, make)` reads `make(records)`."""
    reverse_name = get_m2m_reverse_field_name(field)
    through = getattr(model, name).model
    rows = read(
        ("links", name),
        lambda found: through.objects.filter(history_id__in=found.values("pk")).select_related(
            reverse_name
        ),
    )
    linked = defaultdict(set)
    for row in rows:
        target = getattr(row, reverse_name)
        linked[row.history_id].add(str(target) if target is not None else "?")
    return defaultdict(frozenset, {pk: frozenset(names) for pk, names in linked.items()})


def _value(record, name, m2m):
    if name in m2m:
        return record.history_links[name]
    field = record._meta.get_field(name)
    return getattr(record, field.attname)


def _foreign_key_labels(model, raw):
    """{field name: {pk: str(object)}} for the foreign keys that changed, one query per field."""
    wanted = defaultdict(set)
    for _record, _action, name, old, new in raw:
        if name and isinstance(_field(model, name), models.ForeignKey):
            wanted[name].update(pk for pk in (old, new) if pk is not None)
    labels = {}
    for name, pks in wanted.items():
        related = _field(model, name).related_model
        labels[name] = {pk: str(obj) for pk, obj in related._base_manager.in_bulk(pks).items()}
    return labels


def _field(model, name):
    """A field of the tracked model, or one that only its history records carry."""
    try:
        return model.instance_type._meta.get_field(name)
    except FieldDoesNotExist:
        return model._meta.get_field(name)


def _label(model, name):
    if not name:
        return ""
    return capfirst(_field(model, name).verbose_name)


def _text(model, name, value, labels):
    """A value as a person reads it: choice labels, object names, dates and numbers in the
    reader's locale (drm.formats: the short date, the date-time)."""
    if value is None or value == "":
        return None
    if isinstance(value, frozenset):
        return ", ".join(sorted(value)) or None
    field = _field(model, name)
    if name in labels:
        return labels[name].get(value, f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime.datetime):
        return date_time(value)
    if isinstance(value, datetime.date):
        return short_date(value)
    if isinstance(value, Decimal | float | int):
        return _number(value)
    return str(value)


def _number(value):
    """Grouped the reader's way, with the decimals it has: 72,000 / 72 000; 1,234.5."""
    if isinstance(value, Decimal):
        value = value.normalize() if value == value.to_integral() else value
        places = max(-value.as_tuple().exponent, 0)
    else:
        places = None
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def _machine(value):
    """A value as the API gives it: ISO dates, plain numbers, choice codes, ids."""
    if value is None or value == "":
        return None
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):  # and date-times
        return value.isoformat()
    return str(value)
