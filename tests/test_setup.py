"""The settings and commands a newcomer and an operator rely on."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from grants.models import Call

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {"DATABASE_URL": "postgres://portal@db:5432/portal", "CELERY_BROKER_URL": "redis://redis:6379/0"}


def manage(*args: str, **env: str | None) -> subprocess.CompletedProcess:
    unset = ("DJANGO_SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "CELERY_BROKER_URL")
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.production", **SERVICES)
    environment.update(env)
    environment = {k: v for k, v in environment.items() if v is not None}  # None: leave the variable unset
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", ALLOWED_HOSTS="portal.example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage("check", DJANGO_SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_production_refuses_to_start_without_its_database_and_broker(service):
    result = manage("check", DJANGO_SECRET_KEY="x" * 60, ALLOWED_HOSTS="portal.example.org", **{service: None})
    assert result.returncode != 0
    assert service in result.stderr


def test_production_passes_the_deployment_checks():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="k" + "x1y2z3" * 10,
        ALLOWED_HOSTS="portal.example.org",
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_demo_accounts_refuse_to_exist_without_debug(seeded):
    with pytest.raises(CommandError):
        call_command("load_demo_accounts")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_demo_accounts_cover_every_role(seeded, capsys):
    call_command("load_demo_accounts", force=True)
    call_command("load_demo_accounts", force=True)  # idempotent
    printed = capsys.readouterr().out
    for email in ("coordinator@", "staff.resen@", "staff.bitola@", "ngo@", "donor@", "admin@"):
        assert email in printed
    roles = {m.role for user in User.objects.all() for m in user.memberships.all()}
    assert roles == {"coordinator", "municipal_staff", "ngo_coordinator", "donor"}
    assert User.objects.get(email="staff.resen@example.org").memberships.get().municipalities.get().name_en == "Resen"
    # The example call, loaded once, clearly marked, with a submitted and a draft proposal.
    call = Call.objects.get()
    assert call.title_en.startswith("Example") and call.accepts_proposals()
    assert sorted(p.status for p in call.proposals.all()) == ["draft", "submitted"]
    assert all(p.title.startswith("Example") for p in call.proposals.all())
