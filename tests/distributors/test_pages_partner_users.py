"""/partner-users/: partner admins manage their distributor's users, the manufacturer everyone's."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from identity.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db

User = get_user_model()
LIST = reverse("distributors:users")
INVITE = reverse("distributors:user-invite")


def deactivate_url(user):
    return reverse("distributors:user-deactivate", args=[user.pk])


def invite(client, capture, **fields):
    data = {"email": "new.rep@acme.example", "first_name": "Nina", "last_name": "Rep", **fields}
    with capture(execute=True):
        return client.post(INVITE, data)


def emails_on_page(response):
    return [m.user.email for m in response.context["page"].object_list]


# --- the list --------------------------------------------------------------------------------


def test_partner_admin_lists_only_its_own_distributors_users(login, partner, colleague, outsider):
    response = login(partner).get(LIST)

    assert response.status_code == 200
    assert sorted(emails_on_page(response)) == [colleague.email, partner.email]
    assert response.context["form"] is None


def test_manager_lists_every_distributors_users_with_the_distributor_shown(
    login, manager, partner, outsider
):
    response = login(manager).get(LIST)

    assert sorted(emails_on_page(response)) == [outsider.email, partner.email]
    assert b"rival" in response.content and b"acme" in response.content


def test_manager_filters_the_users_by_distributor(login, manager, partner, colleague, outsider):
    response = login(manager).get(LIST, {"distributor": "rival"})

    assert emails_on_page(response) == [outsider.email]


@pytest.mark.parametrize("url", [LIST, INVITE])
def test_a_partner_rep_gets_403_on_the_user_pages(login, colleague, url):
    assert login(colleague).get(url).status_code == 403


def test_the_nav_links_the_user_page_for_admins_and_managers_only(
    login, manager, partner, colleague
):
    assert LIST.encode() in login(manager).get(reverse("distributors:list")).content
    assert LIST.encode() in login(partner).get(reverse("distributors:mine")).content
    assert LIST.encode() not in login(colleague).get(reverse("distributors:mine")).content


def test_the_list_runs_the_same_queries_for_few_or_many_users(
    login, manager, distributor, django_assert_max_num_queries
):
    client = login(manager)
    factories.MembershipFactory.create_batch(3, distributor=distributor)
    with django_assert_max_num_queries(20) as few:
        client.get(LIST)
    factories.MembershipFactory.create_batch(20, distributor=distributor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LIST)


# --- inviting --------------------------------------------------------------------------------


def test_partner_admin_invites_a_rep_who_sets_a_password_from_the_email_link(
    client, login, partner, distributor, django_capture_on_commit_callbacks
):
    response = invite(login(partner), django_capture_on_commit_callbacks)

    assert response.status_code == 302
    invited = User.objects.get(email="new.rep@acme.example")
    assert not invited.has_usable_password()
    assert (invited.membership.distributor, invited.membership.role) == (distributor, "rep")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.rep@acme.example"]
    link = re.search(r"https?://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    client.logout()
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Fresh-rep-pass-42", "new_password2": "Fresh-rep-pass-42"},
    )

    assert done["Location"] == reverse("password_reset_complete")
    invited.refresh_from_db()
    assert invited.check_password("Fresh-rep-pass-42")
    logged_in = client.post(
        reverse("login"), {"username": invited.username, "password": "Fresh-rep-pass-42"}
    )
    assert logged_in["Location"] == reverse("home")
    assert client.get(link, follow=True).context["validlink"] is False


def test_an_email_already_in_use_in_any_case_is_a_form_error(
    login, partner, colleague, django_capture_on_commit_callbacks
):
    response = invite(
        login(partner), django_capture_on_commit_callbacks, email=colleague.email.upper()
    )

    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["email"][0]
    assert User.objects.filter(email__iexact=colleague.email).count() == 1
    assert mail.outbox == []


def test_a_partner_admin_cannot_pick_the_distributor_or_make_an_admin(
    login, partner, distributor, other_distributor, django_capture_on_commit_callbacks
):
    invite(
        login(partner),
        django_capture_on_commit_callbacks,
        distributor="rival",
        role="admin",
    )

    membership = Membership.objects.get(user__email="new.rep@acme.example")
    assert (membership.distributor, membership.role) == (distributor, "rep")


def test_a_partner_rep_cannot_invite(login, colleague, django_capture_on_commit_callbacks):
    response = invite(login(colleague), django_capture_on_commit_callbacks)

    assert response.status_code == 403
    assert not User.objects.filter(email="new.rep@acme.example").exists()
    assert mail.outbox == []


def test_manager_invites_an_admin_to_a_chosen_distributor(
    login, manager, other_distributor, django_capture_on_commit_callbacks
):
    response = invite(
        login(manager),
        django_capture_on_commit_callbacks,
        distributor="rival",
        role="admin",
    )

    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.rep@acme.example")
    assert (membership.distributor, membership.role) == (other_distributor, "admin")
    assert len(mail.outbox) == 1


def test_manager_must_choose_a_distributor(login, manager, django_capture_on_commit_callbacks):
    response = invite(login(manager), django_capture_on_commit_callbacks, role="rep")

    assert response.status_code == 200
    assert "distributor" in response.context["form"].errors
    assert not User.objects.filter(email="new.rep@acme.example").exists()


# --- deactivating ----------------------------------------------------------------------------


def test_partner_admin_deactivates_a_rep_of_its_distributor(login, partner, colleague):
    response = login(partner).post(deactivate_url(colleague))

    assert response.status_code == 302
    assert User.objects.get(pk=colleague.pk).is_active is False


def test_a_deactivated_rep_can_no_longer_use_the_portal(client, login, partner, colleague):
    rep_client = client.__class__()
    rep_client.force_login(colleague)
    login(partner).post(deactivate_url(colleague))

    assert rep_client.get(reverse("distributors:mine")).status_code == 302


def test_a_partner_rep_cannot_deactivate_anyone(login, colleague, distributor):
    other_rep = factories.MembershipFactory(distributor=distributor, role="rep").user

    response = login(colleague).post(deactivate_url(other_rep))

    assert response.status_code == 403
    assert User.objects.get(pk=other_rep.pk).is_active is True


def test_partner_admin_cannot_deactivate_a_user_of_another_distributor(login, partner, outsider):
    response = login(partner).post(deactivate_url(outsider))

    assert response.status_code == 404
    assert User.objects.get(pk=outsider.pk).is_active is True


def test_partner_admin_cannot_deactivate_itself_or_another_admin(login, partner, distributor):
    other_admin = factories.MembershipFactory(distributor=distributor, role="admin").user
    client = login(partner)

    for user in (partner, other_admin):
        response = client.post(deactivate_url(user), follow=True)
        assert response.status_code == 200
        assert User.objects.get(pk=user.pk).is_active is True
        assert list(response.context["messages"])[0].level_tag == "error"


def test_manager_deactivates_a_partner_admin(login, manager, outsider):
    login(manager).post(deactivate_url(outsider))

    assert User.objects.get(pk=outsider.pk).is_active is False


def test_deactivate_needs_post(login, partner, colleague):
    assert login(partner).get(deactivate_url(colleague)).status_code == 405
    assert User.objects.get(pk=colleague.pk).is_active is True
