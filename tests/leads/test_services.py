"""Lead lifecycle: legal moves only, every move logged, scoping, rejection feedback, races."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from drm.errors import NotAllowed, ValidationFailed
from leads import services
from leads.models import Lead, LeadEvent, LeadRejection, LeadSource

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(db):
    return LeadSource.objects.create(code="spring-fair", name="Spring fair", kind="campaign")


def make_lead(source, status=Lead.Status.MQL, **extra):
    return Lead.objects.create(
        source=source,
        external_ref=extra.pop("external_ref", f"ref-{Lead.objects.count() + 1}"),
        company="Brasserie du Port",
        contact_email="buyer@port.example",
        country="FR",
        status=status,
        **extra,
    )


def test_a_lead_is_assigned_with_a_deadline_from_the_tier_and_the_move_is_logged(
    source, manager, distributor
):
    distributor.tier.accept_hours = 24
    distributor.tier.save()
    lead = services.lead_assign(lead=make_lead(source), distributor=distributor, by=manager)
    assert (lead.status, lead.distributor) == (Lead.Status.ASSIGNED, distributor)
    assert lead.accept_deadline - lead.assigned_at == datetime.timedelta(hours=24)
    event = LeadEvent.objects.get(lead=lead)
    assert (event.from_status, event.to_status, event.by, event.distributor) == (
        "mql",
        "assigned",
        manager,
        distributor,
    )


def test_an_illegal_move_names_the_current_and_the_asked_status(source, partner, distributor):
    lead = make_lead(source, status=Lead.Status.ASSIGNED, distributor=distributor)
    services.lead_accept(lead=lead, by=partner)
    with pytest.raises(ValidationFailed) as error:
        services.lead_accept(lead=lead, by=partner)
    assert error.value.message == "A lead cannot go from Accepted to Accepted."
    assert LeadEvent.objects.filter(lead=lead).count() == 1


def test_only_the_owning_distributors_partners_accept_or_reject(
    source, outsider, partner, distributor
):
    lead = make_lead(source, status=Lead.Status.ASSIGNED, distributor=distributor)
    with pytest.raises(NotAllowed):
        services.lead_accept(lead=lead, by=outsider)
    with pytest.raises(NotAllowed):
        services.lead_reject(lead=lead, by=outsider, rating=1, reason="spam")
    lead.refresh_from_db()
    assert (lead.status, lead.distributor) == (Lead.Status.ASSIGNED, distributor)
    assert not LeadEvent.objects.exists()


def test_a_rejected_lead_returns_to_the_pool_and_is_never_offered_to_its_rejecter_again(
    source, manager, partner, distributor
):
    lead = services.lead_assign(lead=make_lead(source), distributor=distributor, by=manager)
    lead = services.lead_reject(
        lead=lead, by=partner, rating=2, reason="no_budget", contacted=True, text="Frozen budget"
    )
    assert (lead.status, lead.distributor, lead.accept_deadline) == (Lead.Status.MQL, None, None)
    rejection = LeadRejection.objects.get()
    assert (rejection.distributor, rejection.rating, rejection.reason, rejection.contacted) == (
        distributor,
        2,
        "no_budget",
        True,
    )
    with pytest.raises(ValidationFailed) as error:
        services.lead_assign(lead=lead, distributor=distributor, by=manager)
    assert error.value.field == "distributor"


@pytest.mark.parametrize(("rating", "reason"), [(0, "spam"), (6, "spam"), (3, "bored")])
def test_rejection_feedback_must_be_complete(source, partner, distributor, rating, reason):
    lead = make_lead(source, status=Lead.Status.ASSIGNED, distributor=distributor)
    with pytest.raises(ValidationFailed):
        services.lead_reject(lead=lead, by=partner, rating=rating, reason=reason)
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.ASSIGNED


def test_partners_see_only_their_own_distributors_leads(source, partner, outsider, distributor):
    own = make_lead(source, status=Lead.Status.ASSIGNED, distributor=distributor)
    make_lead(source)  # in the pool: nobody's
    assert list(Lead.objects.visible_to(partner)) == [own]
    assert list(Lead.objects.visible_to(outsider)) == []


def test_a_partner_admin_hands_a_lead_to_its_own_rep_only(
    source, partner, colleague, outsider, distributor
):
    lead = make_lead(source, status=Lead.Status.ASSIGNED, distributor=distributor)
    services.lead_accept(lead=lead, by=partner)
    with pytest.raises(ValidationFailed):
        services.lead_hand_to_rep(lead=lead, rep=outsider, by=partner)
    lead = services.lead_hand_to_rep(lead=lead, rep=colleague, by=partner)
    assert lead.owner == colleague


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_partner_accepting_while_a_manager_reassigns_leaves_one_owner(
    source, manager, partner, distributor, other_distributor
):
    """Both act at once on Postgres: exactly one wins, the other is refused, nothing is lost."""
    lead = services.lead_assign(lead=make_lead(source), distributor=distributor, by=manager)
    start = threading.Barrier(2)
    outcomes = {}

    def act(name, fn):
        start.wait()
        try:
            fn()
            outcomes[name] = "done"
        except (NotAllowed, ValidationFailed) as exc:
            outcomes[name] = type(exc).__name__
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=act, args=("accept", lambda: services.lead_accept(lead=lead, by=partner))
        ),
        threading.Thread(
            target=act,
            args=(
                "reassign",
                lambda: services.lead_assign(lead=lead, distributor=other_distributor, by=manager),
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) in (["NotAllowed", "done"], ["ValidationFailed", "done"])
    lead.refresh_from_db()
    events = list(LeadEvent.objects.filter(lead=lead).values_list("from_status", "to_status"))
    if outcomes["accept"] == "done":
        assert (lead.status, lead.distributor) == (Lead.Status.ACCEPTED, distributor)
        assert events == [("mql", "assigned"), ("assigned", "accepted")]
    else:
        assert (lead.status, lead.distributor) == (Lead.Status.ASSIGNED, other_distributor)
        # Taken back from the first distributor, then handed to the other: two events.
        assert events == [("mql", "assigned"), ("assigned", "mql"), ("mql", "assigned")]
    assert lead.assigned_at <= timezone.now()


def test_only_the_manufacturer_qualifies_a_new_lead_as_mql(source, manager, partner):
    lead = make_lead(source, status=Lead.Status.NEW)
    with pytest.raises(NotAllowed):
        services.lead_qualify_as_mql(lead=lead, by=partner)
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW
    lead = services.lead_qualify_as_mql(lead=lead, by=manager, note="Score 80 at the fair")
    assert lead.status == Lead.Status.MQL
    event = LeadEvent.objects.get(lead=lead)
    assert (event.from_status, event.to_status, event.note) == (
        "new",
        "mql",
        "Score 80 at the fair",
    )


def test_a_lead_in_an_owned_status_must_have_a_distributor(source):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        make_lead(source, status=Lead.Status.ASSIGNED)
