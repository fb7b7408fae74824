"""Sign-in lockout: five failures for one address and client lock it out, the right password included,
on the sign-in page and the API token endpoint, until the cool-off has passed."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessLog
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token

from tests.projects.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
CLIENT_ADDRESS = "203.0.113.7"
WRONG = "not-the-password"


@pytest.fixture
def user(password):
    return UserFactory(email="clerk@example.org", password=password)


@pytest.fixture
def login_url():
    with translation.override("en"):
        return reverse("accounts:login")


def sign_in(client: Client, login_url: str, email: str, password: str, address: str = CLIENT_ADDRESS, **headers):
    return client.post(login_url, {"username": email, "password": password}, REMOTE_ADDR=address, **headers)


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, login_url, email, times, **kwargs):
    return [sign_in(client, login_url, email, WRONG, **kwargs).status_code for _ in range(times)]


def let_cool_off_pass(minutes: int = 16):
    """Move the recorded failures back in time, as if the clock had run on."""
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=minutes))


# --- The sign-in page ------------------------------------------------------------------------------


def test_fifth_failure_locks_out_even_the_right_password(client, login_url, user, password):
    assert fail(client, login_url, user.email, 4) == [200, 200, 200, 200]

    fifth = sign_in(client, login_url, user.email, WRONG)
    right = sign_in(client, login_url, user.email, password)

    assert fifth.status_code == 429
    assert right.status_code == 429
    assert not is_signed_in(client)
    assert right["Retry-After"] == str(15 * 60)
    with translation.override("en"):
        assert "Too many failed sign-in attempts. Please wait 15 minutes and try again." in right.content.decode()
    assert b'name="password"' in right.content  # the sign-in form is still there, to try again later


def test_lockout_ends_after_the_cool_off(client, login_url, user, password):
    fail(client, login_url, user.email, 5)
    let_cool_off_pass(minutes=14)
    assert sign_in(client, login_url, user.email, password).status_code == 429

    let_cool_off_pass(minutes=16)
    response = sign_in(client, login_url, user.email, password)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_cool_off_follows_the_setting(client, login_url, user, password, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
    fail(client, login_url, user.email, 5)
    let_cool_off_pass(minutes=16)

    response = sign_in(client, login_url, user.email, password)

    assert response.status_code == 429
    assert response["Retry-After"] == str(30 * 60)


def test_failure_limit_follows_the_setting(client, login_url, user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    assert fail(client, login_url, user.email, 3) == [200, 200, 429]


def test_successful_sign_in_resets_the_count(login_url, user, password):
    client = Client()
    fail(client, login_url, user.email, 4)
    assert sign_in(client, login_url, user.email, password).status_code == 302
    client.logout()

    assert fail(client, login_url, user.email, 4) == [200, 200, 200, 200]
    assert sign_in(client, login_url, user.email, password).status_code == 302


def test_case_of_the_address_does_not_reset_the_count(client, login_url, user, password):
    fail(client, login_url, "Clerk@Example.org", 3)
    fail(client, login_url, "CLERK@example.org", 2)

    assert sign_in(client, login_url, user.email, password).status_code == 429


def test_other_users_and_other_clients_are_unaffected(login_url, user, password):
    colleague = UserFactory(email="colleague@example.org", password=password)
    fail(Client(), login_url, user.email, 5)

    from_same_client = Client()
    assert sign_in(from_same_client, login_url, colleague.email, password).status_code == 302
    assert is_signed_in(from_same_client)
    from_elsewhere = Client()
    assert sign_in(from_elsewhere, login_url, user.email, password, address="198.51.100.20").status_code == 302
    assert is_signed_in(from_elsewhere)


def test_behind_a_proxy_the_proxy_header_names_the_client(login_url, user, password, settings):
    """Every request comes from the proxy's address; the header the proxy sets tells the clients apart."""
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_REAL_IP"
    fail(Client(), login_url, user.email, 5, address="10.0.0.1", HTTP_X_REAL_IP="203.0.113.50")

    attacker, clerk = Client(), Client()
    refused = sign_in(attacker, login_url, user.email, password, address="10.0.0.1", HTTP_X_REAL_IP="203.0.113.50")
    allowed = sign_in(clerk, login_url, user.email, password, address="10.0.0.1", HTTP_X_REAL_IP="203.0.113.51")

    assert (refused.status_code, allowed.status_code) == (429, 302)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.50"


def test_lockout_page_is_translated(client, user, password):
    with translation.override("mk"):
        login_url = reverse("accounts:login")
    fail(client, login_url, user.email, 5)

    response = sign_in(client, login_url, user.email, password)

    assert response.status_code == 429
    assert response.headers["Content-Language"] == "mk"
    with translation.override("mk"):
        assert translation.gettext("Sign in") in response.content.decode()


# --- The API token endpoint ------------------------------------------------------------------------


def ask_token(client: Client, email: str, password: str, address: str = CLIENT_ADDRESS):
    return client.post(
        TOKEN_URL,
        {"username": email, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_token_endpoint_locks_out_after_five_failures(client, user, password):
    statuses = [ask_token(client, user.email, WRONG).status_code for _ in range(5)]
    right = ask_token(client, user.email, password)

    assert statuses == [400, 400, 400, 400, 429]
    assert right.status_code == 429
    assert right["Content-Type"] == "application/json"
    assert right.json() == {"detail": "Too many failed sign-in attempts. Please wait 15 minutes and try again."}
    assert right["Retry-After"] == str(15 * 60)
    assert not Token.objects.filter(user=user).exists()


def test_token_endpoint_and_sign_in_page_share_the_count(client, login_url, user, password):
    fail(client, login_url, user.email, 3)
    assert [ask_token(client, user.email, WRONG).status_code for _ in range(2)] == [400, 429]

    assert sign_in(client, login_url, user.email, password).status_code == 429


def test_token_endpoint_answers_again_after_the_cool_off(client, user, password):
    for _ in range(5):
        ask_token(client, user.email, WRONG)
    let_cool_off_pass()

    response = ask_token(client, user.email, password)

    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=user).key


# --- What is kept about sign-ins --------------------------------------------------------------------


def test_sign_ins_leave_no_log_and_failures_go_with_their_cool_off(client, login_url, user, password):
    fail(client, login_url, "someone.else@example.org", 2)
    assert sign_in(client, login_url, user.email, password).status_code == 302
    assert AccessLog.objects.count() == 0
    assert AccessAttempt.objects.get().username == "someone.else@example.org"

    let_cool_off_pass()
    client.logout()
    sign_in(client, login_url, user.email, password)

    assert AccessAttempt.objects.count() == 0
