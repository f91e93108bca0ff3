"""Querysets compiled once per process: a hot page's queries keep their SQL and change only
their parameter values.

Django builds and compiles a queryset's SQL on every evaluation. On the 360° record and the
partner's home, whose forty-odd queries plan in Postgres in a fraction of a millisecond each,
building and compiling them in Python was a third of the page's time. `rows(key, build,
**values)` builds the queryset once with stand-in values (markers) in place of `values`,
compiles it, and notes where each marker lands among the SQL's parameters; every later call
runs that SQL with the real values put in those places.

What makes it safe:
- the memo is keyed by `key` (one per call site, with whatever else shapes the SQL: a limit,
  the viewer whose scope the queryset carries), by which values are None (NULL changes the SQL)
  and by each value's type;
- when it freezes a queryset, it builds it a second time with other markers: the SQL must be the
  same and the parameters must differ exactly where a marker is. A value the build derives from
  a marker (a year from a date, a list from an id) would otherwise be frozen as a constant; it
  fails loudly instead (FrozenQueryError), and the caller passes that value as its own;
- with settings.COMPILED_QUERIES_CHECK (on in the tests), every call also builds and compiles the
  queryset from the real values and fails unless the SQL and parameters are the ones it runs.

On Postgres, with settings.COMPILED_QUERIES_PREPARE (on by default), the frozen SQL is also
prepared on each connection the first time it runs there and executed by name after: Postgres
plans it once per connection instead of on every request (planning was most of these queries'
time in the database).

Only on Postgres; other databases (the one-command demo's SQLite) build every time.
`build(**values)` must only make a queryset from its arguments, with no reads and no branches on
their values.
"""

import copy
import dataclasses
import datetime
import decimal
import hashlib
import itertools
import re
import threading
import uuid
from collections import OrderedDict

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.test.signals import setting_changed
from django.utils import timezone, translation

# Lists longer than this are not frozen: each length is an entry of its own.
LONGEST_LIST = 64
# Entries kept per process (least recently used dropped first): each holds one SQL string and
# one compiler's column lists, a few kilobytes.
MEMO_SIZE = 2048


class FrozenQueryError(RuntimeError):
    """A queryset cannot be frozen as built: a marker does not reach the SQL as itself."""


@dataclasses.dataclass(frozen=True)
class _Frozen:
    queryset: models.QuerySet
    compiler: object
    sql: str
    params: tuple
    slots: tuple  # (position in params, name of the value)


_memo: OrderedDict = OrderedDict()
_lock = threading.Lock()


def _marker(index, name, value, series):
    """A stand-in for `value` no real value equals (far-off ids, dates and strings), the
    `index`-th of a call's values in marker `series` 0 or 1."""
    if isinstance(value, models.Model):
        # value.__class__, not type(value): request.user is a lazy object standing for one.
        return value.__class__(pk=_marker(index, name, value.pk, series))
    if isinstance(value, (list, tuple)):
        # Each item its own marker; the list's length is part of the key.
        return [
            _marker(1000 * (index + 1) + at, name, item, series) for at, item in enumerate(value)
        ]
    if isinstance(value, bool):
        raise FrozenQueryError(f"{name}: a boolean shapes the SQL; put it in the key")
    if isinstance(value, int):
        return (9_100_000_000_000 if series == 0 else 9_300_000_000_000) + index
    if isinstance(value, decimal.Decimal):
        return decimal.Decimal(9_100_000_000 if series == 0 else 9_300_000_000) + index
    if isinstance(value, datetime.datetime):
        base = (
            datetime.datetime(2391, 3, 5, 6, 7, 8)
            if series == 0
            else datetime.datetime(2693, 8, 17, 19, 21, 23)
        )
        return (base + datetime.timedelta(days=37 * index)).replace(tzinfo=value.tzinfo)
    if isinstance(value, datetime.date):
        base = datetime.date(2391, 3, 5) if series == 0 else datetime.date(2693, 8, 17)
        return base + datetime.timedelta(days=37 * index)
    if isinstance(value, str):
        return f"\ue000marker-{series}-{index}"
    raise FrozenQueryError(f"{name}: no marker for {type(value).__name__}")


def _markers(values, series):
    return {
        name: (value if value is None else _marker(index, name, value, series))
        for index, (name, value) in enumerate(sorted(values.items()))
    }


def _param_of(value):
    return value.pk if isinstance(value, models.Model) else value


def _places(values):
    """{(name, item or None): parameter value} of a call's values, a list's items each."""
    places = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            places.update({(name, at): _param_of(item) for at, item in enumerate(value)})
        else:
            places[(name, None)] = _param_of(value)
    return places


def _compile(queryset):
    """(compiler, SQL, parameters) of `queryset`; SQL None when it can match nothing (an
    `.none()`, an empty `__in`)."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return compiler, None, ()
    return compiler, sql, tuple(params)


def _freeze(build, values):
    marked, other = _markers(values, 0), _markers(values, 1)
    queryset = build(**marked)
    compiler, sql, params = _compile(queryset)
    _, other_sql, other_params = _compile(build(**other))
    if sql is None and other_sql is None:
        return _Frozen(queryset, compiler, None, (), ())
    if other_sql != sql or len(other_params) != len(params):
        raise FrozenQueryError("the SQL changes with the values: put what shapes it in the key")
    first = {one: place for place, one in _places(marked).items()}
    second = _places(other)
    slots = []
    for position, (one, two) in enumerate(zip(params, other_params, strict=True)):
        if one == two:
            continue
        place = first.get(one)
        if place is None or second[place] != two:
            raise FrozenQueryError(
                f"parameter {position} ({one!r}) is derived from a value: pass it as its own"
            )
        slots.append((position, place))
    missing = set(first.values()) - {place for _, place in slots}
    if missing:
        names = sorted({name for name, _ in missing})
        raise FrozenQueryError(f"not in the SQL as themselves: {', '.join(names)}")
    return _Frozen(queryset, compiler, sql, params, tuple(slots))


def rows(key, build, /, *, prepare=True, **values):
    """The rows (model instances, or dicts and tuples for values() querysets) of
    `build(**values)`, from SQL compiled once per `key`.

    prepare=False: never prepared (see `_prepared`), for SQL whose best plan depends on the
    values: a read of one distributor's rows of a table where one distributor can hold a
    hundred times another's (the leads and their events). A prepared statement's generic plan,
    chosen after five runs on small distributors, read the bench's largest one in a second
    instead of 2 ms."""
    if not _compiles(values):
        return list(build(**values))
    frozen, params = _frozen_and_params(key, build, values)
    if frozen.sql is None:
        return []
    return _run(frozen, params, prepare=prepare)


def count(key, build, /, *, prepare=True, **values):
    """`build(**values).count()`, from SQL compiled once per `key`: the count of the rows of
    the queryset's SQL (`SELECT COUNT(*) FROM (…)`, which Postgres plans as a count of the
    query itself). With settings.COMPILED_QUERIES_CHECK, also held to Django's own count."""
    if not _compiles(values):
        return build(**values).count()
    frozen, params = _frozen_and_params(
        ("count", key), lambda **values: build(**values).order_by().values("pk"), values
    )
    if frozen.sql is None:
        found = 0
    else:
        # The SQL Django compiled, wrapped: no value of the call is in its text.
        counting = dataclasses.replace(frozen, sql=f"SELECT COUNT(*) FROM ({frozen.sql}) AS n")  # noqa: S608
        sql = counting.sql
        if prepare and settings.COMPILED_QUERIES_PREPARE:
            sql = _prepared(counting, params) or sql
        with connections["default"].cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchone()[0]
    if getattr(settings, "COMPILED_QUERIES_CHECK", False) and found != build(**values).count():
        raise FrozenQueryError(f"{key}: the frozen count differs from the queryset's")
    return found


def _compiles(values):
    return connections["default"].vendor == "postgresql" and not any(
        isinstance(value, (list, tuple)) and len(value) > LONGEST_LIST for value in values.values()
    )


def _frozen_and_params(key, build, values):
    """The frozen SQL of `build` for `key` (frozen now if it was not yet) and the parameters
    of this call's `values`."""
    shape = tuple(
        (name, value.__class__.__name__, len(value) if isinstance(value, (list, tuple)) else None)
        for name, value in sorted(values.items())
    )
    # A translated word or a time zone the build puts in the SQL is the request's.
    memo_key = (key, shape, translation.get_language(), timezone.get_current_timezone_name())
    with _lock:
        frozen = _memo.get(memo_key)
        if frozen is not None:
            _memo.move_to_end(memo_key)
    if frozen is None:
        frozen = _freeze(build, values)
        with _lock:
            _memo[memo_key] = frozen
            while len(_memo) > MEMO_SIZE:
                _memo.popitem(last=False)
    params = list(frozen.params)
    places = _places(values)
    for position, place in frozen.slots:
        params[position] = places[place]
    if getattr(settings, "COMPILED_QUERIES_CHECK", False):
        _, sql, fresh = _compile(build(**values))
        if sql != frozen.sql or tuple(fresh) != tuple(params):
            raise FrozenQueryError(f"{key}: the frozen SQL differs from a fresh build")
    return frozen, params


def first(key, build, /, *, prepare=True, **values):
    """The first row of `build(**values)` (an ordered queryset), or None: rows() of its first."""
    found = rows(key, lambda **values: build(**values)[:1], prepare=prepare, **values)
    return found[0] if found else None


# Postgres types of the parameters a prepared statement declares (its text, like psycopg2's
# literal, must not leave a parameter's type to guess: `%s AS "source"` has no context).
_PARAMETER_TYPES = (
    (bool, "boolean"),
    (int, "bigint"),
    (str, "text"),
    (decimal.Decimal, "numeric"),
    (datetime.datetime, "timestamptz"),
    (datetime.date, "date"),
    (datetime.timedelta, "interval"),
    (uuid.UUID, "uuid"),
)


def _parameter_type(value):
    for kind, name in _PARAMETER_TYPES:
        if isinstance(value, kind):
            if kind is datetime.datetime and value.tzinfo is None:
                return "timestamp"
            return name
    return None


@dataclasses.dataclass(frozen=True)
class _Statement:
    name: str
    prepare: str  # PREPARE name (types) AS the SQL with $1, $2, …
    execute: str  # EXECUTE name (%s, …), the SQL in a comment (logs and tests read it)


_statements: dict = {}


def _statement_of(sql, types):
    found = _statements.get((sql, types))
    if found is not None:
        return found
    name = "drm_" + hashlib.blake2b(f"{sql}\x00{types}".encode(), digest_size=12).hexdigest()
    # psycopg2's placeholders become Postgres's: %s numbered $1, $2, …; %% a plain %.
    number = itertools.count(1)
    text = "%".join(re.sub("%s", lambda _: f"${next(number)}", piece) for piece in sql.split("%%"))
    # The comment shows the SQL as Django wrote it (its % doubled: the driver reads the
    # EXECUTE's placeholders), with no comment mark inside that could end it.
    comment = sql.replace("%", "%%").replace("/*", "/ *").replace("*/", "* /")
    arguments = f" ({', '.join(['%s'] * len(types))})" if types else ""
    found = _Statement(
        name=name,
        prepare=f"PREPARE {name} ({', '.join(types)}) AS {text}"
        if types
        else f"PREPARE {name} AS {text}",
        execute=f"EXECUTE {name}{arguments} /* {comment} */",
    )
    with _lock:
        if len(_statements) >= MEMO_SIZE:
            _statements.clear()
        _statements[(sql, types)] = found
    return found


def as_written(sql):
    """The SQL of a logged statement as Django wrote it: an `EXECUTE` of a prepared statement
    gives the SQL its comment carries (for tests and tools that read the query log)."""
    if not sql.startswith("EXECUTE drm_") or "/* " not in sql:
        return sql
    return sql[sql.index("/* ") + 3 : sql.rindex(" */")]


def _prepared(frozen, params):
    """The `EXECUTE` of `frozen`'s SQL, prepared once on the request's connection, or None where
    it cannot be (a parameter whose type the SQL would have to guess: a NULL, a list)."""
    types = tuple(_parameter_type(value) for value in params)
    if None in types:
        return None
    statement = _statement_of(frozen.sql, types)
    wrapper = connections["default"]
    wrapper.ensure_connection()
    # The names prepared on this connection; a new connection starts with none.
    state = wrapper.__dict__.get("_drm_prepared")
    if state is None or state[0] is not wrapper.connection:
        state = wrapper.__dict__["_drm_prepared"] = (wrapper.connection, set())
    if statement.name not in state[1]:
        # On the driver's own cursor: preparing, once per connection, is not one of the page's
        # queries (Django's query log and counts see the EXECUTEs).
        with wrapper.connection.cursor() as cursor:
            cursor.execute(statement.prepare)
        state[1].add(statement.name)
    return statement.execute


def _run(frozen, params, *, prepare=True):
    queryset = frozen.queryset._chain()
    compiler = copy.copy(frozen.compiler)
    compiler.connection = connections[queryset.db]
    sql = frozen.sql
    if prepare and settings.COMPILED_QUERIES_PREPARE and queryset.db == "default":
        sql = _prepared(frozen, params) or sql

    def as_sql(*args, **kwargs):
        return sql, params

    compiler.as_sql = as_sql
    queryset.query.get_compiler = lambda using=None, connection=None, elide_empty=True: compiler
    return list(queryset)


def forget():
    """Drop every frozen query (tests that change the schema's shape, say)."""
    with _lock:
        _memo.clear()


# A test that overrides a setting may change what a build puts in the SQL.
setting_changed.connect(lambda **kwargs: forget(), dispatch_uid="drm.compiled.forget")
