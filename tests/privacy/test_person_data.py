"""One person's data: exported as JSON, or erased; named lists deleted after retention."""

import datetime
import json

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from axes.models import AccessLog
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from rest_framework.authtoken.models import Token

from accounts.models import User
from forums.models import Attachment, Attendance, Participant
from forums.tasks import named_lists_anonymise_task
from projects.models import Membership
from tests.forums.factories import AttendanceFactory, ForumSessionFactory
from tests.projects.factories import BudgetLineFactory, MunicipalityFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def listed(session, full_name: str) -> Participant:
    return Participant.objects.create(session=session, full_name=full_name, consent_given=True)


def test_a_name_cannot_be_stored_without_consent(cast):
    session = ForumSessionFactory(project=cast.project)
    with pytest.raises(IntegrityError):
        Participant.objects.create(session=session, full_name="Ana Petrova", consent_given=False)


@pytest.fixture
def ana(cast):
    """Ana took part in two sessions by name, and coordinates the project with an account."""
    bitola = MunicipalityFactory(name_en="Bitola")
    first = ForumSessionFactory(project=cast.project, municipality=bitola, date=datetime.date(2024, 6, 1))
    second = ForumSessionFactory(project=cast.project, date=datetime.date(2024, 7, 1))
    listed(first, "Ana Petrova")
    listed(second, "ana  petrova")  # typed differently at the second session
    listed(second, "Marko Ilievski")
    user = cast.coordinator
    user.full_name = "Ana Petrova"
    user.save()
    with set_actor(user):
        BudgetLineFactory(project=cast.project, description_en="Hall rent")
    LogEntry.objects.filter(actor=user).update(remote_addr="192.0.2.7", actor_email=user.email)
    Token.objects.create(user=user)
    AccessLog.objects.create(username=user.email.lower(), ip_address="192.0.2.7", user_agent="Firefox")
    return user


def test_export_writes_the_persons_rows_sessions_account_memberships_and_changes(ana, cast, tmp_path):
    output = tmp_path / "ana.json"

    call_command("person_data", "export", "--name", "Ana Petrova", "--email", ana.email.upper(), "--output", output)

    data = json.loads(output.read_text(encoding="utf-8"))
    rows = data["named_participant_rows"]
    assert [row["session"]["date"] for row in rows] == ["2024-06-01", "2024-07-01"]
    assert rows[0]["session"]["municipality"] == "Bitola"
    assert rows[0]["session"]["project"] == cast.project.code
    assert "Marko" not in output.read_text(encoding="utf-8")
    assert data["account"]["profile"]["email"] == ana.email
    assert [m["role"] for m in data["account"]["memberships"]] == ["coordinator"]
    assert [(s["ip_address"], s["user_agent"]) for s in data["account"]["sign_ins"]] == [("192.0.2.7", "Firefox")]
    (entry,) = data["account"]["audit_entries"]
    assert entry["record"] == "projects.budgetline"
    assert entry["action"] == "create"
    assert entry["remote_addr"] == "192.0.2.7"


def test_erase_with_dry_run_changes_nothing(ana, capsys):
    call_command("person_data", "erase", "--name", "Ana Petrova", "--email", ana.email, "--dry-run")

    assert "Would erase 2 named-participant rows" in capsys.readouterr().out
    assert Participant.objects.count() == 3
    assert User.objects.get(pk=ana.pk).full_name == "Ana Petrova"


def test_erase_asks_first_and_a_no_erases_nothing(ana, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "n")

    with pytest.raises(CommandError):
        call_command("person_data", "erase", "--name", "Ana Petrova", "--email", ana.email)

    assert Participant.objects.count() == 3


def test_erase_deletes_the_rows_and_anonymises_the_account_and_its_audit_entries(ana, cast):
    email = ana.email
    attendance_before = Attendance.objects.count()

    call_command("person_data", "erase", "--name", "Ana Petrova", "--email", email, "--yes")

    assert list(Participant.objects.values_list("full_name", flat=True)) == ["Marko Ilievski"]
    ana.refresh_from_db()
    assert (ana.full_name, ana.email, ana.is_active, ana.has_usable_password()) == (
        "",
        f"erased-{ana.pk}@erased.invalid",
        False,
        False,
    )
    assert not Membership.objects.filter(user=ana).exists()
    assert not Token.objects.filter(user=ana).exists()
    assert not AccessLog.objects.exists()  # the lockout's record of her sign-ins
    (entry,) = LogEntry.objects.filter(actor=ana)
    assert (entry.actor_email, entry.remote_addr) == (None, None)
    assert entry.object_repr == "Hall rent"  # what was changed stays
    assert not LogEntry.objects.filter(actor_email=email).exists()
    assert Attendance.objects.count() == attendance_before


def test_an_unknown_email_is_an_error_and_erases_nothing(ana):
    with pytest.raises(CommandError):
        call_command("person_data", "erase", "--name", "Ana Petrova", "--email", "nobody@example.org", "--yes")

    assert Participant.objects.count() == 3


# --- Retention ------------------------------------------------------------------------------------


@pytest.fixture
def ended_and_running(settings, db):
    """A project that ended 400 days ago, one that ended 100 days ago and one without an end date."""
    settings.NAMED_PARTICIPANTS_RETENTION_DAYS = 365
    today = datetime.date.today()
    projects = {}
    for label, end in (
        ("old", today - datetime.timedelta(days=400)),
        ("recent", today - datetime.timedelta(days=100)),
        ("open", None),
    ):
        project = ProjectFactory(start_date=datetime.date(2020, 1, 1), end_date=end)
        session = ForumSessionFactory(project=project, date=datetime.date(2020, 6, 1))
        AttendanceFactory(session=session, participants=25)
        listed(session, f"Person of {label}")
        sheet = Attachment(session=session, kind=Attachment.Kind.SIGN_IN_SHEET, content_type="application/pdf", size=4)
        sheet.file.save(f"sheet-{label}.pdf", ContentFile(b"%PDF"), save=False)
        sheet.save()
        projects[label] = project
    return projects


def test_retention_deletes_names_and_sheets_of_projects_ended_long_ago_and_keeps_counts(
    ended_and_running, django_capture_on_commit_callbacks
):
    old_sheet = Attachment.objects.get(session__project=ended_and_running["old"])
    storage, name = old_sheet.file.storage, old_sheet.file.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("anonymise_participants")

    assert sorted(Participant.objects.values_list("full_name", flat=True)) == ["Person of open", "Person of recent"]
    assert not Attachment.objects.filter(pk=old_sheet.pk).exists()
    assert not storage.exists(name)
    assert Attendance.objects.get(session__project=ended_and_running["old"]).participants == 25
    deleted = LogEntry.objects.get(object_pk=str(old_sheet.pk), action=LogEntry.Action.DELETE)
    assert deleted.actor is None and deleted.additional_data["project_id"] == ended_and_running["old"].pk


def test_retention_is_idempotent_and_the_task_does_the_same(ended_and_running):
    assert tuple(named_lists_anonymise_task.delay().get()) == (1, 1)
    assert tuple(named_lists_anonymise_task.delay().get()) == (0, 0)
    call_command("anonymise_participants")
    assert Participant.objects.count() == 2


def test_retention_dry_run_deletes_nothing(ended_and_running, capsys):
    call_command("anonymise_participants", "--dry-run")

    assert "Would delete 1 named participants and 1 sign-in sheets" in capsys.readouterr().out
    assert Participant.objects.count() == 3
