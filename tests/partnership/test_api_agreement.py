"""/api/v1/agreement-versions/, agreement-acceptances/ and agreement-standing/: every portal user
reads the versions, the manufacturer publishes them; a partner admin accepts the current one for
its distributor; a partner sees its own distributor's acceptances, nothing of another's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnership import services
from partnership.models import AgreementAcceptance, AgreementVersion
from tests import factories
from tests.funds.api import client_for, refused, results, route

pytestmark = pytest.mark.django_db

VERSIONS = route("agreement-version-list")
ACCEPTANCES = route("agreement-acceptance-list")
STANDING = route("agreement-standing-list")


def publish(manager, title="Distribution agreement", body="Terms.", **over):
    return services.agreement_publish(by=manager, title=title, body=body, **over)


@pytest.fixture
def first(manager):
    return publish(manager, body_fr="Conditions.")


@pytest.fixture
def accepted(first, partner, outsider, distributor, other_distributor):
    """Version 1, accepted by acme's admin and by rival's."""
    return {
        "acme": services.agreement_accept(version=first, by=partner),
        "rival": services.agreement_accept(version=first, by=outsider),
    }


def accept(user, number):
    return client_for(user).post(ACCEPTANCES, {"version": number}, format="json")


# --- versions ----------------------------------------------------------------------------------


def test_every_portal_user_reads_the_versions_and_which_is_current(
    manager, partner, colleague, outsider, first
):
    second = publish(manager, title="Distribution agreement 2026", summary="Fees")
    for user in (manager, partner, colleague, outsider):
        rows = results(client_for(user).get(VERSIONS))
        assert [(row["number"], row["current"]) for row in rows] == [(2, True), (1, False)]
    row = client_for(partner).get(route("agreement-version-detail", 1)).json()
    assert row == {
        "number": 1,
        "title": "Distribution agreement",
        "title_fr": "",
        "body": "Terms.",
        "body_fr": "Conditions.",
        "summary": "",
        "summary_fr": "",
        "published_at": row["published_at"],
        "current": False,
    }
    latest = client_for(partner).get(route("agreement-version-detail", second.number)).json()
    assert latest["summary"] == "Fees"
    refused(client_for(partner).get(route("agreement-version-detail", 3)), 404)


def test_a_user_without_a_role_reads_no_version(nobody, first):
    refused(client_for(nobody).get(VERSIONS), 403)


def test_the_manager_publishes_a_version_through_the_api(manager, first):
    body = {
        "title": "Agreement 2027",
        "title_fr": "Contrat 2027",
        "body": "New terms.",
        "summary": "Territories",
    }
    response = client_for(manager).post(VERSIONS, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json() | {"published_at": None} == {
        "number": 2,
        "title": "Agreement 2027",
        "title_fr": "Contrat 2027",
        "body": "New terms.",
        "body_fr": "",
        "summary": "Territories",
        "summary_fr": "",
        "published_at": None,
        "current": True,
    }
    assert services.agreement_current().number == 2


@pytest.mark.parametrize("persona", ["partner", "colleague", "outsider"])
def test_a_partner_cannot_publish_a_version(request, persona):
    response = client_for(request.getfixturevalue(persona)).post(
        VERSIONS, {"title": "Mine", "body": "My terms."}, format="json"
    )
    refused(response, 403)
    assert not AgreementVersion.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": "Terms."}, "title"),
        ({"title": "Agreement", "body": "   "}, "body"),
        ({"title": "x" * 1000, "body": "Terms."}, "title"),
        ({"title": "Agreement", "body": "Terms.", "summary": 7 * [1]}, "summary"),
    ],
)
def test_publishing_bad_input_is_a_400_naming_the_field(manager, body, field):
    refused(client_for(manager).post(VERSIONS, body, format="json"), 400, field)
    assert not AgreementVersion.objects.exists()


# --- acceptances -------------------------------------------------------------------------------


def test_the_manager_sees_every_acceptance_and_filters_them(manager, accepted):
    client = client_for(manager)
    rows = results(client.get(ACCEPTANCES))
    assert {row["distributor"] for row in rows} == {"acme", "rival"}
    rows = results(client.get(ACCEPTANCES, {"distributor": "ACME", "version": 1}))
    assert [(row["distributor"], row["version"], row["accepted_by"]) for row in rows] == [
        ("acme", 1, "partner-test")
    ]
    assert results(client.get(ACCEPTANCES, {"version": 2})) == []
    refused(client.get(ACCEPTANCES, {"distributor": "nope"}), 400, "distributor")
    refused(client.get(ACCEPTANCES, {"version": "one"}), 400, "version")


@pytest.mark.parametrize(("persona", "own"), [("partner", "acme"), ("colleague", "acme")])
def test_a_partner_sees_only_its_own_distributors_acceptances(request, persona, own, accepted):
    client = client_for(request.getfixturevalue(persona))
    rows = results(client.get(ACCEPTANCES))
    assert [row["id"] for row in rows] == [accepted[own].pk]
    assert rows[0]["accepted_by_name"] == "partner-test"
    ok = client.get(route("agreement-acceptance-detail", accepted[own].pk))
    assert ok.status_code == 200


def test_an_outsider_never_sees_another_distributors_acceptance(outsider, accepted):
    client = client_for(outsider)
    rows = results(client.get(ACCEPTANCES))
    assert [row["distributor"] for row in rows] == ["rival"]
    assert "partner-test" not in client.get(ACCEPTANCES).content.decode()
    refused(client.get(route("agreement-acceptance-detail", accepted["acme"].pk)), 404)
    # Another's code filters like an unknown one: nothing to learn from the answer.
    refused(client.get(ACCEPTANCES, {"distributor": "acme"}), 400, "distributor")


def test_a_partner_admin_accepts_the_current_version_for_its_distributor(
    partner, distributor, first
):
    response = accept(partner, 1)
    assert response.status_code == 201, response.content
    row = response.json()
    assert (row["version"], row["distributor"], row["accepted_by"]) == (1, "acme", "partner-test")
    acceptance = AgreementAcceptance.objects.get()
    assert (acceptance.distributor, acceptance.accepted_by) == (distributor, partner)
    assert row["id"] == acceptance.pk


def test_a_distributor_accepts_a_version_once(partner, first):
    assert accept(partner, 1).status_code == 201
    refused(accept(partner, 1), 400, "version")
    assert AgreementAcceptance.objects.count() == 1


def test_a_rep_cannot_accept(colleague, first):
    refused(accept(colleague, 1), 403)
    assert not AgreementAcceptance.objects.exists()


def test_the_manufacturer_cannot_accept(manager, first):
    refused(accept(manager, 1), 403)
    assert not AgreementAcceptance.objects.exists()


def test_an_older_version_is_a_400_naming_version(manager, partner, first):
    publish(manager, body="New terms.")
    refused(accept(partner, 1), 400, "version")
    assert not AgreementAcceptance.objects.exists()
    assert accept(partner, 2).status_code == 201


@pytest.mark.parametrize("number", [3, 0, "two", None, True, 2**31])
def test_accepting_a_version_that_is_none_is_a_400_naming_version(partner, first, number):
    refused(accept(partner, number), 400, "version")
    assert not AgreementAcceptance.objects.exists()


def test_the_acceptance_list_costs_the_same_queries_for_more_rows(manager, partner, first):
    def distributors(count):
        for _ in range(count):
            admin = factories.MembershipFactory(
                distributor=factories.DistributorFactory(), role="admin"
            ).user
            services.agreement_accept(version=first, by=admin)

    services.agreement_accept(version=first, by=partner)
    for user in (manager, partner):
        client = client_for(user)
        client.get(ACCEPTANCES)
        with CaptureQueriesContext(connection) as few:
            results(client.get(ACCEPTANCES))
        distributors(4)
        with CaptureQueriesContext(connection) as many:
            rows = results(client.get(ACCEPTANCES))
        assert len(rows) >= (5 if user == manager else 1)
        assert len(many.captured_queries) == len(few.captured_queries)


# --- standing ----------------------------------------------------------------------------------


def test_the_manager_reads_who_accepted_the_current_version(
    manager, partner, first, distributor, other_distributor
):
    services.agreement_accept(version=first, by=partner)
    client = client_for(manager)
    rows = results(client.get(STANDING))
    assert [(row["distributor"], row["accepted_by_name"]) for row in rows] == [
        ("acme", "partner-test"),
        ("rival", None),
    ]
    pending = results(client.get(STANDING, {"status": "pending"}))
    assert [row["distributor"] for row in pending] == ["rival"]
    accepted = results(client.get(STANDING, {"status": "accepted", "q": "ACME"}))
    assert [row["distributor"] for row in accepted] == ["acme"]
    refused(client.get(STANDING, {"status": "nope"}), 400, "status")
    publish(manager, body="New terms.")
    assert {row["accepted_at"] for row in results(client.get(STANDING))} == {None}


def test_the_standing_is_empty_before_any_version(manager, distributor):
    assert results(client_for(manager).get(STANDING)) == []


@pytest.mark.parametrize("persona", ["partner", "colleague", "outsider", "nobody"])
def test_a_partner_cannot_read_the_standing(request, persona, first):
    refused(client_for(request.getfixturevalue(persona)).get(STANDING), 403)
