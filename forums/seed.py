"""The seed projects' sessions and published participation totals (``forums/seed_data/*.json``).

Only what the documents state: the sessions they list, their kinds and places where given, and
participation as the totals they publish, never spread over sessions.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from projects.models import Municipality, Project
from projects.seed import translated

from .models import ForumSession, ReportedParticipation
from .services import place_in_forum

SEED_DIR = Path(__file__).resolve().parent / "seed_data"


def _municipality(project: Project, name_en: str | None) -> Municipality | None:
    return project.target_municipalities.get(name_en=name_en) if name_en else None


@transaction.atomic
def _load(data: dict, *, update: bool) -> str:
    project = Project.objects.get(code=data["project"])
    if project.sessions.exists() or project.reported_participation.exists():
        if not update:
            return f"{project.code}: sessions already present"
        project.sessions.all().delete()
        project.reported_participation.all().delete()
        project.forums.all().delete()
    for row in data["sessions"]:
        session = ForumSession(
            project=project,
            kind=row["kind"],
            municipality=_municipality(project, row["municipality"]),
            sequence=row["sequence"],
            status=row["status"],
            language=project.original_language,
            **translated("title", row["title"]),
        )
        place_in_forum(session)
        session.full_clean()
        session.save()
    for row in data["reported"]:
        block = ReportedParticipation(
            project=project,
            category=row["category"],
            municipality=_municipality(project, row["municipality"]),
            sessions_covered=row["sessions_covered"],
            participants=row["participants"],
            qualifier=row["qualifier"],
            **translated("source", row["source"]),
        )
        block.full_clean()
        block.save()
    return f"{project.code}: {len(data['sessions'])} sessions, {len(data['reported'])} reported totals"


def seed_load(*, update: bool = False) -> list[str]:
    """Load the sessions of every seed project that has a file here."""
    return [
        _load(json.loads(path.read_text(encoding="utf-8")), update=update) for path in sorted(SEED_DIR.glob("*.json"))
    ]
