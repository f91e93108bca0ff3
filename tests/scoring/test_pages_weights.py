"""The weights page: the current version and older ones; new weights make a new version; the
service's refusals come back as form errors."""

from decimal import Decimal

import pytest
from django.urls import reverse

from scoring import services
from scoring.metrics import metric_list
from scoring.models import ScoringModel

pytestmark = pytest.mark.django_db
URL = reverse("scoring:weights")


def form_data(**changes):
    current = services.scoring_model_current().weights
    data = {m.key: str(current[m.key]) for m in metric_list()}
    data["rate_estimate"] = services.scoring_model_current().rate_estimate
    data.update(changes)
    return data


def test_the_manager_sees_the_current_weights_and_the_versions(login, manager, db):
    response = login(manager).get(URL)
    assert response.status_code == 200
    assert response.context["current"].version == 1
    assert b'data-version="1"' in response.content
    assert str(metric_list()[0].label) in response.content.decode()


@pytest.mark.parametrize("persona", ["partner", "outsider", "nobody"])
def test_others_get_403(login, persona, request):
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data(revenue_t12m="5")).status_code == 403
    assert ScoringModel.objects.count() <= 1


def test_new_weights_make_a_new_version_with_who_and_why(login, manager, db):
    client = login(manager)
    response = client.post(URL, form_data(revenue_t12m="5", note="revenue first"), follow=True)
    assert "version 2" in response.content.decode()
    model = ScoringModel.objects.get(version=2)
    assert model.created_by == manager and model.note == "revenue first"
    assert model.weights["revenue_t12m"] == Decimal("5.00")
    assert b'data-version="2"' in response.content and b'data-version="1"' in response.content


def test_unchanged_weights_are_refused_as_a_form_error(login, manager, db):
    response = login(manager).post(URL, form_data())
    assert response.status_code == 400
    assert "have not changed" in response.content.decode()
    assert ScoringModel.objects.count() == 1


def test_all_zero_weights_are_refused(login, manager, db):
    data = form_data(**{m.key: "0" for m in metric_list()})
    response = login(manager).post(URL, data)
    assert response.status_code == 400
    assert "above zero" in response.content.decode()


def test_a_weight_out_of_range_is_a_field_error(login, manager, db):
    response = login(manager).post(URL, form_data(revenue_t12m="101"))
    assert response.status_code == 400
    assert response.context["form"].errors["revenue_t12m"]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_each_version_names_its_metrics_in_the_readers_language(login, manager, language):
    from django.utils import translation

    from scoring.metrics import metric_get

    response = login(manager).get(URL, HTTP_ACCEPT_LANGUAGE=language)
    versions = response.content.decode().split('id="versions"')[1]
    with translation.override(language):
        label = str(metric_get("acceptance_rate").label)
    assert label in versions
    assert "acceptance_rate" not in versions
