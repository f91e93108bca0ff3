"""The catalogue's services and selectors: who edits and rates it, what a rating counts for, and
who sees which feedback."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from drm.errors import NotAllowed, ValidationFailed
from leads import selectors, services
from leads.models import Material, MaterialFeedback
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def pdf(name="brochure.pdf", size=None):
    content = b"%PDF-1.4 catalogue" if size is None else b"x" * size
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- material_save -------------------------------------------------------------------------------


def test_a_manager_saves_an_item_with_a_link(manager):
    material = services.material_save(
        material=Material(
            title="Pump brochure", kind="material", stage="any", url="https://example.com/p.pdf"
        ),
        by=manager,
    )
    assert Material.objects.get().title == "Pump brochure"
    assert material.is_active


def test_a_manager_saves_an_item_with_a_file_stored_under_materials(manager, media):
    material = services.material_save(
        material=Material(title="Price list", kind="promotion", stage="dql", file=pdf()),
        by=manager,
    )
    assert material.file.name.startswith("materials/")
    assert (media / material.file.name).read_bytes() == b"%PDF-1.4 catalogue"


@pytest.mark.parametrize("persona", ["partner", "colleague", "nobody"])
def test_only_the_manufacturers_staff_edit_the_catalogue(request, persona):
    with pytest.raises(NotAllowed):
        services.material_save(
            material=Material(title="Mine", kind="material", stage="any", url="https://e.com/"),
            by=request.getfixturevalue(persona),
        )
    assert not Material.objects.exists()


def test_an_item_needs_a_file_or_a_link(manager):
    with pytest.raises(ValidationFailed) as error:
        services.material_save(
            material=Material(title="Empty", kind="material", stage="any"), by=manager
        )
    assert (error.value.field, error.value.message) == ("url", "Give a file or a link.")
    assert not Material.objects.exists()


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://files.example.com/a.pdf", "file:///etc/passwd"]
)
def test_a_link_must_be_http_or_https(manager, url):
    with pytest.raises(ValidationFailed) as error:
        services.material_save(
            material=Material(title="Bad", kind="material", stage="any", url=url), by=manager
        )
    assert error.value.field == "url"
    assert not Material.objects.exists()


@pytest.mark.parametrize("name", ["setup.exe", "page.html", "brochure.pdf.svg", "noextension"])
def test_a_file_of_another_type_is_refused_naming_the_file_field(manager, name, media):
    with pytest.raises(ValidationFailed) as error:
        services.material_save(
            material=Material(title="Bad", kind="material", stage="any", file=pdf(name)),
            by=manager,
        )
    assert error.value.field == "file"
    assert "pdf, pptx, docx, xlsx, png, jpg, jpeg, mp4" in error.value.message
    assert not Material.objects.exists()
    assert not list(media.rglob("*.*"))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("brochure.pdf", b"<html><script>alert(1)</script></html>"),
        ("brochure.pdf", b"\x89PNG\r\n\x1a\n image"),
        ("photo.png", b"%PDF-1.4 not a picture"),
        ("deck.pptx", b"%PDF-1.4"),
        ("clip.mp4", b"MZ\x90\0 a program"),
    ],
)
def test_a_file_whose_content_is_not_its_type_is_refused(manager, media, name, content):
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(ValidationFailed) as error:
        services.material_save(
            material=Material(title="Fake", kind="material", stage="any", file=upload), by=manager
        )
    assert error.value.field == "file"
    assert error.value.message.startswith(f"“{name}” is not a real .")
    assert not Material.objects.exists()
    assert not list(media.rglob("*.*"))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("deck.pptx", b"PK\x03\x04 slides"),
        ("clip.mp4", b"\0\0\0\x18ftypmp42 video"),
        ("photo.png", b"\x89PNG\r\n\x1a\n image"),
    ],
)
def test_a_file_whose_content_matches_its_type_is_stored(manager, name, content):
    upload = SimpleUploadedFile(name, content)
    material = services.material_save(
        material=Material(title="Real", kind="material", stage="any", file=upload), by=manager
    )
    with material.file.open("rb") as stored:
        assert stored.read() == content


def test_a_file_over_the_size_limit_is_refused(manager, settings, media):
    settings.MATERIAL_MAX_BYTES = 10
    with pytest.raises(ValidationFailed) as error:
        services.material_save(
            material=Material(title="Big", kind="material", stage="any", file=pdf(size=11)),
            by=manager,
        )
    assert error.value.field == "file"
    assert "the limit is 10\xa0bytes" in error.value.message
    assert not Material.objects.exists()


def test_an_upper_case_extension_is_accepted(manager):
    photo = SimpleUploadedFile("PUMP.JPG", b"\xff\xd8\xff\xe0 photo", content_type="image/jpeg")
    material = services.material_save(
        material=Material(title="Photo", kind="product", stage="any", file=photo),
        by=manager,
    )
    assert material.file.name.endswith("PUMP.JPG")


def test_replacing_a_file_deletes_the_old_one_once_committed(
    manager, media, django_capture_on_commit_callbacks
):
    material = services.material_save(
        material=Material(title="Sheet", kind="material", stage="any", file=pdf("v1.pdf")),
        by=manager,
    )
    old = media / material.file.name
    material.file = pdf("v2.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        services.material_save(material=material, by=manager)
    assert not old.exists()
    assert (media / material.file.name).exists()


def test_a_refused_change_keeps_the_stored_item_and_its_file(manager, media):
    material = services.material_save(
        material=Material(title="Sheet", kind="material", stage="any", file=pdf("v1.pdf")),
        by=manager,
    )
    material.file = pdf("v2.exe")
    with pytest.raises(ValidationFailed):
        services.material_save(material=material, by=manager)
    stored = Material.objects.get()
    assert stored.file.name.endswith("v1.pdf")
    assert (media / stored.file.name).exists()


# --- material_rate -------------------------------------------------------------------------------


def test_a_partner_rates_an_item_at_the_items_stage(partner, distributor):
    material = factories.MaterialFactory(stage="dql")
    feedback = services.material_rate(material=material, by=partner, rating=4, comment="Handy")
    assert (feedback.stage, feedback.rating, feedback.comment) == ("dql", 4, "Handy")
    assert (feedback.distributor, feedback.by, feedback.lead) == (distributor, partner, None)


def test_a_rep_rates_too(colleague):
    feedback = services.material_rate(material=factories.MaterialFactory(), by=colleague, rating=2)
    assert feedback.by == colleague


def test_rating_again_replaces_the_users_own_rating_at_that_stage(partner, colleague):
    material = factories.MaterialFactory()
    services.material_rate(material=material, by=partner, rating=2, comment="Meh")
    services.material_rate(material=material, by=colleague, rating=5)
    services.material_rate(material=material, by=partner, rating=4, comment="Better now")
    assert sorted(MaterialFeedback.objects.values_list("by__username", "rating", "comment")) == [
        ("colleague-test", 5, ""),
        ("partner-test", 4, "Better now"),
    ]


def test_a_rating_from_a_lead_counts_for_the_leads_stage(partner, distributor):
    material = factories.MaterialFactory(stage="any")
    lead = factories.LeadFactory(status="accepted", distributor=distributor)
    feedback = services.material_rate(material=material, by=partner, rating=5, lead=lead)
    assert (feedback.stage, feedback.lead) == ("accepted", lead)
    # The same item rated at another stage is another rating, not a replacement.
    services.material_rate(material=material, by=partner, rating=1)
    assert sorted(MaterialFeedback.objects.values_list("stage", "rating")) == [
        ("accepted", 5),
        ("any", 1),
    ]


@pytest.mark.parametrize("rating", [0, 6, -1, True, "3", 3.5, None])
def test_a_rating_outside_1_to_5_is_refused(partner, rating):
    with pytest.raises(ValidationFailed) as error:
        services.material_rate(material=factories.MaterialFactory(), by=partner, rating=rating)
    assert error.value.field == "rating"
    assert not MaterialFeedback.objects.exists()


def test_a_comment_over_2000_characters_is_refused(partner):
    with pytest.raises(ValidationFailed) as error:
        services.material_rate(
            material=factories.MaterialFactory(), by=partner, rating=3, comment="x" * 2001
        )
    assert error.value.field == "comment"
    assert not MaterialFeedback.objects.exists()


@pytest.mark.parametrize("persona", ["manager", "admin_user", "nobody"])
def test_only_partner_users_rate(request, persona):
    with pytest.raises(NotAllowed):
        services.material_rate(
            material=factories.MaterialFactory(), by=request.getfixturevalue(persona), rating=3
        )
    assert not MaterialFeedback.objects.exists()


def test_a_partner_cannot_rate_against_another_distributors_lead(outsider, distributor):
    lead = factories.LeadFactory(status="accepted", distributor=distributor)
    with pytest.raises(NotAllowed):
        services.material_rate(
            material=factories.MaterialFactory(), by=outsider, rating=1, lead=lead
        )
    assert not MaterialFeedback.objects.exists()


def test_an_inactive_item_cannot_be_rated(partner):
    with pytest.raises(ValidationFailed):
        services.material_rate(
            material=factories.MaterialFactory(is_active=False), by=partner, rating=3
        )
    assert not MaterialFeedback.objects.exists()


def test_an_item_the_lead_does_not_offer_cannot_be_rated_from_it(partner, distributor):
    pumps = factories.ProductLineFactory(code="pumps")
    valves = factories.ProductLineFactory(code="valves")
    lead = factories.LeadFactory(status="accepted", distributor=distributor, product_line=pumps)
    for material in (
        factories.MaterialFactory(stage="opportunity"),
        factories.MaterialFactory(product_line=valves),
    ):
        with pytest.raises(ValidationFailed) as error:
            services.material_rate(material=material, by=partner, rating=3, lead=lead)
        assert error.value.field == "lead"
    assert not MaterialFeedback.objects.exists()


# --- selectors ------------------------------------------------------------------------------------


def test_a_lead_offers_the_items_of_its_line_and_stage_and_those_for_every_line_and_stage(
    distributor,
):
    pumps = factories.ProductLineFactory(code="pumps")
    valves = factories.ProductLineFactory(code="valves")
    lead = factories.LeadFactory(status="dql", distributor=distributor, product_line=pumps)
    offered = {
        factories.MaterialFactory(title="every line, any stage"),
        factories.MaterialFactory(title="pumps, dql", product_line=pumps, stage="dql"),
        factories.MaterialFactory(title="every line, dql", stage="dql"),
    }
    factories.MaterialFactory(title="valves", product_line=valves)
    factories.MaterialFactory(title="pumps, opportunity", product_line=pumps, stage="opportunity")
    factories.MaterialFactory(title="hidden", is_active=False)
    assert set(selectors.materials_for_lead(lead=lead)) == offered


def test_partners_list_only_active_items_and_the_manufacturer_every_item(manager, partner):
    shown = factories.MaterialFactory(title="A shown")
    hidden = factories.MaterialFactory(title="B hidden", is_active=False)
    assert list(selectors.material_list(viewer=partner)) == [shown]
    assert list(selectors.material_list(viewer=manager)) == [shown, hidden]


def test_a_user_without_a_role_lists_nothing(nobody):
    factories.MaterialFactory()
    assert not selectors.material_list(viewer=nobody).exists()


def test_the_list_filters_by_kind_stage_product_line_and_visibility(manager):
    pumps = factories.ProductLineFactory(code="pumps")
    brochure = factories.MaterialFactory(kind="material", stage="dql", product_line=pumps)
    promo = factories.MaterialFactory(kind="promotion", stage="any", is_active=False)

    def listed(**filters):
        return list(selectors.material_list(viewer=manager, filters=filters))

    assert listed(kind="promotion") == [promo]
    assert listed(stage="dql") == [brochure]
    assert listed(product_line=pumps) == [brochure]
    assert listed(is_active=False) == [promo]
    assert listed(is_active=None, kind="") == [brochure, promo]


def test_managers_see_the_average_and_count_partners_only_their_own_latest_rating(
    manager, partner, colleague, outsider, distributor, other_distributor
):
    material = factories.MaterialFactory()
    factories.MaterialFeedbackFactory(
        material=material, by=partner, distributor=distributor, rating=2, stage="any"
    )
    factories.MaterialFeedbackFactory(
        material=material, by=partner, distributor=distributor, rating=4, stage="dql"
    )
    factories.MaterialFeedbackFactory(
        material=material, by=outsider, distributor=other_distributor, rating=5
    )
    managed = selectors.material_list(viewer=manager).get()
    assert (managed.average_rating, managed.rating_count) == (pytest.approx(11 / 3), 3)
    assert selectors.material_list(viewer=partner).get().my_rating == 4
    assert selectors.material_list(viewer=colleague).get().my_rating is None
    assert not hasattr(selectors.material_list(viewer=partner).get(), "average_rating")


def test_ratings_per_item_and_stage_count_only_the_feedback_the_viewer_may_see(
    manager, partner, outsider, distributor, other_distributor
):
    material = factories.MaterialFactory()
    factories.MaterialFeedbackFactory(material=material, by=partner, distributor=distributor)
    factories.MaterialFeedbackFactory(
        material=material, by=outsider, distributor=other_distributor, rating=2, stage="dql"
    )
    assert [
        (row["stage"], row["count"]) for row in selectors.material_ratings(visible_to=manager)
    ] == [("any", 1), ("dql", 1)]
    assert [row["stage"] for row in selectors.material_ratings(visible_to=partner)] == ["any"]
    assert [row["stage"] for row in selectors.material_ratings(visible_to=outsider)] == ["dql"]


def test_the_matrix_has_one_cell_per_stage_in_order(manager, partner, distributor):
    material = factories.MaterialFactory()
    factories.MaterialFeedbackFactory(
        material=material, by=partner, distributor=distributor, rating=3, stage="accepted"
    )
    (row,) = selectors.material_rating_matrix(visible_to=manager, materials=[material])
    assert row["material"] == material
    assert [cell and (cell["average"], cell["count"]) for cell in row["cells"]] == [
        None,
        None,
        (3, 1),
        None,
        None,
    ]


def test_a_partner_reads_only_its_own_distributors_feedback(
    manager, partner, colleague, outsider, distributor, other_distributor
):
    material = factories.MaterialFactory()
    own = factories.MaterialFeedbackFactory(
        material=material, by=colleague, distributor=distributor
    )
    other = factories.MaterialFeedbackFactory(
        material=material, by=outsider, distributor=other_distributor
    )
    assert list(selectors.material_feedback_list(visible_to=partner, material=material)) == [own]
    assert set(selectors.material_feedback_list(visible_to=manager, material=material)) == {
        own,
        other,
    }


def test_the_feedback_on_a_lead_is_the_viewers_own_at_the_leads_stage(partner, distributor):
    material = factories.MaterialFactory()
    lead = factories.LeadFactory(status="dql", distributor=distributor)
    at_stage = services.material_rate(material=material, by=partner, rating=5, lead=lead)
    services.material_rate(material=material, by=partner, rating=1)
    assert selectors.material_feedback_on_lead(lead=lead, by=partner) == {material.pk: at_stage}
