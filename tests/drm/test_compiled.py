"""drm.compiled: a queryset frozen once runs again with other values and gives exactly the rows
a fresh build gives; a build that would freeze a value as a constant is refused."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distributors.models import Distributor, RevenueRecord
from drm import compiled
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_memo():
    compiled.forget()
    yield
    compiled.forget()


def revenue_of(distributor, since):
    return (
        RevenueRecord.objects.filter(distributor=distributor, month__gte=since)
        .select_related("distributor", "product_line")
        .order_by("month", "pk")
    )


def test_a_frozen_query_runs_with_each_calls_values():
    one, two = factories.DistributorFactory(), factories.DistributorFactory()
    for distributor, months in ((one, [1, 2, 3]), (two, [5])):
        for month in months:
            factories.RevenueRecordFactory(
                distributor=distributor, month=datetime.date(2026, month, 1)
            )
    first = compiled.rows("t", revenue_of, distributor=one, since=datetime.date(2026, 2, 1))
    second = compiled.rows("t", revenue_of, distributor=two, since=datetime.date(2026, 1, 1))
    assert [(r.distributor_id, r.month.month) for r in first] == [(one.pk, 2), (one.pk, 3)]
    assert [(r.distributor_id, r.month.month) for r in second] == [(two.pk, 5)]
    # select_related rows come joined, as from the queryset itself
    with CaptureQueriesContext(connection) as queries:
        assert second[0].distributor.code == two.code and second[0].product_line.name
    assert len(queries) == 0


def test_the_second_call_builds_nothing(settings):
    settings.COMPILED_QUERIES_CHECK = False
    distributor = factories.DistributorFactory()
    builds = []

    def build(distributor):
        builds.append(distributor)
        return Distributor.objects.filter(pk=distributor.pk)

    compiled.rows("t", build, distributor=distributor)
    assert len(builds) == 2  # frozen with two sets of markers, never with the real value
    assert compiled.rows("t", build, distributor=distributor) == [distributor]
    assert len(builds) == 2


def test_values_rows_unions_and_windows_come_back_as_from_the_queryset():
    distributor = factories.DistributorFactory()
    for amount in (10, 20, 30):
        factories.RevenueRecordFactory(distributor=distributor, amount=Decimal(amount))

    def build(distributor, floor):
        mine = RevenueRecord.objects.filter(distributor=distributor)
        high = mine.filter(amount__gte=floor).values("pk").annotate(n=Count("pk"))
        low = mine.filter(amount__lt=floor).values("pk").annotate(n=Count("pk"))
        return high.order_by().union(low.order_by(), all=True)

    rows = compiled.rows("u", build, distributor=distributor, floor=Decimal(15))
    assert sorted(row["pk"] for row in rows) == sorted(
        RevenueRecord.objects.filter(distributor=distributor).values_list("pk", flat=True)
    )


def test_a_value_the_build_derives_is_refused():
    distributor = factories.DistributorFactory()

    def build(since):
        # The year is computed from the marker: frozen, it would be a constant.
        return RevenueRecord.objects.filter(month__year=since.year, month__gte=since)

    with pytest.raises(compiled.FrozenQueryError):
        compiled.rows("d", build, since=datetime.date(2026, 1, 1))
    assert distributor.pk


def test_a_value_that_never_reaches_the_sql_is_refused():
    def build(distributor):
        return Distributor.objects.filter(code=distributor.code)  # the marker's code is ""

    with pytest.raises(compiled.FrozenQueryError, match="distributor"):
        compiled.rows("n", build, distributor=factories.DistributorFactory())


def test_sql_that_changes_with_the_values_is_refused():
    def build(ids):
        return Distributor.objects.filter(pk__in=range(ids % 3 + 1))

    with pytest.raises(compiled.FrozenQueryError):
        compiled.rows("s", build, ids=4)


def test_none_and_an_empty_queryset_are_shapes_of_their_own():
    distributor = factories.DistributorFactory()

    def build(distributor):
        if distributor is None:
            return Distributor.objects.none()
        return Distributor.objects.filter(pk=distributor.pk)

    assert compiled.rows("e", build, distributor=None) == []
    assert compiled.rows("e", build, distributor=distributor) == [distributor]
    assert compiled.rows("e", build, distributor=None) == []


def test_the_check_catches_a_value_baked_in_from_outside(settings):
    """A build that reads something it was not given (here a closure's variable) is frozen
    with that thing as a constant; the check, on in the tests, sees the fresh SQL differ."""
    settings.COMPILED_QUERIES_CHECK = True
    outside = {"status": "active"}

    def build(distributor):
        return Distributor.objects.filter(pk=distributor.pk, status=outside["status"])

    distributor = factories.DistributorFactory(status="active")
    assert compiled.rows("c", build, distributor=distributor) == [distributor]
    outside["status"] = "inactive"
    with pytest.raises(compiled.FrozenQueryError, match="differs"):
        compiled.rows("c", build, distributor=distributor)


def test_each_language_has_its_own_frozen_query():
    from django.db.models import CharField, Value
    from django.utils.translation import gettext

    distributor = factories.DistributorFactory()

    def build(distributor):
        return Distributor.objects.filter(pk=distributor.pk).values(
            word=Value(gettext("Partner admin"), output_field=CharField())
        )

    with translation.override("en"):
        assert compiled.rows("l", build, distributor=distributor)[0]["word"] == "Partner admin"
    with translation.override("fr"):
        assert compiled.rows("l", build, distributor=distributor)[0]["word"] != "Partner admin"


def test_the_memo_keeps_the_latest_entries_only(monkeypatch):
    monkeypatch.setattr(compiled, "MEMO_SIZE", 3)
    distributor = factories.DistributorFactory()
    for key in range(5):
        compiled.rows(
            ("k", key),
            lambda distributor: Distributor.objects.filter(pk=distributor.pk),
            distributor=distributor,
        )
    assert [entry[0][1] for entry in compiled._memo] == [2, 3, 4]


def test_first_is_the_first_row_or_none():
    distributor = factories.DistributorFactory()

    def build(distributor):
        return Distributor.objects.filter(pk=distributor.pk).order_by("pk")

    assert compiled.first("f", build, distributor=distributor) == distributor
    gone = Distributor(pk=distributor.pk + 1000)
    assert compiled.first("f", build, distributor=gone) is None


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(1, 12), st.integers(1, 5_000)),
        max_size=15,
    ),
    st.integers(0, 3),
    st.integers(1, 12),
    st.integers(0, 5_000),
)
def test_frozen_rows_equal_fresh_rows_whatever_the_data(facts, who, since, floor):
    """For any revenue rows and any values, the frozen query's rows are the fresh queryset's."""
    compiled.forget()
    distributors = [factories.DistributorFactory() for _ in range(4)]
    RevenueRecord.objects.filter(distributor__in=distributors).delete()
    seen = set()
    for index, month, amount in facts:
        if (index, month) in seen:
            continue
        seen.add((index, month))
        factories.RevenueRecordFactory(
            distributor=distributors[index],
            month=datetime.date(2026, month, 1),
            amount=Decimal(amount),
        )

    def build(distributor, since, floor):
        return (
            RevenueRecord.objects.filter(distributor=distributor, month__gte=since)
            .values("month")
            .annotate(total=Sum("amount"), big=Count("pk", filter=Q(amount__gte=floor)))
            .order_by("month")
        )

    for index in range(4):  # the memo is warm after the first
        values = {
            "distributor": distributors[(who + index) % 4],
            "since": datetime.date(2026, since, 1),
            "floor": Decimal(floor),
        }
        assert compiled.rows("h", build, **values) == list(build(**values))


def _prepared_names():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'drm_%%'")
        return {name for (name,) in cursor.fetchall()}


def _by_code(code, since):
    return Distributor.objects.filter(code=code, created_at__gte=since).annotate(spread=F("pk") % 7)


def test_a_frozen_query_is_prepared_once_per_connection_and_logged_as_written(settings):
    """On Postgres the frozen SQL is prepared on the connection the first time and executed by
    name after: Postgres plans it once instead of on every request."""
    settings.COMPILED_QUERIES_PREPARE = True
    one, two = factories.DistributorFactory(), factories.DistributorFactory()
    since = timezone.now() - datetime.timedelta(days=1)
    before = _prepared_names()
    with CaptureQueriesContext(connection) as queries:
        first = compiled.rows("p", _by_code, code=one.code, since=since)
        second = compiled.rows("p", _by_code, code=two.code, since=since)
    assert [(d.pk, d.spread) for d in first] == [(one.pk, one.pk % 7)]
    assert [(d.pk, d.spread) for d in second] == [(two.pk, two.pk % 7)]
    added = _prepared_names() - before
    assert len(added) == 1  # one statement for both calls
    (name,) = added
    assert [q["sql"].split(" ")[:2] for q in queries] == [["EXECUTE", name]] * 2
    # The log shows the SQL as Django wrote it, its % operator included.
    written = compiled.as_written(queries[1]["sql"])
    fresh, _ = _by_code(one.code, since).query.sql_with_params()
    assert written == fresh and " %% " in written


@pytest.mark.parametrize(
    ("setting", "prepare"),
    [(False, True), (True, False)],
    ids=["the setting off", "the site refusing (prepare=False)"],
)
def test_sql_not_prepared_runs_as_written(settings, setting, prepare):
    """With COMPILED_QUERIES_PREPARE off, or at a site whose best plan depends on the values
    (prepare=False), the frozen SQL runs as written and nothing is prepared."""
    settings.COMPILED_QUERIES_PREPARE = setting
    one = factories.DistributorFactory()
    since = timezone.now() - datetime.timedelta(days=1)
    before = _prepared_names()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(2):
            found = compiled.rows("q", _by_code, prepare=prepare, code=one.code, since=since)
            assert found == [one]
    assert [q["sql"][:33] for q in queries] == ['SELECT "distributors_distributor"'] * 2
    assert _prepared_names() == before


def test_a_parameter_of_no_declared_type_is_not_prepared():
    """A NULL or a list could be of any type: such SQL runs as is, not guessed at."""
    frozen = compiled._Frozen(None, None, "SELECT %s", (None,), ())
    assert compiled._prepared(frozen, [None]) is None
    assert compiled._prepared(frozen, [[1, 2]]) is None
    assert compiled._prepared(frozen, [1]).startswith("EXECUTE drm_")


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again(settings):
    settings.COMPILED_QUERIES_PREPARE = True
    one = factories.DistributorFactory()
    since = timezone.now() - datetime.timedelta(days=1)
    assert compiled.rows("r", _by_code, code=one.code, since=since) == [one]
    connection.close()
    assert _prepared_names() == set()  # a new session holds none
    assert compiled.rows("r", _by_code, code=one.code, since=since) == [one]
    assert len(_prepared_names()) == 1


# --- counts --------------------------------------------------------------------------------------


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(st.tuples(st.integers(0, 2), st.integers(1, 12)), max_size=15),
    st.integers(0, 2),
    st.integers(1, 12),
)
def test_a_frozen_count_is_the_querysets_count_whatever_the_data(facts, who, since):
    """For any revenue rows and any values, the compiled count is Django's count of the same
    queryset, a join that repeats rows and a DISTINCT among them."""
    compiled.forget()
    distributors = [factories.DistributorFactory() for _ in range(3)]
    for index, month in set(facts):
        factories.RevenueRecordFactory(
            distributor=distributors[index], month=datetime.date(2026, month, 1)
        )

    def rows_of(distributor, since):
        return RevenueRecord.objects.filter(distributor=distributor, month__gte=since)

    def distributors_with(since, distinct):
        found = Distributor.objects.filter(revenue__month__gte=since, pk__in=ids)
        return found.distinct() if distinct else found

    ids = [distributor.pk for distributor in distributors]
    for index in range(3):  # the memo is warm after the first
        values = {
            "distributor": distributors[(who + index) % 3],
            "since": datetime.date(2026, since, 1),
        }
        assert compiled.count("c", rows_of, **values) == rows_of(**values).count()
        for distinct in (False, True):
            count = compiled.count(
                ("d", distinct),
                lambda since, distinct=distinct: distributors_with(since, distinct),
                since=values["since"],
            )
            assert count == distributors_with(values["since"], distinct).count()


def test_a_count_is_one_query_prepared_once_and_zero_for_an_empty_queryset(settings):
    settings.COMPILED_QUERIES_CHECK = False
    settings.COMPILED_QUERIES_PREPARE = True
    one = factories.DistributorFactory()
    factories.DistributorFactory()
    since = timezone.now() - datetime.timedelta(days=1)
    before = _prepared_names()
    with CaptureQueriesContext(connection) as queries:
        counts = [compiled.count("n", _by_code, code=code, since=since) for code in (one.code, "x")]
    assert counts == [1, 0]
    assert len(queries) == 2 and len(_prepared_names() - before) == 1
    assert compiled.as_written(queries[0]["sql"]).startswith("SELECT COUNT(*) FROM (SELECT")
    with CaptureQueriesContext(connection) as queries:
        assert compiled.count("none", lambda: Distributor.objects.none()) == 0
    assert len(queries) == 0


def test_the_check_catches_a_count_that_differs_from_the_querysets(settings, monkeypatch):
    """With COMPILED_QUERIES_CHECK, a count whose frozen SQL is not the queryset's fails."""
    factories.DistributorFactory()
    every = compiled._freeze(lambda: Distributor.objects.order_by().values("pk"), {})
    monkeypatch.setattr(compiled, "_frozen_and_params", lambda key, build, values: (every, []))
    with pytest.raises(compiled.FrozenQueryError, match="count"):
        compiled.count("w", lambda: Distributor.objects.filter(code="no-such-code"))
