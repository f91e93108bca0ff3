"""Two-factor authentication: set-up, the code step after the password, switching it off,
throttled wrong codes, TWO_FACTOR_REQUIRED_FOR_ADMINS, the Django admin, the API and its token."""

import base64
import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.access import MANUFACTURER_ADMINS
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SETUP = reverse("identity:two-factor")
OFF = reverse("identity:two-factor-off")
VERIFY = reverse("identity:two-factor-verify")
START = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock(time_machine):
    """One clock for the codes the test computes and for the portal that checks them."""
    time_machine.move_to(START, tick=False)
    return time_machine


def code_for(device):
    """The code an authenticator app holding the device's key shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code(device):
    return f"{(int(code_for(device)) + 1) % 1_000_000:06d}"


def with_app(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def manufacturer_admin(username="company-admin", **fields):
    user = factories.UserFactory(username=username, **fields)
    user.groups.add(Group.objects.get_or_create(name=MANUFACTURER_ADMINS)[0])
    return user


def log_in(client, user):
    """The password step, as a browser does it."""
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return response


def session_key(client):
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


# --- set-up ----------------------------------------------------------------------------------


def test_setup_page_shows_a_qr_code_and_the_key_to_type_in(login, manager):
    response = login(manager).get(SETUP)

    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=manager)
    assert not device.confirmed
    page = response.content.decode()
    assert '<div class="my-2" id="two-factor-qr"' in page and "<svg" in page
    assert "<?xml" not in page
    key = re.search(r'id="two-factor-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert bytes.fromhex(device.key) == base64.b32decode(key + "=" * (-len(key) % 8))
    assert "otpauth://totp/DRM%20portal%3Amanager-test?secret=" in page


def test_reloading_the_setup_page_keeps_the_key_the_user_may_have_scanned(login, manager):
    client = login(manager)
    client.get(SETUP)
    first = TOTPDevice.objects.get(user=manager).key

    client.get(SETUP)

    assert list(TOTPDevice.objects.filter(user=manager).values_list("key", flat=True)) == [first]


def test_a_right_code_switches_two_factor_on_and_verifies_the_session(login, manager, clock):
    client = login(manager)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=manager)
    before = session_key(client)

    response = client.post(SETUP, {"code": code_for(device)}, follow=True)

    device.refresh_from_db()
    assert device.confirmed
    assert b"Two-factor authentication is on." in response.content
    assert b'id="two-factor-on"' in response.content
    # The session proved the second factor: it goes on without the code step, under a new key.
    assert client.get(reverse("scoring:dashboard")).status_code == 200
    assert session_key(client) != before


def test_a_wrong_code_does_not_switch_it_on(login, manager, clock):
    client = login(manager)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=manager)

    response = client.post(SETUP, {"code": wrong_code(device)})

    assert response.status_code == 400
    assert b"That code is not right." in response.content
    device.refresh_from_db()
    assert not device.confirmed


def test_a_partner_may_switch_it_on_too(login, partner, clock):
    client = login(partner)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=partner)

    client.post(SETUP, {"code": code_for(device)})

    assert TOTPDevice.objects.get(user=partner).confirmed


def test_the_setup_page_needs_a_log_in(client):
    response = client.get(SETUP)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- the code step at log-in -----------------------------------------------------------------


def test_with_an_app_the_password_alone_leads_to_the_code_step(client, manager, clock):
    with_app(manager)
    log_in(client, manager)

    response = client.get(reverse("scoring:dashboard"))

    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Fdashboard%2F"
    # Nothing else opens either: other pages, the password change, the settings.
    for name in ("distributors:list", "password_change", "identity:profile"):
        assert client.get(reverse(name))["Location"].startswith(VERIFY), name


def test_a_right_code_finishes_the_log_in_under_a_new_session_key(client, manager, clock):
    device = with_app(manager)
    log_in(client, manager)
    before = session_key(client)

    response = client.post(VERIFY, {"code": code_for(device), "next": "/dashboard/"})

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert session_key(client) != before
    assert client.get(reverse("scoring:dashboard")).status_code == 200


def test_a_wrong_code_says_so_and_opens_nothing(client, manager, clock):
    device = with_app(manager)
    log_in(client, manager)

    response = client.post(VERIFY, {"code": wrong_code(device)})

    assert response.status_code == 400
    assert b"That code is not right." in response.content
    assert client.get(reverse("scoring:dashboard"))["Location"].startswith(VERIFY)


def test_the_code_step_goes_nowhere_outside_the_portal(client, manager, clock):
    device = with_app(manager)
    log_in(client, manager)

    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})

    assert response["Location"] == reverse("home")


def test_a_code_is_good_once(client, manager, clock):
    device = with_app(manager)
    code = code_for(device)
    log_in(client, manager)
    client.post(VERIFY, {"code": code})
    client.post(reverse("logout"))

    log_in(client, manager)
    response = client.post(VERIFY, {"code": code})

    assert response.status_code == 400
    clock.shift(datetime.timedelta(seconds=30))
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302


def test_wrong_codes_make_the_next_try_wait_longer_and_longer(client, manager, clock):
    device = with_app(manager)
    log_in(client, manager)
    client.post(VERIFY, {"code": wrong_code(device)})
    client.post(VERIFY, {"code": wrong_code(device)})  # too soon: refused, not even checked

    # Right, but within the second after the first failure: refused without being checked.
    response = client.post(VERIFY, {"code": code_for(device)})

    assert response.status_code == 400
    assert b"Too many wrong codes. Wait 1 second, then try again." in response.content
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    clock.shift(datetime.timedelta(seconds=1))
    client.post(VERIFY, {"code": wrong_code(device)})
    clock.shift(datetime.timedelta(seconds=1))
    response = client.post(VERIFY, {"code": code_for(device)})
    assert b"Wait 1 second," in response.content  # the second failure asks for 2 seconds
    clock.shift(datetime.timedelta(seconds=1))
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_the_throttle_follows_the_user_not_the_session(client, manager, clock):
    """A fresh log-in (a new session) does not reset the count of wrong codes."""
    device = with_app(manager)
    log_in(client, manager)
    for _ in range(4):  # the fourth failure asks for 8 seconds
        client.post(VERIFY, {"code": wrong_code(device)})
        clock.shift(datetime.timedelta(seconds=4))
    client.post(reverse("logout"))
    log_in(client, manager)

    response = client.post(VERIFY, {"code": code_for(device)})

    assert b"Too many wrong codes." in response.content


def test_a_verified_session_skips_the_code_step(client, manager, clock):
    device = with_app(manager)
    log_in(client, manager)
    client.post(VERIFY, {"code": code_for(device)})

    response = client.get(VERIFY + "?next=/dashboard/")

    assert response["Location"] == "/dashboard/"


def test_without_an_app_the_log_in_is_as_before(client, manager):
    log_in(client, manager)

    assert client.get(reverse("scoring:dashboard")).status_code == 200
    assert client.get(VERIFY)["Location"] == reverse("home")


def test_wrong_passwords_still_lock_out_a_user_with_an_app(client, manager, settings):
    with_app(manager)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": manager.username, "password": "wrong"})

    response = client.post(reverse("login"), {"username": manager.username, "password": PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


# --- the API -------------------------------------------------------------------------------


def test_a_session_that_owes_its_code_is_refused_by_the_api(client, manager, clock):
    device = with_app(manager)
    log_in(client, manager)

    response = client.get(reverse("api:distributor-list"))

    assert response.status_code == 403
    assert response.json()["error"]["message"].startswith("Finish logging in first")
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get(reverse("api:distributor-list")).status_code == 200


def test_tokens_are_not_asked_for_a_code(token_client, manager, settings):
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = True
    with_app(manager)
    admin = manufacturer_admin()

    assert token_client(manager).get(reverse("api:distributor-list")).status_code == 200
    assert token_client(admin).get(reverse("api:distributor-list")).status_code == 200


def test_the_token_endpoint_asks_a_user_with_an_app_for_its_code(api_client, manager, clock):
    device = with_app(manager)
    credentials = {"username": manager.username, "password": PASSWORD}

    without = api_client.post(reverse("api:token"), credentials, format="json")
    wrong = api_client.post(
        reverse("api:token"), {**credentials, "code": wrong_code(device)}, format="json"
    )
    clock.shift(datetime.timedelta(seconds=2))
    right = api_client.post(
        reverse("api:token"), {**credentials, "code": code_for(device)}, format="json"
    )

    assert without.status_code == 400
    assert without.json()["error"]["fields"] == {
        "code": ["This account uses two-factor authentication: send its current code too."]
    }
    assert wrong.status_code == 400
    assert right.status_code == 200
    assert right.json()["token"]


def test_the_token_endpoint_wants_an_app_of_an_admin_who_must_have_one(api_client, settings):
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = True
    admin = manufacturer_admin()

    response = api_client.post(
        reverse("api:token"), {"username": admin.username, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert "Set up two-factor authentication" in response.json()["error"]["message"]


# --- switching it off ----------------------------------------------------------------------


def verified(client, user, device):
    log_in(client, user)
    client.post(VERIFY, {"code": code_for(device)})
    return client


def test_switching_off_needs_a_current_code(client, manager, clock):
    device = with_app(manager)
    verified(client, manager, device)
    clock.shift(datetime.timedelta(seconds=30))

    refused = client.post(OFF, {"code": wrong_code(device)})
    clock.shift(datetime.timedelta(seconds=2))
    done = client.post(OFF, {"code": code_for(device)}, follow=True)

    assert refused.status_code == 400
    assert b"That code is not right." in refused.content
    assert b"Two-factor authentication is off." in done.content
    assert not TOTPDevice.objects.filter(user=manager, confirmed=True).exists()
    client.post(reverse("logout"))
    log_in(client, manager)
    assert client.get(reverse("scoring:dashboard")).status_code == 200


def test_switching_off_is_a_post(login, manager):
    assert login(manager).get(OFF).status_code == 405


# --- TWO_FACTOR_REQUIRED_FOR_ADMINS ----------------------------------------------------------


def test_a_required_admin_without_an_app_sets_one_up_before_anything_else(client, settings, clock):
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = True
    admin = manufacturer_admin()
    log_in(client, admin)

    response = client.get(reverse("distributors:list"))

    assert response["Location"] == f"{SETUP}?next=%2Fdistributors%2F"
    assert client.get(reverse("scoring:dashboard"))["Location"].startswith(SETUP)
    assert client.get(VERIFY)["Location"].startswith(SETUP)
    page = client.get(SETUP)
    assert b'id="two-factor-required"' in page.content
    device = TOTPDevice.objects.get(user=admin)
    done = client.post(SETUP, {"code": code_for(device), "next": "/distributors/"})
    assert done["Location"] == "/distributors/"
    assert client.get(reverse("distributors:list")).status_code == 200


def test_a_required_admin_with_an_app_enters_its_code_after_the_password(client, settings, clock):
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = True
    admin = manufacturer_admin()
    device = with_app(admin)
    log_in(client, admin)

    assert client.get(reverse("distributors:list"))["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get(reverse("distributors:list")).status_code == 200


def test_a_required_admin_cannot_switch_it_off(client, settings, clock):
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = True
    admin = manufacturer_admin()
    device = with_app(admin)
    verified(client, admin, device)
    clock.shift(datetime.timedelta(seconds=30))

    response = client.post(OFF, {"code": code_for(device)})

    assert response.status_code == 400
    assert b"required for your role" in response.content
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()


def test_the_setting_leaves_managers_and_partners_free(client, settings, manager, partner):
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = True

    log_in(client, manager)
    assert client.get(reverse("scoring:dashboard")).status_code == 200
    client.post(reverse("logout"))
    log_in(client, partner)
    assert client.get(reverse("distributors:mine")).status_code == 200


def test_with_the_setting_off_an_admin_needs_no_app(client):
    admin = manufacturer_admin()
    log_in(client, admin)

    assert client.get(reverse("distributors:list")).status_code == 200


# --- the Django admin ----------------------------------------------------------------------


def test_the_django_admin_asks_for_a_verified_log_in_when_required(client, settings, clock):
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = True
    staff_manager = factories.ManagerFactory(username="staff-manager", is_staff=True)
    log_in(client, staff_manager)
    # The portal itself does not ask a manager...
    assert client.get(reverse("scoring:dashboard")).status_code == 200

    # ...the admin does: first an app, then the code of each log-in.
    assert client.get(reverse("admin:index"))["Location"] == f"{SETUP}?next=%2Fadmin%2F"
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=staff_manager)
    client.post(SETUP, {"code": code_for(device)})
    assert client.get(reverse("admin:index")).status_code == 200
    client.post(reverse("logout"))
    log_in(client, staff_manager)
    assert client.get(reverse("admin:index"))["Location"].startswith(VERIFY)
    clock.shift(datetime.timedelta(seconds=30))
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_admin_site_refuses_an_unverified_user_whatever_the_route(rf, settings):
    """has_permission itself says no, should a route ever escape the middleware."""
    from django.contrib import admin as django_admin

    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = True
    superuser = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    request = rf.get("/admin/")
    request.user = superuser
    superuser.is_verified = lambda: False
    assert not django_admin.site.has_permission(request)
    superuser.is_verified = lambda: True
    assert django_admin.site.has_permission(request)


def test_with_the_setting_off_the_django_admin_needs_no_code(client):
    staff_manager = factories.ManagerFactory(username="staff-manager", is_staff=True)
    log_in(client, staff_manager)

    assert client.get(reverse("admin:index")).status_code == 200


def test_an_admin_can_remove_a_lost_app_in_the_django_admin(login, admin_user, manager):
    device = with_app(manager)

    response = login(admin_user).post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
