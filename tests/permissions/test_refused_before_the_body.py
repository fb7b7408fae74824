"""Writes the matrix found answering a forbidden user by judging the body first: each now refuses (403)
before it reads the form or the JSON, so what a user may not do never depends on what they send."""

import pytest
from django.urls import reverse
from django.utils import translation

from forums.models import Attachment, Participant
from grants.models import ForumTally
from tests.forums.factories import ForumSessionFactory
from tests.grants.factories import CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def resen_session(cast):
    return ForumSessionFactory(project=cast.project, municipality=cast.project.target_municipalities.get())


@pytest.mark.parametrize("view", ["forums:attachment-add", "forums:participant-add"])
def test_a_donor_posting_an_empty_form_to_a_session_is_forbidden(client, cast, resen_session, view):
    client.force_login(cast.donor)
    with translation.override("en"):
        url = reverse(view, kwargs={"code": cast.project.code, "pk": resen_session.pk})
    response = client.post(url, {})
    assert response.status_code == 403
    assert not Attachment.objects.exists() and not Participant.objects.exists()


def test_the_staff_serving_the_session_still_hear_what_the_empty_form_lacks(client, cast, resen_session):
    client.force_login(cast.municipal_staff)
    with translation.override("en"):
        url = reverse("forums:attachment-add", kwargs={"code": cast.project.code, "pk": resen_session.pk})
        response = client.post(url, {}, follow=True)
    assert response.status_code == 200
    assert "Choose a file to upload." in response.content.decode()


@pytest.mark.parametrize("step", ["tally", "shortlist", "decide"])
def test_a_donor_sending_a_call_step_an_invalid_body_is_forbidden(client, cast, step):
    call = CallFactory(project=cast.project)
    client.force_login(cast.donor)
    response = client.post(f"/api/v1/calls/{call.pk}/{step}/", {"votes": []}, content_type="application/json")
    assert response.status_code == 403, response.content
    assert not ForumTally.objects.exists()


def test_the_coordinator_still_hears_what_the_tally_lacks(client, cast):
    call = CallFactory(project=cast.project)
    client.force_login(cast.coordinator)
    response = client.post(f"/api/v1/calls/{call.pk}/tally/", {"votes": []}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"session", "votes"}


def test_a_donor_patching_a_project_without_its_version_is_forbidden_not_told_to_send_it(client, cast):
    client.force_login(cast.donor)
    response = client.patch(f"/api/v1/projects/{cast.project.pk}/", {}, content_type="application/json")
    assert response.status_code == 403, response.content


def test_the_coordinator_patching_without_the_version_is_told_to_send_it(client, cast):
    client.force_login(cast.coordinator)
    response = client.patch(f"/api/v1/projects/{cast.project.pk}/", {}, content_type="application/json")
    assert response.status_code == 400
    assert "version" in response.json()
