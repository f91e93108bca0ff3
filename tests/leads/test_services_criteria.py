"""Qualification criteria: drafts copy the version in force, publishing freezes, partner admins
acknowledge once, and every refusal names its reason and changes nothing."""

import threading

import pytest
from django.db import connection

from drm.errors import NotAllowed, ValidationFailed
from leads import notices, selectors, services
from leads.models import CriteriaAcknowledgement, CriteriaVersion, Criterion, Lead
from leads.tasks import criteria_published_notify_task
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(manager):
    """v1 in force: two required items and an optional one, in English and French."""
    return factories.criteria_version_with_items(number=1, published_by=manager, notes="First.")


def snapshot(version):
    return list(
        Criterion.objects.filter(version=version).values_list(
            "position", "code", "label", "label_fr", "required"
        )
    )


def codes(version):
    return list(version.items.order_by("position").values_list("code", flat=True))


# --- drafts --------------------------------------------------------------------------------


def test_a_draft_is_a_copy_of_the_last_published_version(manager, published):
    draft = services.criteria_draft(by=manager)

    assert (draft.number, draft.is_published, draft.created_by) == (2, False, manager)
    assert [row[1:] for row in snapshot(draft)] == [row[1:] for row in snapshot(published)]
    assert [row[0] for row in snapshot(draft)] == [1, 2, 3]


def test_the_open_draft_is_returned_again_and_never_a_second_one(manager, published):
    first = services.criteria_draft(by=manager)
    services.criterion_delete(criterion=first.items.get(code="authority"), by=manager)

    again = services.criteria_draft(by=manager)

    assert again == first
    assert codes(again) == ["budget", "timeline"]
    assert CriteriaVersion.objects.filter(published_at__isnull=True).count() == 1


def test_the_very_first_draft_is_version_one_and_empty(manager):
    draft = services.criteria_draft(by=manager)

    assert (draft.number, draft.items.count()) == (1, 0)


def test_reading_the_draft_never_starts_one(manager, published):
    assert selectors.criteria_draft_get(visible_to=manager) is None
    assert CriteriaVersion.objects.count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_managers_starting_the_draft_at_once_share_one_draft(manager, published):
    other = factories.ManagerFactory(username="manager-two")
    start = threading.Barrier(2)
    drafts, errors = [], []

    def act(user):
        start.wait()
        try:
            drafts.append(services.criteria_draft(by=user).pk)
        except Exception as exc:  # noqa: BLE001 - the test reports any failure below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(user,)) for user in (manager, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(set(drafts)) == 1
    draft = CriteriaVersion.objects.get(published_at__isnull=True)
    assert codes(draft) == ["budget", "timeline", "authority"]


# --- editing the draft ---------------------------------------------------------------------


def test_a_new_item_without_a_version_starts_the_draft_and_goes_last(manager, published):
    item = services.criterion_save(
        criterion=Criterion(code="need", label="Need confirmed", label_fr="Besoin confirmé"),
        by=manager,
    )

    assert item.version.number == 2
    assert codes(item.version) == ["budget", "timeline", "authority", "need"]
    assert snapshot(published)[-1][1] == "authority"  # v1 untouched


def test_an_item_placed_at_a_position_moves_the_others_down(manager, published):
    draft = services.criteria_draft(by=manager)

    services.criterion_save(
        criterion=Criterion(version=draft, code="need", label="Need confirmed", position=1),
        by=manager,
    )

    assert codes(draft) == ["need", "budget", "timeline", "authority"]
    assert [row[0] for row in snapshot(draft)] == [1, 2, 3, 4]


def test_moving_an_item_reorders_the_draft_and_numbers_it_from_one(manager, published):
    draft = services.criteria_draft(by=manager)

    services.criterion_move(criterion=draft.items.get(code="authority"), by=manager, position=1)
    assert codes(draft) == ["authority", "budget", "timeline"]

    services.criterion_move(criterion=draft.items.get(code="authority"), by=manager, position=99)
    assert codes(draft) == ["budget", "timeline", "authority"]
    assert [row[0] for row in snapshot(draft)] == [1, 2, 3]


def test_deleting_an_item_closes_up_the_positions(manager, published):
    draft = services.criteria_draft(by=manager)

    services.criterion_delete(criterion=draft.items.get(code="budget"), by=manager)

    assert [row[:2] for row in snapshot(draft)] == [(1, "timeline"), (2, "authority")]


def test_a_code_the_draft_already_has_is_refused_on_the_code_field(manager, published):
    draft = services.criteria_draft(by=manager)
    before = snapshot(draft)

    with pytest.raises(ValidationFailed) as error:
        services.criterion_save(
            criterion=Criterion(version=draft, code="budget", label="Again"), by=manager
        )

    assert error.value.field == "code"
    assert "budget" in error.value.message
    assert snapshot(draft) == before


@pytest.mark.parametrize(
    ("fields", "field", "start"),
    [
        ({"code": "need", "label": "  "}, "label", "Label (English):"),
        ({"code": "", "label": "Need"}, "code", "Code:"),
        ({"code": "not a slug!", "label": "Need"}, "code", "Code:"),
        ({"code": "need", "label": "x" * 201}, "label", "Label (English):"),
        ({"code": "need", "label": "Need", "label_fr": "x" * 201}, "label_fr", "Label (French):"),
    ],
)
def test_a_bad_item_is_refused_with_an_error_naming_the_field(
    manager, published, fields, field, start
):
    draft = services.criteria_draft(by=manager)
    before = snapshot(draft)

    with pytest.raises(ValidationFailed) as error:
        services.criterion_save(criterion=Criterion(version=draft, **fields), by=manager)

    assert error.value.field == field
    assert error.value.message.startswith(start)
    assert snapshot(draft) == before


def test_only_the_manufacturer_edits_the_criteria(partner, manager, published):
    draft = services.criteria_draft(by=manager)
    item = draft.items.get(code="budget")
    before = snapshot(draft)

    with pytest.raises(NotAllowed):
        services.criteria_draft(by=partner)
    with pytest.raises(NotAllowed):
        services.criterion_save(criterion=Criterion(version=draft, code="x", label="X"), by=partner)
    with pytest.raises(NotAllowed):
        services.criterion_move(criterion=item, by=partner, position=3)
    with pytest.raises(NotAllowed):
        services.criterion_delete(criterion=item, by=partner)
    with pytest.raises(NotAllowed):
        services.criteria_publish(version=draft, by=partner)

    assert snapshot(draft) == before
    assert not CriteriaVersion.objects.get(pk=draft.pk).is_published


# --- publishing ----------------------------------------------------------------------------


def test_publishing_freezes_a_version_and_an_edit_after_is_refused_and_changes_nothing(
    manager, published
):
    draft = services.criteria_draft(by=manager)
    item = draft.items.get(code="budget")
    services.criterion_save(
        criterion=Criterion(version=draft, code="need", label="Need confirmed"), by=manager
    )
    services.criteria_publish(version=draft, by=manager, notes="Need added.")
    frozen = snapshot(draft)

    item.label = "Budget approved in writing"
    with pytest.raises(ValidationFailed) as error:
        services.criterion_save(criterion=item, by=manager)
    assert "frozen" in error.value.message
    with pytest.raises(ValidationFailed):
        services.criterion_save(
            criterion=Criterion(version=draft, code="late", label="Late"), by=manager
        )
    with pytest.raises(ValidationFailed):
        services.criterion_move(criterion=item, by=manager, position=3)
    with pytest.raises(ValidationFailed):
        services.criterion_delete(criterion=item, by=manager)
    with pytest.raises(ValidationFailed):
        services.criteria_publish(version=draft, by=manager)

    assert snapshot(draft) == frozen


def test_an_item_cannot_be_moved_out_of_a_published_version(manager, published):
    draft = services.criteria_draft(by=manager)
    item = published.items.get(code="budget")
    item.version = draft  # as a careless caller might

    with pytest.raises(ValidationFailed):
        services.criterion_save(criterion=item, by=manager)

    assert Criterion.objects.get(pk=item.pk).version == published


def test_publish_records_who_when_and_what_changed(manager, published):
    draft = services.criteria_draft(by=manager)
    services.criterion_delete(criterion=draft.items.get(code="authority"), by=manager)

    version = services.criteria_publish(version=draft, by=manager, notes="  No authority.  ")

    version.refresh_from_db()
    assert (version.published_by, version.notes) == (manager, "No authority.")
    assert version.published_at is not None
    assert services.criteria_current() == version


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("empty", "Add at least one item before publishing."),
        ("optional", "At least one item must be required."),
        ("same", "The draft is the same as version 1: there is nothing to publish."),
    ],
)
def test_a_draft_that_cannot_be_published_stays_a_draft(manager, published, change, message):
    draft = services.criteria_draft(by=manager)
    if change == "empty":
        draft.items.all().delete()
    elif change == "optional":
        draft.items.update(required=False)

    with pytest.raises(ValidationFailed) as error:
        services.criteria_publish(version=draft, by=manager)

    assert error.value.message == message
    assert not CriteriaVersion.objects.get(pk=draft.pk).is_published
    assert services.criteria_current() == published


def test_the_changes_between_versions_name_items_added_removed_and_changed(manager, published):
    draft = services.criteria_draft(by=manager)
    services.criterion_delete(criterion=draft.items.get(code="authority"), by=manager)
    budget = draft.items.get(code="budget")
    budget.required = False
    budget.label_fr = "Budget validé"
    services.criterion_save(criterion=budget, by=manager)
    services.criterion_save(
        criterion=Criterion(version=draft, code="need", label="Need"), by=manager
    )

    changes = selectors.criteria_changes(previous=published, version=draft)

    assert [item.code for item in changes.added] == ["need"]
    assert [item.code for item in changes.removed] == ["authority"]
    [(before, after, fields)] = changes.changed
    assert before.code == after.code == "budget"
    assert [(name, old, new) for name, _verbose, old, new in fields] == [
        ("label_fr", "Budget confirmé", "Budget validé"),
        ("required", True, False),
    ]
    assert not changes.reordered


def test_publish_notifies_every_partner_admin_once_after_the_commit(
    manager, partner, colleague, outsider, published, django_capture_on_commit_callbacks
):
    terminated = factories.DistributorFactory(code="gone", status="terminated")
    factories.MembershipFactory(distributor=terminated, role="admin")
    draft = services.criteria_draft(by=manager)
    services.criterion_delete(criterion=draft.items.get(code="authority"), by=manager)

    with django_capture_on_commit_callbacks(execute=True):
        services.criteria_publish(version=draft, by=manager, notes="Shorter.")

    told = Notification.objects.filter(kind=notices.CRITERIA_PUBLISHED.slug)
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "outsider-test",
        "partner-test",
    ]  # admins of active distributors only: not the rep, not a terminated distributor
    assert told.first().link.endswith("#v2")
    assert "v2" in told.first().subject

    criteria_published_notify_task.delay(draft.pk)  # a redelivered task
    assert told.count() == 2


def test_a_draft_notifies_nobody(manager, partner, published):
    draft = services.criteria_draft(by=manager)

    criteria_published_notify_task.delay(draft.pk)

    assert not Notification.objects.exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_an_edit_racing_a_publish_lands_before_the_freeze_or_is_refused(manager, published):
    draft = services.criteria_draft(by=manager)
    services.criterion_delete(criterion=draft.items.get(code="authority"), by=manager)
    item = draft.items.get(code="budget")
    start = threading.Barrier(2)
    outcomes = {}

    def act(name, fn):
        start.wait()
        try:
            fn()
            outcomes[name] = "done"
        except ValidationFailed:
            outcomes[name] = "refused"
        finally:
            connection.close()

    def edit():
        item.label = "Budget approved"
        services.criterion_save(criterion=item, by=manager)

    threads = [
        threading.Thread(target=act, args=("edit", edit)),
        threading.Thread(
            target=act,
            args=("publish", lambda: services.criteria_publish(version=draft, by=manager)),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes["publish"] == "done"
    label = Criterion.objects.get(pk=item.pk).label
    assert label == ("Budget approved" if outcomes["edit"] == "done" else "Budget confirmed")


# --- acknowledging -------------------------------------------------------------------------


def test_acknowledging_twice_is_one_acknowledgement(partner, distributor, published):
    first = services.criteria_acknowledge(version=published, by=partner)
    again = services.criteria_acknowledge(version=published, by=partner)

    assert again == first
    assert (first.distributor, first.by) == (distributor, partner)
    assert CriteriaAcknowledgement.objects.count() == 1


def test_a_rep_and_a_manager_cannot_acknowledge(colleague, manager, published):
    for user in (colleague, manager):
        with pytest.raises(NotAllowed):
            services.criteria_acknowledge(version=published, by=user)

    assert not CriteriaAcknowledgement.objects.exists()


def test_an_outsider_acknowledges_for_its_own_distributor_never_for_acme(
    outsider, distributor, other_distributor, published
):
    acknowledgement = services.criteria_acknowledge(version=published, by=outsider)

    assert acknowledgement.distributor == other_distributor
    assert not CriteriaAcknowledgement.objects.filter(distributor=distributor).exists()


def test_a_draft_or_a_replaced_version_cannot_be_acknowledged(manager, partner, published):
    draft = services.criteria_draft(by=manager)
    with pytest.raises(ValidationFailed):
        services.criteria_acknowledge(version=draft, by=partner)

    services.criterion_delete(criterion=draft.items.get(code="authority"), by=manager)
    services.criteria_publish(version=draft, by=manager)
    with pytest.raises(ValidationFailed) as error:
        services.criteria_acknowledge(version=published, by=partner)

    assert "replaced by version 2" in error.value.message
    assert not CriteriaAcknowledgement.objects.exists()


def test_a_partner_reads_only_its_own_acknowledgements(
    partner, outsider, manager, distributor, published
):
    services.criteria_acknowledge(version=published, by=partner)
    services.criteria_acknowledge(version=published, by=outsider)

    own = selectors.criteria_acknowledgements(version=published, visible_to=partner)
    every = selectors.criteria_acknowledgements(version=published, visible_to=manager)

    assert [a.distributor.code for a in own] == ["acme"]
    assert [a.distributor.code for a in every] == ["acme", "rival"]
    [version] = selectors.criteria_versions(visible_to=partner)
    assert [a.distributor_id for a in version.own_acknowledgements] == [distributor.pk]


# --- qualifying against the version in force ------------------------------------------------


def test_a_lead_is_qualified_against_the_published_version_not_the_draft(
    manager, partner, distributor, published
):
    draft = services.criteria_draft(by=manager)
    services.criterion_save(
        criterion=Criterion(version=draft, code="need", label="Need confirmed"), by=manager
    )
    lead = factories.LeadFactory(status=Lead.Status.ACCEPTED, distributor=distributor)

    services.lead_qualify(lead=lead, by=partner, answers={"budget": True, "timeline": True})

    lead.refresh_from_db()
    assert lead.status == Lead.Status.DQL
    assert lead.qualifications.get().version == published


def test_the_database_holds_one_draft_at_most(db):
    from django.db import IntegrityError, transaction

    CriteriaVersion.objects.create(number=7)
    with pytest.raises(IntegrityError), transaction.atomic():
        CriteriaVersion.objects.create(number=8)
    assert CriteriaVersion.objects.filter(published_at__isnull=True).count() == 1
