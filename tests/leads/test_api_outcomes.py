"""POST /api/v1/leads/outcomes/: a CRM's stage changes, in bulk, move a distributor's leads."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leads import services
from leads.models import Lead, LeadEvent, OutcomePush
from leads.outcomes import MAX_OUTCOMES, outcome_steps
from notifications.models import Notification
from webhooks import services as webhook_services
from webhooks.models import Message

pytestmark = pytest.mark.django_db

PUSH = reverse("api:lead-outcomes")


@pytest.fixture(autouse=True)
def _clock(today):
    """2026-06-15 12:00 UTC."""


@pytest.fixture
def handed(new_lead, manager, distributor):
    """hand(): a lead waiting for acme's answer."""

    def hand(**fields):
        return services.lead_assign(lead=new_lead(**fields), distributor=distributor, by=manager)

    return hand


@pytest.fixture
def push(token_client, partner):
    """push(*items, user=partner): the response to a push of `items` with `user`'s token."""

    def send(*items, user=None, body=None):
        client = token_client(user or partner)
        return client.post(PUSH, body if body is not None else {"outcomes": list(items)}, "json")

    return send


@pytest.fixture
def hooks(settings, partner):
    """acme's subscription to every lead event: each real move a service announces is a
    Message row (nothing is sent: the test's transaction never commits)."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    webhook_services.subscription_create(
        by=partner,
        url="http://127.0.0.1:9/crm",
        events=["lead.assigned", "lead.accepted", "lead.rejected", "lead.expired"],
    )


def footprint():
    """Everything a move writes: statuses, events, history, webhook messages, notices, pushes."""
    return (
        sorted(Lead.objects.values_list("pk", "status", "won_value", "lost_reason")),
        LeadEvent.objects.count(),
        Lead.history.count(),
        Message.objects.count(),
        sorted(Notification.objects.values_list("pk", "read_at", "done_at")),
        OutcomePush.objects.count(),
    )


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- moving leads ----------------------------------------------------------------------------


def test_a_partner_moves_a_lead_through_each_stage_one_push_at_a_time(
    push, handed, criteria, partner
):
    lead = handed()
    steps = [
        {"stage": "accepted"},
        {"stage": "dql", "answers": {"budget": True}},
        {"stage": "opportunity", "opportunity_value": "9000", "expected_close": "2026-09-30"},
        {"stage": "won", "won_value": "8500.50", "currency": "EUR", "crm_stage": "closedwon"},
    ]
    for number, step in enumerate(steps):
        answer = results(push({"lead": lead.pk, "event_id": f"e{number}", **step}))
        assert answer == [
            {
                "index": 0,
                "lead": lead.pk,
                "event_id": f"e{number}",
                "result": "applied",
                "status": step["stage"],
            }
        ]
    lead.refresh_from_db()
    assert (lead.status, lead.opportunity_value, lead.won_value, lead.owner) == (
        "won",
        Decimal("9000.00"),
        Decimal("8500.50"),
        partner,
    )
    assert list(lead.events.values_list("to_status", flat=True))[-4:] == [
        "accepted",
        "dql",
        "opportunity",
        "won",
    ]
    last = OutcomePush.objects.get(event_id="e3")
    assert (last.stage, last.result, last.crm_stage, last.by) == (
        "won",
        "applied",
        "closedwon",
        partner,
    )


def test_a_won_push_takes_an_accepted_lead_through_qualification_and_opportunity(
    push, handed, criteria, partner
):
    lead = handed()
    services.lead_accept(lead=lead, by=partner)
    answer = results(
        push(
            {
                "lead": lead.pk,
                "event_id": "deal-1-won",
                "stage": "won",
                "answers": {"budget": True},
                "won_value": "1200",
            }
        )
    )
    assert answer[0]["result"] == "applied"
    lead.refresh_from_db()
    assert (lead.status, lead.opportunity_value, lead.expected_close, lead.won_value) == (
        "won",
        Decimal("1200.00"),
        datetime.date(2026, 6, 15),
        Decimal("1200.00"),
    )
    assert list(lead.events.values_list("to_status", flat=True))[-3:] == [
        "dql",
        "opportunity",
        "won",
    ]


def test_a_move_the_services_refuse_halfway_leaves_the_lead_as_it_was(
    push, handed, criteria, partner, snapshot
):
    lead = handed()
    before = snapshot(lead)
    answer = results(
        push(
            {
                "lead": lead.pk,
                "event_id": "x",
                "stage": "won",
                "answers": {"budget": False},
                "won_value": "10",
            }
        )
    )
    assert answer[0]["result"] == "refused"
    assert answer[0]["field"] == "outcomes[0].answers"
    assert "must hold" in answer[0]["message"]
    # Accepting went through first, inside the item's transaction: rolled back with it.
    assert snapshot(lead) == before
    # Only the refusal is kept, to answer the same event the same way.
    assert list(OutcomePush.objects.values_list("result", "field")) == [("refused", "answers")]


def test_a_lost_push_closes_an_open_lead_with_its_reason(push, handed, partner):
    lead = handed()
    services.lead_accept(lead=lead, by=partner)
    answer = results(
        push({"lead": lead.pk, "event_id": "l", "stage": "lost", "lost_reason": "price"})
    )
    assert answer[0]["result"] == "applied"
    lead.refresh_from_db()
    assert (lead.status, lead.lost_reason) == ("lost", "price")


def test_a_bulk_push_answers_each_item_on_its_own(push, handed, partner, criteria):
    waiting, accepted, closed = handed(), handed(), handed()
    services.lead_accept(lead=accepted, by=partner)
    services.lead_accept(lead=closed, by=partner)
    services.lead_lose(lead=closed, by=partner, reason="timing")
    answer = results(
        push(
            {"lead": waiting.pk, "event_id": "a", "stage": "accepted"},
            {"lead": closed.pk, "event_id": "b", "stage": "won", "won_value": "5"},
            {"lead": accepted.pk, "event_id": "c", "stage": "dql"},
            {"lead": accepted.pk, "event_id": "d", "stage": "accepted"},
            {"lead": waiting.pk, "event_id": "e", "stage": "lost", "lost_reason": "price"},
            {"lead": 10**12, "event_id": "f", "stage": "accepted"},
        )
    )
    assert [(a["result"], a.get("field")) for a in answer] == [
        ("applied", None),
        ("refused", "outcomes[1].stage"),
        ("refused", "outcomes[2].answers"),
        ("unchanged", None),
        ("applied", None),
        ("refused", "outcomes[5].lead"),
    ]
    assert "already Lost" in answer[1]["message"]
    assert answer[5]["code"] == "not_found" and answer[5]["status"] is None
    assert Lead.objects.get(pk=waiting.pk).status == "lost"


def test_a_push_sent_twice_changes_nothing_the_second_time(push, handed, partner, hooks, criteria):
    leads = [handed() for _ in range(3)]
    items = [
        {"lead": leads[0].pk, "event_id": "1", "stage": "accepted"},
        {
            "lead": leads[1].pk,
            "event_id": "2",
            "stage": "won",
            "answers": {"budget": True},
            "won_value": "300",
        },
        {"lead": leads[2].pk, "event_id": "3", "stage": "accepted"},
        {"lead": leads[2].pk, "event_id": "4", "stage": "lost", "lost_reason": "no_decision"},
    ]
    first = push(*items)
    assert [a["result"] for a in results(first)] == ["applied"] * 4
    assert first.json()["applied"] == 4
    # Three acceptances announced, once each.
    assert Message.objects.filter(event_type="lead.accepted").count() == 3
    before = footprint()

    second = push(*items)

    assert [a["result"] for a in results(second)] == ["unchanged"] * 4
    assert (second.json()["applied"], second.json()["unchanged"]) == (0, 4)
    assert [a["status"] for a in results(second)] == ["accepted", "won", "lost", "lost"]
    assert footprint() == before


def test_a_new_event_for_a_lead_already_in_that_stage_is_unchanged_and_announces_nothing(
    push, handed, partner, hooks
):
    lead = handed()
    services.lead_accept(lead=lead, by=partner)
    messages = Message.objects.count()
    events = LeadEvent.objects.count()
    answer = results(push({"lead": lead.pk, "event_id": "late", "stage": "accepted"}))
    assert answer[0]["result"] == "unchanged"
    assert (Message.objects.count(), LeadEvent.objects.count()) == (messages, events)
    assert OutcomePush.objects.get(event_id="late").result == "unchanged"


def test_an_event_id_used_for_another_lead_is_refused(push, handed):
    one, two = handed(), handed()
    push({"lead": one.pk, "event_id": "same", "stage": "accepted"})
    answer = results(push({"lead": two.pk, "event_id": "same", "stage": "accepted"}))
    assert (answer[0]["result"], answer[0]["field"]) == ("refused", "outcomes[0].event_id")
    assert Lead.objects.get(pk=two.pk).status == "assigned"


def test_a_refused_event_is_answered_the_same_again_and_a_new_event_id_retries_it(
    push, handed, criteria, partner
):
    lead = handed()
    services.lead_accept(lead=lead, by=partner)
    item = {"lead": lead.pk, "event_id": "q", "stage": "dql"}
    first = results(push(item))[0]
    assert (first["result"], first["field"]) == ("refused", "outcomes[0].answers")
    again = results(push({**item, "answers": {"budget": True}}))[0]
    assert again == first
    assert Lead.objects.get(pk=lead.pk).status == "accepted"
    fixed = {**item, "event_id": "q2", "answers": {"budget": True}}
    assert results(push(fixed))[0]["result"] == "applied"
    assert Lead.objects.get(pk=lead.pk).status == "dql"


def test_a_push_never_moves_a_lead_back(push, handed, partner, criteria):
    lead = handed()
    services.lead_accept(lead=lead, by=partner)
    services.lead_qualify(lead=lead, by=partner, answers={"budget": True})
    answer = results(push({"lead": lead.pk, "event_id": "b", "stage": "accepted"}))
    assert answer[0]["field"] == "outcomes[0].stage"
    assert "does not move a lead back" in answer[0]["message"]


def test_a_lead_waiting_for_an_answer_is_not_lost_but_rejected(push, handed):
    lead = handed()
    answer = results(
        push({"lead": lead.pk, "event_id": "l", "stage": "lost", "lost_reason": "price"})
    )
    assert answer[0]["result"] == "refused"
    assert "reject" in answer[0]["message"]
    assert Lead.objects.get(pk=lead.pk).status == "assigned"


def test_values_in_another_currency_than_the_leads_are_refused(push, handed, partner, criteria):
    lead = handed(estimated_value="100", currency="EUR")
    services.lead_accept(lead=lead, by=partner)
    answer = results(
        push(
            {
                "lead": lead.pk,
                "event_id": "w",
                "stage": "won",
                "answers": {"budget": True},
                "won_value": "100",
                "currency": "USD",
            }
        )
    )
    assert (answer[0]["result"], answer[0]["field"]) == ("refused", "outcomes[0].currency")
    assert "EUR" in answer[0]["message"]
    assert Lead.objects.get(pk=lead.pk).status == "accepted"


# --- who may push ------------------------------------------------------------------------------


def test_another_distributors_lead_is_not_found_and_left_alone(
    push, new_lead, manager, other_distributor, outsider, snapshot
):
    theirs = services.lead_assign(lead=new_lead(), distributor=other_distributor, by=manager)
    before = snapshot(theirs)
    answer = results(push({"lead": theirs.pk, "event_id": "x", "stage": "accepted"}))
    missing = results(push({"lead": 10**12, "event_id": "y", "stage": "accepted"}))
    # Word for word what a lead that does not exist gets.
    assert {k: v for k, v in answer[0].items() if k not in ("lead", "event_id")} == {
        k: v for k, v in missing[0].items() if k not in ("lead", "event_id")
    }
    assert answer[0]["code"] == "not_found"
    assert snapshot(theirs) == before
    assert not OutcomePush.objects.exists()


def test_a_rep_moves_only_the_leads_nobody_else_works(push, handed, partner, colleague):
    free, taken = handed(), handed()
    services.lead_accept(lead=taken, by=partner)  # the partner admin works it now
    answer = results(
        push(
            {"lead": free.pk, "event_id": "1", "stage": "accepted"},
            {"lead": taken.pk, "event_id": "2", "stage": "lost", "lost_reason": "price"},
            user=colleague,
        )
    )
    assert [a["result"] for a in answer] == ["applied", "refused"]
    assert (answer[1]["code"], answer[1]["field"]) == ("forbidden", "outcomes[1].lead")
    assert "another rep" in answer[1]["message"]
    assert Lead.objects.get(pk=taken.pk).status == "accepted"


@pytest.mark.parametrize("persona", ["manager", "nobody"])
def test_managers_and_users_without_a_distributor_may_not_push(
    request, push, handed, persona, snapshot
):
    lead = handed()
    before = snapshot(lead)
    response = push(
        {"lead": lead.pk, "event_id": "m", "stage": "accepted"},
        user=request.getfixturevalue(persona),
    )
    assert response.status_code == 403
    assert snapshot(lead) == before


def test_the_anonymous_get_401(api_client, handed):
    response = api_client.post(PUSH, {"outcomes": []}, format="json")
    assert response.status_code == 401


# --- malformed pushes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([{"lead": 1, "stage": "accepted", "event_id": "a"}], "non_field_errors"),
        ({"outcomes": {"lead": 1}}, "outcomes"),
        ({"outcomes": []}, "outcomes"),
        ({}, "outcomes"),
        ({"outcomes": [{"stage": "accepted", "event_id": "a"}]}, "outcomes[0].lead"),
        ({"outcomes": [{"lead": "x", "stage": "accepted", "event_id": "a"}]}, "outcomes[0].lead"),
        (
            {"outcomes": [{"lead": "LEAD", "stage": "rejected", "event_id": "a"}]},
            "outcomes[0].lead",
        ),
        ({"outcomes": [{"lead": 1, "stage": "rejected", "event_id": "a"}]}, "outcomes[0].stage"),
        ({"outcomes": [{"lead": 1, "stage": "accepted"}]}, "outcomes[0].event_id"),
        (
            {"outcomes": [{"lead": 1, "stage": "accepted", "event_id": "x" * 101}]},
            "outcomes[0].event_id",
        ),
        ({"outcomes": [{"lead": 1, "stage": "won", "event_id": "a"}]}, "outcomes[0].won_value"),
        ({"outcomes": [{"lead": 1, "stage": "lost", "event_id": "a"}]}, "outcomes[0].lost_reason"),
        (
            {"outcomes": [{"lead": 1, "stage": "lost", "event_id": "a", "lost_reason": "meh"}]},
            "outcomes[0].lost_reason",
        ),
        (
            {"outcomes": [{"lead": 1, "stage": "opportunity", "event_id": "a"}]},
            "outcomes[0].opportunity_value",
        ),
        (
            {"outcomes": [{"lead": 1, "stage": "won", "event_id": "a", "won_value": "-1"}]},
            "outcomes[0].won_value",
        ),
        (
            {
                "outcomes": [
                    {
                        "lead": 1,
                        "stage": "won",
                        "event_id": "a",
                        "won_value": "1",
                        "currency": "eur",
                    }
                ]
            },
            "outcomes[0].currency",
        ),
        (
            {
                "outcomes": [
                    {"lead": 1, "stage": "dql", "event_id": "a", "answers": {"budget": "perhaps"}}
                ]
            },
            "outcomes[0].answers.budget",
        ),
        (
            {
                "outcomes": [
                    {"lead": 1, "stage": "accepted", "event_id": "a", "occurred_at": "yesterday"}
                ]
            },
            "outcomes[0].occurred_at",
        ),
    ],
)
def test_a_malformed_push_is_refused_whole_naming_the_field_and_changes_nothing(
    push, handed, body, field
):
    good = handed()
    before = footprint()
    if isinstance(body, dict) and isinstance(body.get("outcomes"), list) and body["outcomes"]:
        # A good item first: it is not applied either.
        body = {
            "outcomes": [
                {"lead": good.pk, "event_id": "ok", "stage": "accepted"},
                *body["outcomes"],
            ]
        }
        field = field.replace("outcomes[0]", "outcomes[1]")
    response = push(body=body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in error["fields"], error
    assert error["message"].startswith(f"{field}: ")
    assert footprint() == before


def test_more_than_the_most_items_a_push_takes_is_refused_whole(push, handed):
    lead = handed()
    items = [
        {"lead": lead.pk, "event_id": str(n), "stage": "accepted"} for n in range(MAX_OUTCOMES + 1)
    ]
    response = push(*items)
    assert response.status_code == 400
    assert "outcomes" in response.json()["error"]["fields"]
    assert Lead.objects.get(pk=lead.pk).status == "assigned"


# --- cost --------------------------------------------------------------------------------------


def test_a_replayed_or_unknown_batch_costs_the_same_queries_whatever_its_size(
    push, handed, partner
):
    leads = [handed() for _ in range(12)]

    def batch(count):
        return [
            {"lead": lead.pk, "event_id": f"r{lead.pk}", "stage": "accepted"}
            for lead in leads[:count]
        ]

    push(*batch(12))

    def cost(items):
        with CaptureQueriesContext(connection) as queries:
            assert {a["result"] for a in results(push(*items))} <= {"unchanged", "refused"}
        return len(queries)

    unknown = [{"lead": 10**12 + n, "event_id": f"u{n}", "stage": "accepted"} for n in range(12)]
    assert cost(batch(3)) == cost(batch(12))
    assert cost(unknown[:3]) == cost(unknown)


def test_each_applied_item_costs_a_bounded_number_of_queries(push, handed):
    leads = [handed() for _ in range(8)]

    def cost(chunk):
        with CaptureQueriesContext(connection) as queries:
            push(
                *[
                    {"lead": lead.pk, "event_id": f"a{lead.pk}", "stage": "accepted"}
                    for lead in chunk
                ]
            )
        return len(queries)

    two, six = cost(leads[:2]), cost(leads[2:])
    per_item = (six - two) / 4
    # Each acceptance is the service's own work (lock, event, rollups, history, notices) plus
    # the push's lock and record: linear by nature, and bounded.
    assert per_item <= 30, per_item


# --- any sequence ------------------------------------------------------------------------------

STAGE_ITEMS = {
    "accepted": {},
    "dql": {"answers": {"budget": True}},
    "opportunity": {"opportunity_value": "500", "expected_close": "2026-08-01"},
    "won": {"won_value": "450"},
    "lost": {"lost_reason": "competitor"},
}
REACHABLE = {
    # The statuses the services lead a lead handed to acme to, and the events that got it there.
    "assigned": [],
    "accepted": ["accepted"],
    "dql": ["accepted", "dql"],
    "opportunity": ["accepted", "dql", "opportunity"],
    "won": ["accepted", "dql", "opportunity", "won"],
}


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    pushes=st.lists(
        st.lists(
            st.tuples(
                st.integers(0, 2),
                st.sampled_from(sorted(STAGE_ITEMS)),
                st.booleans(),
                st.integers(0, 5),
            ),
            min_size=1,
            max_size=5,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_any_sequence_of_pushes_leaves_reachable_states_and_replaying_it_changes_nothing(
    push, new_lead, manager, distributor, criteria, pushes
):
    cache.clear()  # each example starts with a fresh API_BULK_RATE budget
    leads = [
        services.lead_assign(lead=new_lead(), distributor=distributor, by=manager) for _ in range(3)
    ]
    sent, first = [], []
    for batch in pushes:
        items = []
        for which, stage, with_needs, key in batch:
            lead = leads[which].pk
            item = {"lead": lead, "event_id": f"{lead}-{stage}-{key}", "stage": stage}
            if with_needs or stage in ("opportunity", "won", "lost"):
                item.update(STAGE_ITEMS[stage])
            items.append(item)
        answers = results(push(*items))
        assert {answer["result"] for answer in answers} <= {"applied", "unchanged", "refused"}
        sent.append(items)
        first.append(answers)

    for lead in Lead.objects.filter(pk__in=[lead.pk for lead in leads]):
        moves = list(lead.events.order_by("at", "id").values_list("to_status", flat=True))
        assert moves[:2] == ["mql", "assigned"]
        path = moves[2:]
        if lead.status == "lost":
            # Lost from an open stage the lead had reached (never from waiting for an answer).
            assert path[-1] == "lost"
            assert path[:-1] in [REACHABLE[s] for s in ("accepted", "dql", "opportunity")]
        else:
            assert path == REACHABLE[lead.status]
        if lead.status == "won":
            assert lead.won_value == Decimal("450.00")

    before = footprint()
    for items, answers in zip(sent, first, strict=True):
        again = results(push(*items))
        for answer, earlier in zip(again, answers, strict=True):
            if earlier["result"] == "refused":
                # The same refusal (the lead's status is today's).
                assert {**answer, "status": None} == {**earlier, "status": None}
            else:
                assert answer["result"] == "unchanged"
    assert footprint() == before


def test_outcome_steps_name_every_stage_between():
    assert outcome_steps("assigned", "won") == ["accepted", "dql", "opportunity", "won"]
    assert outcome_steps("dql", "lost") == ["lost"]
    assert outcome_steps("opportunity", "opportunity") == []
