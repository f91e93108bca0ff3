import pytest
from django.urls import reverse

from goals.models import Activity
from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("goals:activities")


def test_manager_logs_a_visit(login, manager, today, distributor):
    response = login(manager).post(
        URL, {"kind": "visit", "distributor": "acme", "date": "2026-06-10", "note": "Showroom"}
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.manager == manager and activity.distributor == distributor
    assert "Showroom" in login(manager).get(URL).content.decode()


def test_a_planned_activity_is_refused_on_the_form(login, manager, today):
    response = login(manager).post(URL, {"kind": "visit", "date": "2026-07-01"})
    assert response.status_code == 400
    assert "not what is planned" in response.content.decode()
    assert not Activity.objects.exists()


def test_the_log_lists_activities(login, manager, today):
    factories.ActivityFactory(note="Quarterly call with Acme")
    assert "Quarterly call with Acme" in login(manager).get(URL).content.decode()


def test_partners_get_403(login, partner, colleague, outsider):
    for user in (partner, colleague, outsider):
        assert login(user).get(URL).status_code == 403
        assert login(user).post(URL, {"kind": "visit"}).status_code == 403


def test_from_a_distributors_record_the_log_lists_its_activities_and_starts_the_form_on_it(
    login, manager, distributor, other_distributor
):
    factories.ActivityFactory(manager=manager, distributor=distributor, note="Acme visit")
    factories.ActivityFactory(manager=manager, distributor=other_distributor, note="Rival call")
    response = login(manager).get(reverse("goals:activities") + "?distributor=ACME")
    assert response.status_code == 200
    assert [a.note for a in response.context["page"].object_list] == ["Acme visit"]
    assert response.context["form"].initial["distributor"] == "acme"
    missing = login(manager).get(reverse("goals:activities") + "?distributor=nobody")
    assert missing.status_code == 400 and not missing.context["page"].object_list
