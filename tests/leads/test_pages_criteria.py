"""/leads/criteria/: managers edit, publish and follow acknowledgements; partners read the
version in force in their language and their admins acknowledge it."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leads import notices, services
from leads.models import CriteriaAcknowledgement, CriteriaVersion, Criterion
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

PAGE = reverse("leads:criteria")


@pytest.fixture
def published(manager):
    return factories.criteria_version_with_items(number=1, published_by=manager, notes="First.")


@pytest.fixture
def draft(manager, published):
    return services.criteria_draft(by=manager)


def items_of(version):
    return list(
        Criterion.objects.filter(version=version)
        .order_by("position")
        .values_list("code", "label", "label_fr", "required")
    )


def chart_data(response, element_id):
    html = response.content.decode()
    start = html.index(f'id="{element_id}"')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


# --- who may open what -----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, published):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_user_without_a_role_gets_nothing(login, nobody, published):
    client = login(nobody)

    assert client.get(PAGE).status_code == 403
    url = reverse("leads:criteria-acknowledge", args=[1])
    assert client.post(url).status_code == 403
    assert not CriteriaAcknowledgement.objects.exists()


def test_partners_cannot_edit_or_publish(login, partner, draft):
    client = login(partner)
    item = draft.items.get(code="budget")
    before = items_of(draft)

    assert (
        client.post(reverse("leads:criterion-add"), {"code": "x", "label": "X"}).status_code == 403
    )
    assert client.get(reverse("leads:criterion-edit", args=[item.pk])).status_code == 403
    assert (
        client.post(reverse("leads:criterion-edit", args=[item.pk]), {"move": "down"}).status_code
        == 403
    )
    assert client.post(reverse("leads:criterion-delete", args=[item.pk])).status_code == 403
    assert (
        client.post(reverse("leads:criteria-publish"), {"number": draft.number}).status_code == 403
    )

    assert items_of(draft) == before
    assert not CriteriaVersion.objects.get(pk=draft.pk).is_published


def test_a_partner_never_sees_the_draft(login, partner, manager, draft):
    services.criterion_save(
        criterion=Criterion(version=draft, code="secret-item", label="Secret item"), by=manager
    )

    response = login(partner).get(PAGE)

    assert response.status_code == 200
    assert b"secret-item" not in response.content
    assert b"Secret item" not in response.content
    url = reverse("leads:criteria-acknowledge", args=[draft.number])
    assert login(partner).post(url).status_code == 404


# --- the manager's page ----------------------------------------------------------------------


def test_a_manager_sees_the_current_version_with_both_labels(login, manager, published):
    response = login(manager).get(PAGE)

    assert response.status_code == 200
    assert response.context["current"] == published
    html = response.content.decode()
    for text in ("Budget confirmed", "Budget confirmé", "Decision maker met", "Décideur rencontré"):
        assert text in html
    assert "optional" in html and "required" in html


def test_opening_the_page_starts_no_draft(login, manager, published):
    response = login(manager).get(PAGE)

    assert response.context["draft"] is None
    assert CriteriaVersion.objects.count() == 1


def test_a_manager_starts_the_draft_as_a_copy_and_adds_an_item(login, manager, published):
    client = login(manager)

    response = client.post(reverse("leads:criterion-add"), {"start": "1"})
    assert response.status_code == 302
    assert response["Location"] == PAGE + "#draft"
    draft = CriteriaVersion.objects.get(published_at__isnull=True)
    assert items_of(draft) == items_of(published)

    response = client.post(
        reverse("leads:criterion-add"),
        {"code": "need", "label": "Need confirmed", "label_fr": "Besoin confirmé"},
    )
    assert response.status_code == 302
    assert items_of(draft)[-1] == ("need", "Need confirmed", "Besoin confirmé", False)


def test_adding_an_item_starts_the_draft_when_there_is_none(login, manager, published):
    response = login(manager).post(
        reverse("leads:criterion-add"), {"code": "need", "label": "Need", "required": "on"}
    )

    assert response.status_code == 302
    draft = CriteriaVersion.objects.get(published_at__isnull=True)
    assert [code for code, *_rest in items_of(draft)] == ["budget", "timeline", "authority", "need"]


def test_an_item_with_a_taken_code_is_shown_again_with_the_error_and_nothing_is_saved(
    login, manager, draft
):
    before = items_of(draft)

    response = login(manager).post(
        reverse("leads:criterion-add"), {"code": "budget", "label": "Budget again"}
    )

    assert response.status_code == 400
    assert "budget" in response.context["item_form"].errors["code"][0]
    assert items_of(draft) == before


def test_a_bad_code_is_refused_before_the_draft_is_started(login, manager, published):
    response = login(manager).post(
        reverse("leads:criterion-add"), {"code": "not a slug", "label": "Need"}
    )

    assert response.status_code == 400
    assert "code" in response.context["item_form"].errors
    assert CriteriaVersion.objects.count() == 1


def test_a_manager_edits_an_item_of_the_draft(login, manager, draft):
    item = draft.items.get(code="authority")
    client = login(manager)

    assert client.get(reverse("leads:criterion-edit", args=[item.pk])).status_code == 200
    response = client.post(
        reverse("leads:criterion-edit", args=[item.pk]),
        {
            "code": "authority",
            "label": "Decision maker met in person",
            "label_fr": "Décideur rencontré en personne",
            "required": "on",
            "position": "1",
        },
    )

    assert response.status_code == 302
    assert items_of(draft)[0] == (
        "authority",
        "Decision maker met in person",
        "Décideur rencontré en personne",
        True,
    )


def test_an_item_of_a_published_version_is_frozen_and_a_post_changes_nothing(
    login, manager, published
):
    item = published.items.get(code="budget")
    before = items_of(published)
    client = login(manager)

    page = client.get(reverse("leads:criterion-edit", args=[item.pk]))
    assert page.status_code == 200
    assert page.context["frozen"]

    response = client.post(
        reverse("leads:criterion-edit", args=[item.pk]),
        {"code": "budget", "label": "Changed after publishing", "required": "on"},
    )

    assert response.status_code == 400
    assert "frozen" in response.context["form"].non_field_errors()[0]
    assert items_of(published) == before


def test_a_manager_moves_items_up_and_down(login, manager, draft):
    client = login(manager)
    authority = draft.items.get(code="authority")

    response = client.post(reverse("leads:criterion-edit", args=[authority.pk]), {"move": "up"})
    assert response.status_code == 302
    assert [code for code, *_rest in items_of(draft)] == ["budget", "authority", "timeline"]

    budget = draft.items.get(code="budget")
    client.post(reverse("leads:criterion-edit", args=[budget.pk]), {"move": "down"})
    assert [code for code, *_rest in items_of(draft)] == ["authority", "budget", "timeline"]


def test_moving_an_item_of_a_published_version_is_refused(login, manager, published):
    item = published.items.get(code="authority")
    before = items_of(published)

    response = login(manager).post(
        reverse("leads:criterion-edit", args=[item.pk]), {"move": "up"}, follow=True
    )

    assert "frozen" in response.content.decode()
    assert items_of(published) == before


def test_a_manager_deletes_an_item_of_the_draft(login, manager, draft):
    item = draft.items.get(code="authority")

    response = login(manager).post(reverse("leads:criterion-delete", args=[item.pk]))

    assert response.status_code == 302
    assert [code for code, *_rest in items_of(draft)] == ["budget", "timeline"]


def test_publishing_with_notes_freezes_the_draft_and_notifies_partner_admins(
    login, manager, partner, colleague, draft, django_capture_on_commit_callbacks
):
    services.criterion_delete(criterion=draft.items.get(code="authority"), by=manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = login(manager).post(
            reverse("leads:criteria-publish"),
            {"number": draft.number, "notes": "Authority is no longer asked."},
        )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.is_published, draft.notes) == (True, "Authority is no longer asked.")
    told = Notification.objects.filter(kind=notices.CRITERIA_PUBLISHED.slug)
    assert list(told.values_list("recipient__username", flat=True)) == ["partner-test"]


def test_publishing_an_unchanged_draft_says_why_and_publishes_nothing(login, manager, draft):
    response = login(manager).post(
        reverse("leads:criteria-publish"), {"number": draft.number, "notes": "Nothing"}
    )

    assert response.status_code == 400
    assert "nothing to publish" in response.context["publish_form"].non_field_errors()[0]
    assert not CriteriaVersion.objects.get(pk=draft.pk).is_published


def test_the_history_shows_who_published_and_what_each_version_changed(login, manager, draft):
    services.criterion_delete(criterion=draft.items.get(code="authority"), by=manager)
    services.criterion_save(
        criterion=Criterion(version=draft, code="need", label="Need confirmed"), by=manager
    )
    budget = draft.items.get(code="budget")
    budget.label = "Budget approved"
    services.criterion_save(criterion=budget, by=manager)
    services.criteria_publish(version=draft, by=manager, notes="Need instead of authority.")

    response = login(manager).get(PAGE)

    [(v2, changes), (v1, first)] = response.context["history_changes"]
    assert (v2.number, v1.number) == (2, 1)
    assert [item.code for item in changes.added] == ["need"]
    assert [item.code for item in changes.removed] == ["authority"]
    assert [after.code for _before, after, _fields in changes.changed] == ["budget"]
    assert first.first
    html = response.content.decode()
    assert "Need instead of authority." in html
    assert "manager-test" in html
    assert "<del>Budget confirmed</del>" in html and "<ins>Budget approved</ins>" in html


def test_managers_see_which_distributors_acknowledged_and_which_not_yet(
    login, manager, partner, outsider, published
):
    factories.DistributorFactory(code="onprobation", status="probation")
    factories.DistributorFactory(code="terminated", status="terminated")
    services.criteria_acknowledge(version=published, by=partner)

    response = login(manager).get(PAGE)

    acknowledged = [
        (a.distributor.code, a.by.username) for a in response.context["acknowledgements"]
    ]
    assert acknowledged == [("acme", "partner-test")]
    assert [d.code for d in response.context["pending"]] == ["onprobation", "rival"]
    assert response.context["counts"] == {"acknowledged": 1, "pending": 2}
    assert chart_data(response, "acknowledgement-chart-data")["datasets"][0]["data"] == [1, 2]
    html = response.content.decode()
    assert 'id="acknowledgement-chart"' in html
    assert "chart.umd.min.js" in html


def test_the_distributors_not_yet_acknowledging_are_paged(login, manager, published):
    factories.DistributorFactory.create_batch(30)
    client = login(manager)

    first = client.get(PAGE)
    second = client.get(PAGE, {"pending_page": 2})

    assert first.context["pending"].paginator.count == 30
    assert len(first.context["pending"]) == 25
    assert len(second.context["pending"]) == 5


def test_the_manager_page_query_count_does_not_grow_with_versions_items_or_distributors(
    login, manager, partner, outsider
):
    client = login(manager)
    version = factories.criteria_version_with_items(number=1, published_by=manager)
    services.criteria_acknowledge(version=version, by=partner)
    draft = services.criteria_draft(by=manager)
    with CaptureQueriesContext(connection) as few:
        assert client.get(PAGE).status_code == 200

    services.criterion_save(criterion=Criterion(version=draft, code="a", label="A"), by=manager)
    services.criteria_publish(version=draft, by=manager)
    for number in range(3, 15):
        version = factories.criteria_version_with_items(number=number, published_by=manager)
        for position in range(4, 12):
            factories.CriterionFactory(version=version, position=position)
    services.criteria_acknowledge(version=version, by=partner)
    services.criteria_acknowledge(version=version, by=outsider)
    factories.DistributorFactory.create_batch(10)
    services.criterion_save(criterion=Criterion(code="b", label="B"), by=manager)
    with CaptureQueriesContext(connection) as many:
        response = client.get(PAGE)

    assert response.status_code == 200
    assert len(response.context["history_changes"]) == 10
    assert len(many) == len(few)


# --- the partner's page ----------------------------------------------------------------------


def test_a_partner_reads_the_current_version_in_french(login, partner, published):
    response = login(partner).get(PAGE, HTTP_ACCEPT_LANGUAGE="fr")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Budget confirmé" in html and "Décideur rencontré" in html
    assert "Budget confirmed" not in html
    assert 'lang="fr"' in html


def test_a_partner_reads_the_english_label_when_there_is_no_french_one(login, partner, manager):
    factories.criteria_version_with_items(
        number=1, published_by=manager, items=[("budget", "Budget confirmed", "", True)]
    )

    response = login(partner).get(PAGE, HTTP_ACCEPT_LANGUAGE="fr")

    assert "Budget confirmed" in response.content.decode()


def test_a_partner_admin_acknowledges_the_version_for_its_distributor(
    login, partner, distributor, published
):
    client = login(partner)
    page = client.get(PAGE)
    url = reverse("leads:criteria-acknowledge", args=[1])
    assert url in page.content.decode()

    response = client.post(url)
    again = client.post(url)

    assert (response.status_code, again.status_code) == (302, 302)
    acknowledgement = CriteriaAcknowledgement.objects.get()
    assert (acknowledgement.distributor, acknowledgement.by) == (distributor, partner)
    page = client.get(PAGE)
    assert page.context["acknowledgement"] == acknowledgement
    assert "Acknowledged for Acme Industrial Supply by partner-test" in page.content.decode()
    assert url not in page.content.decode()


def test_a_rep_sees_the_state_but_cannot_acknowledge(login, colleague, published):
    client = login(colleague)
    page = client.get(PAGE)
    url = reverse("leads:criteria-acknowledge", args=[1])

    assert page.status_code == 200
    assert url not in page.content.decode()
    assert "has not acknowledged this version yet" in page.content.decode()

    response = client.post(url)

    assert response.status_code == 403
    assert "Only a partner admin acknowledges the criteria." in response.content.decode()
    assert not CriteriaAcknowledgement.objects.exists()


def test_a_manager_cannot_acknowledge(login, manager, published):
    response = login(manager).post(reverse("leads:criteria-acknowledge", args=[1]))

    assert response.status_code == 403
    assert not CriteriaAcknowledgement.objects.exists()


def test_an_outsider_cannot_acknowledge_for_acme(login, outsider, distributor, published):
    login(outsider).post(reverse("leads:criteria-acknowledge", args=[1]))

    assert not CriteriaAcknowledgement.objects.filter(distributor=distributor).exists()
    assert CriteriaAcknowledgement.objects.get().distributor.code == "rival"


def test_a_partner_sees_only_its_own_distributors_acknowledgement(
    login, partner, outsider, published
):
    services.criteria_acknowledge(version=published, by=outsider)

    response = login(partner).get(PAGE)

    html = response.content.decode()
    assert response.context["acknowledgement"] is None
    assert "outsider-test" not in html
    assert "Rival Trading" not in html and "rival" not in html
    assert "has not acknowledged this version yet" in html


def test_a_replaced_version_cannot_be_acknowledged_and_the_page_says_why(
    login, manager, partner, draft
):
    services.criterion_delete(criterion=draft.items.get(code="authority"), by=manager)
    services.criteria_publish(version=draft, by=manager)

    response = login(partner).post(reverse("leads:criteria-acknowledge", args=[1]), follow=True)

    assert "replaced by version 2" in response.content.decode()
    assert not CriteriaAcknowledgement.objects.exists()


def test_a_partner_sees_the_older_versions_it_acknowledged(
    login, manager, partner, outsider, draft, published
):
    services.criteria_acknowledge(version=published, by=partner)
    services.criterion_delete(criterion=draft.items.get(code="authority"), by=manager)
    services.criteria_publish(version=draft, by=manager)
    version3 = services.criteria_draft(by=manager)
    services.criterion_save(criterion=Criterion(version=version3, code="n", label="N"), by=manager)
    services.criteria_publish(version=version3, by=manager)
    services.criteria_acknowledge(version=version3, by=outsider)  # rival's, not acme's

    response = login(partner).get(PAGE)

    assert response.context["current"].number == 3
    assert response.context["acknowledgement"] is None
    assert [v.number for v in response.context["older"]] == [1]
    assert 'id="v1"' in response.content.decode()


def test_the_partner_page_query_count_does_not_grow_with_versions_or_items(login, manager, partner):
    client = login(partner)
    version = factories.criteria_version_with_items(number=1, published_by=manager)
    services.criteria_acknowledge(version=version, by=partner)
    factories.criteria_version_with_items(number=2, published_by=manager)
    with CaptureQueriesContext(connection) as few:
        assert client.get(PAGE).status_code == 200

    for number in range(3, 15):
        version = factories.criteria_version_with_items(number=number, published_by=manager)
        for position in range(4, 12):
            factories.CriterionFactory(version=version, position=position)
        services.criteria_acknowledge(version=version, by=partner)
    factories.criteria_version_with_items(number=15, published_by=manager)
    with CaptureQueriesContext(connection) as many:
        assert client.get(PAGE).status_code == 200

    assert len(many) == len(few)


def test_the_draft_forms_post_to_their_own_routes(login, manager, draft):
    html = login(manager).get(PAGE).content.decode()

    item = draft.items.get(code="budget")
    for url in (
        reverse("leads:criterion-add"),
        reverse("leads:criteria-publish"),
        reverse("leads:criterion-edit", args=[item.pk]),
        reverse("leads:criterion-delete", args=[item.pk]),
    ):
        assert f'action="{url}"' in html
    assert f'name="number" value="{draft.number}"' in html


def test_an_outsider_sees_nothing_of_acmes_acknowledgement(login, partner, outsider, published):
    services.criteria_acknowledge(version=published, by=partner)

    response = login(outsider).get(PAGE)

    html = response.content.decode()
    assert response.context["acknowledgement"] is None
    assert "partner-test" not in html and "Acme" not in html
