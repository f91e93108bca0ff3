"""Free text on leads has limits: a rejection's comment, a note on a lead's move (lost, won,
opportunity), a deal decision's note, what changed in a criteria version, a catalogue item's
description, a rating's comment. Over the limit: the service, the API and the page each refuse
it naming the field, and nothing is saved."""

import pytest
from django.urls import reverse
from django.utils import translation

from drm.errors import ValidationFailed
from drm.limits import text_limit
from leads import services
from leads.models import (
    CriteriaVersion,
    Criterion,
    DealRegistration,
    Lead,
    LeadEvent,
    LeadRejection,
    Material,
    MaterialFeedback,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(today):
    """2026-06-15 12:00 UTC."""


def too_long(model, name):
    return "x" * (text_limit(model, name) + 1)


def stored():
    """Everything these writes could have changed."""
    return (
        list(Lead.objects.order_by("pk").values_list("status", "distributor_id")),
        LeadEvent.objects.count(),
        LeadRejection.objects.count(),
        list(DealRegistration.objects.values_list("status", "decision_note")),
        list(CriteriaVersion.objects.values_list("published_at", "notes")),
        Material.objects.count(),
        MaterialFeedback.objects.count(),
    )


@pytest.fixture
def handed(new_lead, manager, distributor):
    return services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)


@pytest.fixture
def accepted(new_lead, manager, distributor, partner):
    lead = services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)
    return services.lead_accept(lead=lead, by=partner)


@pytest.fixture
def registration(partner):
    return services.deal_register(by=partner, company="Brasserie du Quai", country="DE")


@pytest.fixture
def draft(manager):
    draft = services.criteria_draft(by=manager)
    services.criterion_save(
        criterion=Criterion(version=draft, code="budget", label="Budget confirmed"), by=manager
    )
    return draft


@pytest.fixture
def material(manager):
    return factories.MaterialFactory()


# --- the service: the rule ---------------------------------------------------------------------


SERVICE_CASES = {
    "text": lambda w: services.lead_reject(
        lead=w.handed,
        by=w.partner,
        rating=2,
        reason="other",
        text=too_long(LeadRejection, "text"),
    ),
    "note (lost)": lambda w: services.lead_lose(
        lead=w.accepted, by=w.partner, reason="other", note=too_long(LeadEvent, "note")
    ),
    "note (assigned)": lambda w: services.lead_assign(
        lead=w.pool, distributor=w.distributor, by=w.manager, note=too_long(LeadEvent, "note")
    ),
    "note (declined)": lambda w: services.deal_decline(
        registration=w.registration, by=w.manager, note=too_long(DealRegistration, "decision_note")
    ),
    "note (approved)": lambda w: services.deal_approve(
        registration=w.registration, by=w.manager, note=too_long(DealRegistration, "decision_note")
    ),
    "notes": lambda w: services.criteria_publish(
        version=w.draft, by=w.manager, notes=too_long(CriteriaVersion, "notes")
    ),
    "description": lambda w: services.material_save(
        material=Material(
            title="Pump catalogue",
            kind="material",
            stage="any",
            url="https://example.com/pumps.pdf",
            description=too_long(Material, "description"),
        ),
        by=w.manager,
    ),
    "comment": lambda w: services.material_rate(
        material=w.material, by=w.partner, rating=4, comment=too_long(MaterialFeedback, "comment")
    ),
}


@pytest.fixture
def pool(new_lead):
    return new_lead()


@pytest.fixture
def everything(
    manager, partner, distributor, pool, handed, accepted, registration, draft, material
):
    from types import SimpleNamespace

    return SimpleNamespace(**{name: value for name, value in locals().items()})


@pytest.mark.parametrize("case", SERVICE_CASES, ids=list(SERVICE_CASES))
def test_the_service_refuses_text_over_its_limit_naming_the_field(everything, case):
    before = stored()

    with pytest.raises(ValidationFailed) as refused:
        SERVICE_CASES[case](everything)

    assert refused.value.field == case.split(" ")[0]
    assert (
        ": at most " in refused.value.message and "characters (you wrote" in refused.value.message
    )
    assert stored() == before


def test_the_refusal_names_the_field_by_its_label_in_french(everything):
    with translation.override("fr"), pytest.raises(ValidationFailed) as refused:
        SERVICE_CASES["text"](everything)

    assert refused.value.message == (
        "Commentaire : 2\xa0000 caractères au plus (vous en avez écrit 2\xa0001)."
    )


# --- the API -----------------------------------------------------------------------------------


def test_the_api_refuses_text_over_its_limit_naming_the_field(
    token_client, partner, handed, accepted
):
    cases = [
        ("reject", {"rating": 2, "reason": "other", "text": too_long(LeadRejection, "text")}),
        ("lose", {"reason": "other", "note": too_long(LeadEvent, "note")}),
        (
            "convert",
            {"value": "9000", "expected_close": "2026-09-30", "note": too_long(LeadEvent, "note")},
        ),
        ("win", {"value": "9000", "note": too_long(LeadEvent, "note")}),
    ]
    for name, body in cases:
        before = stored()
        lead = handed if name == "reject" else accepted
        response = token_client(partner).post(
            reverse(f"api:lead-{name}", args=[lead.pk]), body, format="json"
        )
        field = "text" if name == "reject" else "note"
        assert response.status_code == 400, (name, response.content[:300])
        assert field in response.json()["error"]["fields"], (name, response.json())
        assert stored() == before, name


def test_the_api_refuses_a_rating_comment_over_its_limit(token_client, partner, material):
    response = token_client(partner).post(
        reverse("api:material-rate", args=[material.pk]),
        {"rating": 4, "comment": too_long(MaterialFeedback, "comment")},
        format="json",
    )

    assert response.status_code == 400
    assert "comment" in response.json()["error"]["fields"]
    assert not MaterialFeedback.objects.exists()


# --- the pages ---------------------------------------------------------------------------------


def test_the_lead_pages_refuse_text_over_its_limit_naming_the_field(
    login, partner, handed, accepted
):
    cases = [
        (
            "reject",
            {"rating": "2", "reason": "other", "text": too_long(LeadRejection, "text")},
            "reject_form",
            "text",
        ),
        ("lose", {"reason": "other", "note": too_long(LeadEvent, "note")}, "lose_form", "note"),
    ]
    for name, data, form, field in cases:
        before = stored()
        lead = handed if name == "reject" else accepted
        response = login(partner).post(reverse(f"leads:{name}", args=[lead.pk]), data)
        assert response.status_code == 400, name
        assert field in response.context[form].errors, (name, response.context[form].errors)
        assert stored() == before, name


def test_a_deal_decision_note_over_its_limit_is_refused_naming_the_field(
    client, manager, registration
):
    client.force_login(manager)
    before = stored()
    data = {"decision": "decline", "note": too_long(DealRegistration, "decision_note")}

    response = client.post(
        reverse("leads:registration-decide", args=[registration.pk]), data, follow=True
    )

    assert "note: " in response.content.decode()
    assert stored() == before


def test_the_criteria_and_catalogue_pages_refuse_text_over_its_limit(login, manager, draft):
    before = stored()
    response = login(manager).post(
        reverse("leads:criteria-publish"),
        {"number": draft.number, "notes": too_long(CriteriaVersion, "notes")},
    )
    assert response.status_code == 400
    assert "notes" in response.context["publish_form"].errors

    response = login(manager).post(
        reverse("leads:material-create"),
        {
            "title": "Pump catalogue",
            "kind": "material",
            "stage": "any",
            "url": "https://example.com/pumps.pdf",
            "description": too_long(Material, "description"),
        },
    )
    assert "description" in response.context["form"].errors
    assert stored() == before


def test_a_note_at_its_limit_is_kept_whole(accepted, partner):
    note = "x" * text_limit(LeadEvent, "note")
    services.lead_lose(lead=accepted, by=partner, reason="other", note=note)
    assert LeadEvent.objects.filter(to_status="lost").get().note == note
