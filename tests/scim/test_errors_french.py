"""SCIM errors speak French to a French directory: the detail in the request's Accept-Language,
else in the token's language (its distributor's preferred one; for the staff's, its maker's),
while the scimType stays the RFC's keyword."""

import pytest

from identity.models import UserProfile

pytestmark = pytest.mark.django_db

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def error(client, secret, path="Users?filter=password%20eq%20%22x%22", **headers):
    answer = client.get(f"/scim/v2/{path}", HTTP_AUTHORIZATION=f"Bearer {secret}", **headers)
    assert answer["Content-Type"] == "application/scim+json"
    return answer.status_code, answer.json()


def test_a_french_accept_language_gets_the_detail_in_french_and_the_rfc_keyword(client, acme_token):
    status, body = error(client, acme_token[1], HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    assert status == 400
    assert body["scimType"] == "invalidFilter"
    assert body["detail"] == "L'attribut « password » ne peut pas servir de filtre."


def test_without_accept_language_the_distributors_language_decides(client, acme_token, distributor):
    distributor.language = "fr"
    distributor.save(update_fields=["language"])
    status, body = error(client, acme_token[1], path="Users/12345")
    assert status == 404
    assert body["detail"] == "Il n'y a pas d'utilisateur 12345."
    # The request's own language wins over the distributor's.
    _status, body = error(client, acme_token[1], path="Users/12345", HTTP_ACCEPT_LANGUAGE="en")
    assert body["detail"] == "There is no user 12345."


def test_the_staff_tokens_language_is_its_makers(client, staff_token, manufacturer_admin):
    UserProfile.objects.update_or_create(user=manufacturer_admin, defaults={"language": "fr"})
    status, body = error(client, staff_token[1], path="Groups/partner_admin")
    assert status == 404
    assert body["detail"] == "Il n'y a pas de groupe partner_admin."


def test_a_service_refusal_and_a_patch_error_are_french_too(client, acme_token, colleague):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {acme_token[1]}", "HTTP_ACCEPT_LANGUAGE": "fr"}
    answer = client.patch(
        f"/scim/v2/Users/{colleague.pk}",
        data={"schemas": [PATCH], "Operations": [{"op": "remove", "path": "userName"}]},
        content_type="application/scim+json",
        **headers,
    )
    body = answer.json()
    assert body["scimType"] == "mutability"
    assert (
        body["detail"] == "Operations[1] : « userName » est obligatoire et ne peut pas être retiré."
    )
    answer = client.post(
        "/scim/v2/Users",
        data={"userName": "not an address"},
        content_type="application/scim+json",
        **headers,
    )
    assert answer.json()["scimType"] == "invalidValue"
    assert answer.json()["detail"].startswith("« userName » ne peut contenir que")


def test_a_request_without_a_token_is_refused_in_its_language(client):
    answer = client.get("/scim/v2/Users", HTTP_ACCEPT_LANGUAGE="fr")
    assert answer.status_code == 401
    assert answer.json()["detail"].startswith("Un jeton de provisionnement valide est requis")
