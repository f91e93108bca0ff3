"""The partner agreement: versions published by the manufacturer, accepted by each
distributor's partner admin (who, when, which version), asked again with each new version."""

import pytest
from django.urls import reverse

from drm.errors import NotAllowed, ValidationFailed
from notifications.models import Notification
from partnership import services
from partnership.models import AgreementAcceptance

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(manager):
    return services.agreement_publish(
        by=manager, title="Distribution agreement", body="Terms.", body_fr="Conditions."
    )


def test_versions_are_numbered_in_order_and_the_latest_is_current(manager, version):
    second = services.agreement_publish(by=manager, title="Distribution agreement", body="New")
    assert (version.number, second.number) == (1, 2)
    assert services.agreement_current() == second


def test_only_the_manufacturer_publishes(partner):
    with pytest.raises(NotAllowed):
        services.agreement_publish(by=partner, title="X", body="Y")


def test_publishing_needs_terms(manager):
    with pytest.raises(ValidationFailed) as refused:
        services.agreement_publish(by=manager, title="X", body="  ")
    assert refused.value.field == "body"


def test_a_partner_admin_accepts_for_its_distributor_and_its_notice_is_done(
    django_capture_on_commit_callbacks, manager, partner, outsider, distributor
):
    with django_capture_on_commit_callbacks(execute=True):
        version = services.agreement_publish(by=manager, title="Agreement", body="Terms.")
    asked = Notification.objects.filter(kind="agreement_to_accept")
    assert {n.recipient for n in asked} == {partner, outsider}
    acceptance = services.agreement_accept(version=version, by=partner)
    assert (acceptance.distributor, acceptance.accepted_by) == (distributor, partner)
    assert acceptance.accepted_by_name == "partner-test"
    assert asked.get(recipient=partner).done_at is not None
    assert asked.get(recipient=outsider).done_at is None


def test_a_rep_cannot_accept(colleague, version):
    with pytest.raises(NotAllowed):
        services.agreement_accept(version=version, by=colleague)


def test_an_older_version_cannot_be_accepted_once_a_new_one_is_out(manager, partner, version):
    services.agreement_publish(by=manager, title="Agreement", body="New terms.")
    with pytest.raises(ValidationFailed) as refused:
        services.agreement_accept(version=version, by=partner)
    assert refused.value.field == "version"


def test_a_distributor_accepts_a_version_once(partner, version):
    services.agreement_accept(version=version, by=partner)
    with pytest.raises(ValidationFailed):
        services.agreement_accept(version=version, by=partner)
    assert AgreementAcceptance.objects.count() == 1


def test_the_partner_admin_accepts_from_the_page_and_a_new_version_asks_again(
    login, manager, partner, version
):
    client = login(partner)
    page = client.get(reverse("partnership:agreement"))
    assert b'id="accept-form"' in page.content and b"Terms." in page.content
    unticked = client.post(reverse("partnership:agreement-accept"), {"version": version.pk})
    assert unticked.status_code == 400
    assert not AgreementAcceptance.objects.exists()
    done = client.post(
        reverse("partnership:agreement-accept"), {"version": version.pk, "confirm": "on"}
    )
    assert done.status_code == 302
    page = client.get(reverse("partnership:agreement"))
    assert b'id="agreement-accepted"' in page.content
    assert b'id="accept-form"' not in page.content
    services.agreement_publish(by=manager, title="Agreement", body="New terms.", summary="Fees")
    page = client.get(reverse("partnership:agreement"))
    assert b'id="accept-form"' in page.content and b"Fees" in page.content
    home = client.get(reverse("distributors:mine"))
    assert b"Partner agreement to accept" in home.content


def test_a_rep_reads_the_agreement_without_a_way_to_accept(login, colleague, version):
    page = login(colleague).get(reverse("partnership:agreement"))
    assert b'id="agreement-pending"' in page.content
    assert b'id="accept-form"' not in page.content


def test_the_manager_sees_who_accepted_and_filters_the_others(
    login, manager, partner, version, distributor, other_distributor
):
    services.agreement_accept(version=version, by=partner)
    client = login(manager)
    page = client.get(reverse("partnership:agreement"))
    assert b"1 / 2" in page.content
    pending = client.get(reverse("partnership:agreement"), {"status": "pending"})
    assert b'data-distributor="rival"' in pending.content
    assert b'data-distributor="acme"' not in pending.content
    assert client.get(reverse("partnership:agreement"), {"status": "nope"}).status_code == 400
    record = client.get(reverse("distributors:detail", args=[distributor.code]))
    assert b'data-accepted="true"' in record.content


def test_an_outsider_never_sees_another_distributors_acceptance(login, partner, outsider, version):
    services.agreement_accept(version=version, by=partner)
    page = login(outsider).get(reverse("partnership:agreement"))
    assert b"partner-test" not in page.content
    assert b'id="accept-form"' in page.content


def test_the_notice_skips_distributors_that_accepted_and_versions_replaced(
    manager, partner, outsider
):
    from partnership import notices

    first = services.agreement_publish(by=manager, title="Agreement", body="Terms.")
    services.agreement_accept(version=first, by=partner)
    assert notices.agreement_published_notify(first.pk) == 1  # the outsider only
    assert not Notification.objects.filter(recipient=partner).exists()
    services.agreement_publish(by=manager, title="Agreement", body="New terms.")
    assert notices.agreement_published_notify(first.pk) == 0  # replaced: the new one asks


def test_a_french_reader_reads_the_title_terms_and_changes_in_french(login, manager, partner):
    from django.utils import translation

    services.agreement_publish(
        by=manager,
        title="Distribution agreement",
        title_fr="Contrat de distribution",
        body="Terms.",
        body_fr="Conditions.",
        summary="Fees",
        summary_fr="Frais",
    )
    client = login(partner)
    page = client.get(reverse("partnership:agreement"), HTTP_ACCEPT_LANGUAGE="fr")
    text = page.content.decode()
    assert "Contrat de distribution" in text and "Conditions." in text and "Frais" in text
    assert "Distribution agreement" not in text
    with translation.override("en"):
        page = client.get(reverse("partnership:agreement"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Distribution agreement" in page.content.decode()


def test_the_record_names_who_accepted_the_current_version_only(
    login, manager, partner, version, distributor
):
    accepted = services.agreement_accept(version=version, by=partner)
    client = login(manager)
    page = client.get(reverse("distributors:detail", args=[distributor.code]))
    section = {s.key: s.context for s in page.context["sections"]}["agreement"]
    assert section["current"] == version
    assert section["accepted"].accepted_by_name == accepted.accepted_by_name
    assert section["accepted"].accepted_at == accepted.accepted_at
    assert accepted.accepted_by_name.encode() in page.content

    newer = services.agreement_publish(by=manager, title="Agreement", body="New terms.")
    page = client.get(reverse("distributors:detail", args=[distributor.code]))
    section = {s.key: s.context for s in page.context["sections"]}["agreement"]
    assert section["current"] == newer and section["accepted"] is None
    assert b'data-accepted="false"' in page.content
