"""docs/crm-recipes.md stays true: its example payloads have the keys the real events, the lead API
and the outcome push have, and its lists of codes are the portal's."""

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from leads import services
from leads.models import Lead, LeadRejection
from leads.serializers import (
    OUTCOME_STAGES,
    LoseSerializer,
    OutcomeItemSerializer,
    OutcomePushResultSerializer,
    OutcomePushSerializer,
    OutcomeResultSerializer,
)
from webhooks import services as webhook_services
from webhooks.models import Message

pytestmark = pytest.mark.django_db

RECIPES = Path(__file__).resolve().parents[2] / "docs" / "crm-recipes.md"
LEAD_EVENTS = ["lead.assigned", "lead.accepted", "lead.rejected", "lead.expired"]


def json_blocks():
    text = RECIPES.read_text()
    return [json.loads(block) for block in re.findall(r"^```json\n(.*?)^```", text, re.M | re.S)]


def block_with(key, value=None):
    found = [
        block for block in json_blocks() if key in block and (value is None or block[key] == value)
    ]
    assert len(found) == 1, f"one JSON block with {key}={value} in docs/crm-recipes.md"
    return found[0]


def table_column(heading_cell):
    """The first column's `code` cells of the table whose header starts with `heading_cell`."""
    text = RECIPES.read_text()
    match = re.search(rf"^\| {re.escape(heading_cell)} \|.*?\n((?:\|.*\n)+)", text, re.M)
    assert match, heading_cell
    rows = match.group(1).splitlines()[1:]  # after the | --- | line
    return [re.findall(r"`([^`]+)`", row.split("|")[1]) for row in rows]


@pytest.fixture
def events(settings, today, new_lead, manager, partner, distributor):
    """Every lead event as the webhooks sink wrote it for acme's subscription: type → envelope."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    webhook_services.subscription_create(
        by=partner, url="http://127.0.0.1:9/crm", events=LEAD_EVENTS
    )
    kept = services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)
    services.lead_accept(lead=kept, by=partner)
    rejected = services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)
    services.lead_reject(lead=rejected, by=partner, rating=2, reason="no_budget")
    return {message.event_type: message.envelope() for message in Message.objects.all()}


def test_the_documented_webhook_payloads_have_the_real_events_keys(events):
    for event_type in ("lead.assigned", "lead.rejected"):
        documented = block_with("type", event_type)
        real = events[event_type]
        assert documented.keys() == real.keys()
        assert documented["data"].keys() == real["data"].keys(), event_type
        assert documented["data"]["status"] == real["data"]["status"]
    # "lead.accepted and lead.expired carry the same data" as lead.assigned.
    assert events["lead.accepted"]["data"].keys() == events["lead.assigned"]["data"].keys()


def test_the_documented_lead_has_the_keys_the_lead_api_answers(
    today, token_client, new_lead, manager, partner, distributor
):
    lead = services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)
    services.lead_accept(lead=lead, by=partner)
    real = token_client(partner).get(reverse("api:lead-detail", args=[lead.pk])).json()
    documented = block_with("external_ref")
    assert documented.keys() == real.keys()
    assert documented["contact_hidden"] is False and real["contact_hidden"] is False


def test_the_documented_push_is_valid_and_the_item_table_names_each_field():
    push = block_with("outcomes")
    checked = OutcomePushSerializer(data=push)
    assert checked.is_valid(), checked.errors
    fields = set(OutcomeItemSerializer().fields)
    for item in push["outcomes"]:
        assert set(item) <= fields
    documented = {name for cell in table_column("field") for name in cell}
    assert documented == fields


def test_the_documented_answer_has_the_real_answers_shape_and_words(
    today, token_client, new_lead, manager, partner, distributor, criteria
):
    answer = block_with("results")
    assert answer.keys() == set(OutcomePushResultSerializer().fields)
    keys = set(OutcomeResultSerializer().fields)
    for item in answer["results"]:
        assert set(item) <= keys
    # The documented refusal, pushed for real: same result, field and message.
    waiting = services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)
    documented = answer["results"][2]
    pushed = (
        token_client(partner)
        .post(
            reverse("api:lead-outcomes"),
            {
                "outcomes": [
                    {"lead": waiting.pk, "stage": "won", "event_id": "a", "won_value": "1"},
                    {"lead": waiting.pk, "stage": "won", "event_id": "b", "won_value": "1"},
                    {"lead": waiting.pk, "stage": "lost", "event_id": "c", "lost_reason": "price"},
                ]
            },
            "json",
        )
        .json()["results"][2]
    )
    for key in ("result", "status", "code", "field", "message"):
        assert pushed[key] == documented[key], key


def test_the_stage_mapping_names_the_portal_stages_a_push_takes():
    stages = [cell[0] for cell in table_column("portal stage")]
    assert stages == [str(stage) for stage in OUTCOME_STAGES]


def test_the_documented_reasons_are_the_portals():
    text = RECIPES.read_text()
    lost = re.search(r"required for `lost`: (.*?) \(then", text).group(1)
    assert set(re.findall(r"`(\w+)`", lost)) == {
        code for code, _label in LoseSerializer().fields["reason"].choices.items()
    }
    reject = re.search(r"\(`reason`: (.*?) with a", text, re.S).group(1)
    assert set(re.findall(r"`(\w+)`", reject)) == set(LeadRejection.Reason.values)
    assert Lead.Status.ACCEPTED in OUTCOME_STAGES
