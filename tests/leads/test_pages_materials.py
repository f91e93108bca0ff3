"""Catalogue pages: the list with its ratings, create and edit, an item's page, rating (from the
item or from a lead), file downloads, and the in-context list on a lead's page."""

import json

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leads import selectors
from leads.models import Material, MaterialFeedback
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("leads:materials")
CREATE = reverse("leads:material-create")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def url(name, material):
    return reverse(f"leads:{name}", args=[material.pk])


def upload(name="brochure.pdf", content=b"%PDF-1.4 catalogue"):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def item_with_file(name="brochure.pdf", **fields):
    return factories.MaterialFactory(url="", file=upload(name), **fields)


@pytest.fixture
def pumps(db):
    return factories.ProductLineFactory(code="pumps", name="Pumps")


@pytest.fixture
def catalogue(pumps):
    return {
        "brochure": factories.MaterialFactory(
            title="Pump brochure", kind="material", stage="any", product_line=pumps
        ),
        "promo": factories.MaterialFactory(title="Spring promotion", kind="promotion", stage="dql"),
        "hidden": factories.MaterialFactory(title="Old datasheet", is_active=False),
    }


@pytest.fixture
def feedback(catalogue, partner, colleague, outsider, distributor, other_distributor):
    """acme's partner and rep and rival's admin rated the brochure; rival's comment is secret."""
    brochure = catalogue["brochure"]
    return {
        "partner": factories.MaterialFeedbackFactory(
            material=brochure,
            by=partner,
            distributor=distributor,
            rating=4,
            stage="any",
            comment="acme-partner-comment",
        ),
        "colleague": factories.MaterialFeedbackFactory(
            material=brochure,
            by=colleague,
            distributor=distributor,
            rating=2,
            stage="dql",
            comment="acme-rep-comment",
        ),
        "outsider": factories.MaterialFeedbackFactory(
            material=brochure,
            by=outsider,
            distributor=other_distributor,
            rating=5,
            stage="dql",
            comment="rival-secret-comment",
        ),
    }


def chart_data(response, element_id):
    content = response.content.decode()
    start = content.index(f'id="{element_id}"')
    start = content.index(">", start) + 1
    return json.loads(content[start : content.index("</script>", start)])


# --- the list ------------------------------------------------------------------------------------


def test_manager_sees_every_item_with_its_average_rating_and_count(login, manager, feedback):
    response = login(manager).get(LIST)
    assert response.status_code == 200
    rows = {m.title: m for m in response.context["page"].object_list}
    assert set(rows) == {"Pump brochure", "Spring promotion", "Old datasheet"}
    brochure = rows["Pump brochure"]
    assert (round(brochure.average_rating, 2), brochure.rating_count) == (3.67, 3)
    assert rows["Spring promotion"].rating_count == 0
    assert "Hidden" in response.content.decode()


def test_manager_sees_the_average_rating_per_item_and_sales_stage(login, manager, feedback):
    response = login(manager).get(LIST)
    matrix = {row["material"].title: row["cells"] for row in response.context["matrix"]}
    stages = list(Material.Stage.values)
    brochure = matrix["Pump brochure"]
    assert brochure[stages.index("any")]["average"] == 4
    assert (brochure[stages.index("dql")]["average"], brochure[stages.index("dql")]["count"]) == (
        3.5,
        2,
    )
    assert brochure[stages.index("opportunity")] is None
    assert matrix["Spring promotion"] == [None] * len(stages)
    assert 'id="rating-matrix"' in response.content.decode()


def test_manager_list_embeds_a_chart_of_the_average_rating_per_stage_and_kind(
    login, manager, feedback
):
    response = login(manager).get(LIST)
    chart = chart_data(response, "material-rating-chart-data")
    assert chart["labels"] == [str(stage.label) for stage in Material.Stage]
    assert chart["max"] == 5
    (series,) = chart["datasets"]
    assert series["label"] == "Sales material"
    assert series["data"] == [4.0, None, None, 3.5, None]
    content = response.content.decode()
    assert 'data-source="material-rating-chart-data"' in content
    assert "chart.umd.min.js" in content


def test_the_list_filters_by_kind_product_line_and_stage(login, manager, catalogue, pumps):
    client = login(manager)

    def titles(**params):
        response = client.get(LIST, params)
        return [m.title for m in response.context["page"].object_list]

    assert titles(kind="promotion") == ["Spring promotion"]
    assert titles(product_line="pumps") == ["Pump brochure"]
    assert titles(stage="dql") == ["Spring promotion"]
    assert titles(shown="no") == ["Old datasheet"]


def test_the_chart_follows_the_filters(login, manager, feedback):
    response = login(manager).get(LIST, {"kind": "promotion"})
    assert response.context["chart"]["datasets"] == []
    assert 'id="no-ratings"' in response.content.decode()


def test_an_invalid_filter_lists_nothing_and_says_why(login, manager, catalogue):
    response = login(manager).get(LIST, {"product_line": "no-such-line", "kind": "poster"})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    content = response.content.decode()
    assert 'id="filter-errors"' in content
    assert "product_line" in content and "kind" in content


def test_partner_sees_active_items_only_with_their_own_rating(login, partner, feedback):
    response = login(partner).get(LIST)
    assert response.status_code == 200
    rows = {m.title: m for m in response.context["page"].object_list}
    assert set(rows) == {"Pump brochure", "Spring promotion"}
    assert rows["Pump brochure"].my_rating == 4
    assert "matrix" not in response.context and "chart" not in response.context
    content = response.content.decode()
    assert "Old datasheet" not in content
    assert "Average rating" not in content


def test_outsider_never_sees_another_distributors_ratings_or_comments_in_the_list(
    login, outsider, feedback
):
    response = login(outsider).get(LIST)
    content = response.content.decode()
    assert {m.title: m.my_rating for m in response.context["page"].object_list} == {
        "Pump brochure": 5,
        "Spring promotion": None,
    }
    for secret in ("acme-partner-comment", "acme-rep-comment", "partner-test", "colleague-test"):
        assert secret not in content


@pytest.mark.parametrize("persona", ["manager", "partner"])
def test_list_query_count_does_not_grow_with_items(login, request, persona, partner, distributor):
    client = login(request.getfixturevalue(persona))

    def add(count):
        for material in factories.MaterialFactory.create_batch(
            count, product_line=factories.ProductLineFactory()
        ):
            factories.MaterialFeedbackFactory(
                material=material, by=partner, distributor=distributor
            )

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    add(20)
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).status_code == 200
    assert len(many) == len(few)


def test_list_pages_the_catalogue(login, manager):
    factories.MaterialFactory.create_batch(55)
    response = login(manager).get(LIST, {"page": 2})
    assert len(response.context["page"].object_list) == 5


# --- who gets nothing ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["material-detail", "material-edit", "material-file"])
def test_anonymous_is_sent_to_login(client, catalogue, name):
    for target in (LIST, CREATE, url(name, catalogue["brochure"])):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_anonymous_cannot_rate(client, catalogue):
    response = client.post(url("material-rate", catalogue["brochure"]), {"rating": 5})
    assert response.status_code == 302
    assert not MaterialFeedback.objects.exists()


def test_a_user_without_a_role_gets_nothing(login, nobody, catalogue):
    client = login(nobody)
    brochure = catalogue["brochure"]
    for target in (LIST, CREATE, url("material-detail", brochure), url("material-file", brochure)):
        assert client.get(target).status_code == 403
    assert client.post(url("material-rate", brochure), {"rating": 5}).status_code == 403
    assert not MaterialFeedback.objects.exists()


# --- create and edit -----------------------------------------------------------------------------


def form_data(**extra):
    return {
        "title": "Pump datasheet",
        "kind": "product",
        "stage": "any",
        "is_active": "on",
        **extra,
    }


def test_manager_creates_an_item_with_a_file(login, manager, media):
    response = login(manager).post(CREATE, form_data(file=upload("datasheet.pdf")))
    material = Material.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("material-detail", material)
    assert (media / material.file.name).read_bytes() == b"%PDF-1.4 catalogue"
    assert (material.title, material.kind, material.url) == ("Pump datasheet", "product", "")


def test_manager_creates_an_item_with_a_link(login, manager, pumps):
    response = login(manager).post(
        CREATE, form_data(url="https://example.com/pumps", product_line=pumps.pk, stage="dql")
    )
    assert response.status_code == 302
    material = Material.objects.get()
    assert (material.url, material.product_line, material.stage) == (
        "https://example.com/pumps",
        pumps,
        "dql",
    )


def test_the_create_page_shows_a_multipart_form(login, manager):
    response = login(manager).get(CREATE)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert ".pdf,.pptx,.docx,.xlsx,.png,.jpg,.jpeg,.mp4" in content


def test_a_file_of_another_type_is_an_error_on_the_file_field(login, manager, media):
    response = login(manager).post(CREATE, form_data(file=upload("invoice.exe", b"MZ")))
    assert response.status_code == 200
    assert "pdf, pptx, docx" in response.context["form"].errors["file"][0]
    assert not Material.objects.exists()
    assert not list(media.rglob("*.*"))


def test_a_file_over_the_limit_is_an_error_on_the_file_field(login, manager, settings):
    settings.MATERIAL_MAX_BYTES = 100
    response = login(manager).post(CREATE, form_data(file=upload("big.pdf", b"x" * 101)))
    assert response.status_code == 200
    assert "the limit is 100\xa0bytes" in response.context["form"].errors["file"][0]
    assert not Material.objects.exists()


def test_an_upload_stopped_while_streaming_is_an_error_naming_the_catalogues_limit(
    login, manager, settings
):
    settings.IMPORT_MAX_BYTES = 1000
    settings.MATERIAL_MAX_BYTES = 500
    response = login(manager).post(CREATE, form_data(file=upload("huge.pdf", b"x" * 200_000)))
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "The file is larger than the limit of 500\xa0bytes."
    ]
    assert not Material.objects.exists()


@pytest.mark.parametrize("link", ["ftp://files.example.com/a.pdf", "javascript:alert(1)"])
def test_a_link_that_is_not_http_or_https_is_an_error_on_the_link(login, manager, link):
    response = login(manager).post(CREATE, form_data(url=link))
    assert response.status_code == 200
    assert response.context["form"].errors["url"]
    assert not Material.objects.exists()


def test_an_item_without_file_or_link_is_an_error_on_the_link(login, manager):
    response = login(manager).post(CREATE, form_data())
    assert response.context["form"].errors["url"] == ["Give a file or a link."]
    assert not Material.objects.exists()


def test_manager_edits_an_item_and_hides_it_from_partners(login, manager, catalogue):
    brochure = catalogue["brochure"]
    response = login(manager).post(
        url("material-edit", brochure),
        form_data(title="Pump brochure 2026", url="https://example.com/2026", is_active=""),
    )
    assert response.status_code == 302
    brochure.refresh_from_db()
    assert (brochure.title, brochure.url, brochure.is_active) == (
        "Pump brochure 2026",
        "https://example.com/2026",
        False,
    )


def test_manager_swaps_a_file_for_a_link_and_the_file_is_deleted(
    login, manager, media, django_capture_on_commit_callbacks
):
    material = item_with_file("sheet.pdf")
    stored = media / material.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = login(manager).post(
            url("material-edit", material),
            form_data(url="https://example.com/sheet", **{"file-clear": "on"}),
        )
    assert response.status_code == 302
    material.refresh_from_db()
    assert (material.file.name, material.url) == ("", "https://example.com/sheet")
    assert not stored.exists()


def test_the_edit_page_shows_the_item(login, manager, catalogue):
    response = login(manager).get(url("material-edit", catalogue["brochure"]))
    assert response.status_code == 200
    assert response.context["form"].initial["title"] == "Pump brochure"


@pytest.mark.parametrize("persona", ["partner", "colleague", "outsider"])
def test_partners_cannot_create_or_edit_items(login, request, persona, catalogue):
    client = login(request.getfixturevalue(persona))
    brochure = catalogue["brochure"]
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data(url="https://example.com/x")).status_code == 403
    assert client.get(url("material-edit", brochure)).status_code == 403
    response = client.post(url("material-edit", brochure), form_data(url="https://evil.example"))
    assert response.status_code == 403
    brochure.refresh_from_db()
    assert brochure.title == "Pump brochure"
    assert Material.objects.count() == 3


# --- an item's page ------------------------------------------------------------------------------


def test_manager_sees_every_distributors_feedback_on_an_item(login, manager, feedback):
    response = login(manager).get(url("material-detail", feedback["partner"].material))
    assert response.status_code == 200
    content = response.content.decode()
    for text in ("acme", "rival", "partner-test", "outsider-test", "rival-secret-comment"):
        assert text in content
    assert len(response.context["feedback"].object_list) == 3
    assert [(row["label"], row["count"]) for row in response.context["stage_ratings"]] == [
        ("Any stage", 1),
        ("Distributor-qualified", 2),
    ]
    assert '<td>Distributor-qualified</td><td class="text-end">3.5</td>' in content
    assert chart_data(response, "material-stage-chart-data")["datasets"][0]["data"] == [
        4.0,
        None,
        None,
        3.5,
        None,
    ]
    assert "rate_form" not in response.context


def test_manager_sees_an_inactive_item(login, manager, catalogue):
    assert login(manager).get(url("material-detail", catalogue["hidden"])).status_code == 200


def test_partner_sees_its_own_distributors_feedback_and_a_rate_form(login, colleague, feedback):
    response = login(colleague).get(url("material-detail", feedback["partner"].material))
    assert response.status_code == 200
    assert set(response.context["feedback"].object_list) == {
        feedback["partner"],
        feedback["colleague"],
    }
    content = response.content.decode()
    assert "acme-partner-comment" in content and "acme-rep-comment" in content
    assert 'id="rate-form"' in content
    assert "stage_ratings" not in response.context


def test_outsider_never_sees_another_distributors_feedback_on_an_item(login, outsider, feedback):
    response = login(outsider).get(url("material-detail", feedback["partner"].material))
    assert list(response.context["feedback"].object_list) == [feedback["outsider"]]
    content = response.content.decode()
    for secret in ("acme-partner-comment", "acme-rep-comment", "partner-test", "colleague-test"):
        assert secret not in content
    assert "acme" not in content.replace("acme-", "")


@pytest.mark.parametrize("persona", ["partner", "colleague", "outsider"])
def test_partners_get_404_for_an_inactive_item(login, request, persona, media):
    hidden = item_with_file("old.pdf", is_active=False)
    client = login(request.getfixturevalue(persona))
    assert client.get(url("material-detail", hidden)).status_code == 404
    assert client.get(url("material-file", hidden)).status_code == 404
    assert client.post(url("material-rate", hidden), {"rating": 3}).status_code == 404
    assert not MaterialFeedback.objects.exists()


def test_an_unknown_item_is_404(login, manager):
    assert login(manager).get(reverse("leads:material-detail", args=[999])).status_code == 404


# --- rating --------------------------------------------------------------------------------------


def test_partner_rates_from_the_item_page_and_returns_to_it(login, partner, catalogue):
    promo = catalogue["promo"]
    response = login(partner).post(
        url("material-rate", promo), {"rating": "5", "comment": "Closed two deals with it"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("material-detail", promo)
    feedback = MaterialFeedback.objects.get()
    assert (feedback.stage, feedback.rating, feedback.comment, feedback.lead) == (
        "dql",
        5,
        "Closed two deals with it",
        None,
    )


def test_a_rep_rates_from_a_lead_and_goes_back_to_the_lead(login, colleague, distributor):
    lead = factories.LeadFactory(status="accepted", distributor=distributor)
    material = factories.MaterialFactory(stage="accepted")
    response = login(colleague).post(
        url("material-rate", material), {"rating": "3", "lead": str(lead.pk)}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("leads:detail", args=[lead.pk])
    feedback = MaterialFeedback.objects.get()
    assert (feedback.stage, feedback.lead, feedback.by) == ("accepted", lead, colleague)


def test_a_partner_cannot_rate_against_another_distributors_lead(
    login, outsider, distributor, catalogue
):
    lead = factories.LeadFactory(status="accepted", distributor=distributor)
    response = login(outsider).post(
        url("material-rate", catalogue["promo"]), {"rating": "1", "lead": str(lead.pk)}
    )
    assert response.status_code == 404
    assert not MaterialFeedback.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"rating": "0"}, {"rating": "6"}, {"rating": "five"}, {"rating": "3", "lead": "x"}],
)
def test_bad_input_on_the_item_page_shows_the_error_and_changes_nothing(
    login, partner, catalogue, data
):
    response = login(partner).post(url("material-rate", catalogue["promo"]), data)
    assert response.status_code == 200
    errors = response.context["rate_form"].errors
    assert errors
    content = response.content.decode()
    for messages in errors.values():
        for message in messages:
            assert message in content
    assert not MaterialFeedback.objects.exists()


def test_bad_input_from_a_lead_goes_back_to_the_lead_with_a_message(
    login, partner, distributor, catalogue
):
    lead = factories.LeadFactory(status="dql", distributor=distributor)
    response = login(partner).post(
        url("material-rate", catalogue["promo"]), {"rating": "9", "lead": str(lead.pk)}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("leads:detail", args=[lead.pk])
    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "error"
    assert "Choose a rating from 1 to 5." in str(message)
    assert not MaterialFeedback.objects.exists()


def test_an_item_the_lead_does_not_offer_is_refused_with_a_message(
    login, partner, distributor, catalogue
):
    lead = factories.LeadFactory(status="opportunity", distributor=distributor)
    response = login(partner).post(
        url("material-rate", catalogue["promo"]), {"rating": "4", "lead": str(lead.pk)}
    )
    assert response["Location"] == reverse("leads:detail", args=[lead.pk])
    (message,) = get_messages(response.wsgi_request)
    assert "not offered on this lead" in str(message)
    assert not MaterialFeedback.objects.exists()


@pytest.mark.parametrize("persona", ["manager", "admin_user"])
def test_the_manufacturers_staff_cannot_rate(login, request, persona, catalogue):
    response = login(request.getfixturevalue(persona)).post(
        url("material-rate", catalogue["promo"]), {"rating": "5"}
    )
    assert response.status_code == 403
    assert not MaterialFeedback.objects.exists()


def test_rating_answers_only_post(login, partner, catalogue):
    assert login(partner).get(url("material-rate", catalogue["promo"])).status_code == 405


# --- files ---------------------------------------------------------------------------------------


def test_manager_downloads_the_file_as_an_attachment_with_a_safe_name(login, manager):
    material = item_with_file("../../etc/Pump sheet.pdf", title='Pump "sheet" / 2026 <v2>')
    response = login(manager).get(url("material-file", material))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="pump-sheet-2026-v2.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 catalogue"


def test_partner_downloads_an_active_items_file(login, colleague):
    material = item_with_file("photo.png", title="Pump photo")
    response = login(colleague).get(url("material-file", material))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="pump-photo.png"'
    b"".join(response.streaming_content)


def test_an_item_without_a_file_has_no_download(login, manager, catalogue):
    assert login(manager).get(url("material-file", catalogue["brochure"])).status_code == 404


def test_a_file_missing_from_storage_is_404(login, manager, media):
    material = item_with_file("gone.pdf")
    (media / material.file.name).unlink()
    assert login(manager).get(url("material-file", material)).status_code == 404


def test_uploaded_files_are_not_served_from_a_public_media_url(client, login, manager, settings):
    material = item_with_file("secret.pdf")
    for path in (f"/media/{material.file.name}", f"/{settings.MEDIA_URL}{material.file.name}"):
        assert client.get(path).status_code == 404
        assert login(manager).get(path).status_code == 404


# --- the catalogue on a lead's page --------------------------------------------------------------


def render_on_lead(user, lead):
    request = RequestFactory().get(reverse("leads:detail", args=[lead.pk]))
    request.user = user
    return render_to_string(
        "leads/materials/_on_lead.html",
        {
            "materials": selectors.materials_for_lead(lead=lead),
            "lead": lead,
            "rated": selectors.material_feedback_on_lead(lead=lead, by=user),
        },
        request=request,
    )


def test_on_a_lead_a_partner_gets_a_rate_form_per_item_posting_the_lead(
    partner, distributor, pumps
):
    lead = factories.LeadFactory(status="dql", distributor=distributor, product_line=pumps)
    rated = factories.MaterialFactory(title="Pump brochure", product_line=pumps)
    fresh = factories.MaterialFactory(title="DQL checklist", stage="dql")
    factories.MaterialFactory(title="Opportunity deck", stage="opportunity")
    factories.MaterialFeedbackFactory(
        material=rated,
        by=partner,
        distributor=distributor,
        stage="dql",
        rating=2,
        comment="Too long",
    )
    html = render_on_lead(partner, lead)
    assert "Pump brochure" in html and "DQL checklist" in html
    assert "Opportunity deck" not in html
    assert html.count('class="row g-2 align-items-center mt-1 material-rate-form"') == 2
    assert html.count(f'<input type="hidden" name="lead" value="{lead.pk}">') == 2
    assert f'action="{url("material-rate", rated)}"' in html
    assert f'action="{url("material-rate", fresh)}"' in html
    assert '<option value="2" selected>' in html
    assert 'value="Too long"' in html


def test_on_a_lead_a_manager_sees_the_items_without_a_rate_form(manager, distributor):
    lead = factories.LeadFactory(status="accepted", distributor=distributor)
    factories.MaterialFactory(title="Qualifying questions", stage="accepted")
    html = render_on_lead(manager, lead)
    assert "Qualifying questions" in html
    assert "material-rate-form" not in html


def test_on_a_lead_without_items_the_partner_is_told_so(partner, distributor):
    lead = factories.LeadFactory(status="accepted", distributor=distributor)
    assert "No sales materials" in render_on_lead(partner, lead)
