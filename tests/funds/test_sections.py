"""Funds in "Waiting for you": the partner's approved activities to claim and the manager's
requests and claims to decide, each count equal to the list its link opens."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def todo(response, key):
    """(count, link) of the to-do item `key` on a page, or None when it is not there."""
    html = response.content.decode()
    start = html.find(f'data-todo="{key}"')
    if start < 0:
        return None
    block = html[start:]
    count = re.search(r'todo-count">\s*(\d+)', block)
    link = re.search(r'class="fw-semibold todo-link" href="([^"]+)"', block)
    return int(count.group(1)), link.group(1).replace("&amp;", "&")


def listed(client, url):
    return client.get(url).context["page"].paginator.count


def test_a_partner_is_asked_to_claim_its_approved_activity_and_the_link_lists_it(
    login, approved, partner
):
    made = approved()
    client = login(partner)

    count, link = todo(client.get(reverse("distributors:mine")), "fund_requests")

    assert count == 1 == listed(client, link)
    assert made.title in client.get(link).content.decode()


def test_a_manager_is_asked_to_decide_the_requests_of_its_distributors(login, submit, manager):
    submit()
    client = login(manager)

    count, link = todo(client.get(reverse("scoring:dashboard")), "fund_requests")

    assert count == 1 == listed(client, link)


def test_nothing_waits_once_the_request_is_claimed(login, claimed, partner):
    claimed()
    client = login(partner)

    assert todo(client.get(reverse("distributors:mine")), "fund_requests") is None


def test_the_managers_notice_of_a_request_opens_the_request_where_it_is_decided(
    login, submit, manager
):
    from notifications.models import Notification

    made = submit()
    notice = Notification.objects.get(recipient=manager)

    assert notice.link == reverse("funds:request", args=[made.pk])
    page = login(manager).get(notice.link)
    assert 'id="decision-form"' in page.content.decode()


def test_the_distributor_page_shows_its_balance_in_each_fund_as_the_funds_pages_do(
    login, approved, manager, partner
):
    made = approved()
    code = made.allocation.distributor.code
    for user, url in (
        (manager, reverse("distributors:detail", args=[code])),
        (partner, reverse("distributors:mine")),
    ):
        html = login(user).get(url).content.decode()
        section = html[html.index('id="section-funds"') :]
        assert str(made.allocation.fund) in section
        assert 'amount reserved">€2,000.00<' in section
        assert 'amount available fw-semibold">€8,000.00<' in section
