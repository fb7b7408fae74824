"""Loading the five seed projects (``projects/seed_data/*.json``) into the registry.

The JSON files hold every fact their source documents state and nothing more; this module maps
them onto the models. Loading is idempotent: a project whose code exists is left alone unless
``update`` is asked for, so edits made in the portal survive ``make run``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from babel import Locale
from django.apps import apps
from django.conf import settings
from django.db import transaction

from .i18n import LANGUAGE_CODES
from .models import (
    Activity,
    Country,
    FundingContribution,
    Municipality,
    Objective,
    Organisation,
    Partner,
    Project,
    Result,
    TargetGroup,
)

SEED_DIR = Path(__file__).resolve().parent / "seed_data"


def seed_files() -> list[Path]:
    return sorted(SEED_DIR.glob("p*.json"))


def seed_codes() -> list[str]:
    return [json.loads(path.read_text(encoding="utf-8"))["code"] for path in seed_files()]


def translated(field: str, texts: dict[str, str] | None) -> dict[str, str]:
    """``{"en": "x"}`` → ``{"title_en": "x", "title_mk": "", …}`` for a model's translated columns."""
    texts = texts or {}
    return {f"{field}_{code}": texts.get(code, "") for code in LANGUAGE_CODES}


def country_for(code: str | None) -> Country | None:
    """The country by ISO code, named in every language from CLDR (via Babel)."""
    if not code:
        return None
    names = {language: Locale.parse(language).territories[code] for language in LANGUAGE_CODES}
    country, _created = Country.objects.update_or_create(code=code, defaults=translated("name", names))
    return country


def municipality_for(data: dict) -> Municipality:
    country = country_for(data["country"])
    municipality, _created = Municipality.objects.update_or_create(
        country=country, name_en=data["name"]["en"], defaults=translated("name", data["name"])
    )
    return municipality


def organisation_for(data: dict) -> Organisation:
    """Organisations are shared between projects: the same English name and country is the same body."""
    country = country_for(data["country"])
    organisation, _created = Organisation.objects.update_or_create(
        name_en=data["name"]["en"],
        country=country,
        defaults={
            **translated("name", data["name"]),
            "acronym": data["acronym"],
            "kind": data["kind"],
            "iati_identifier": data.get("iati_identifier", ""),
            "municipality": municipality_for(data["municipality"]) if data["municipality"] else None,
        },
    )
    return organisation


@dataclass(frozen=True)
class SeedResult:
    project: Project
    created: bool


@transaction.atomic
def seed_project_load(data: dict, *, update: bool = False) -> SeedResult:
    """Create the project described by ``data``; with ``update``, rewrite an existing one from it."""
    existing = Project.objects.filter(code=data["code"]).first()
    if existing is not None and not update:
        return SeedResult(project=existing, created=False)

    budget = data["total_budget"] or {}
    project, created = Project.objects.update_or_create(
        code=data["code"],
        defaults={
            **translated("title", data["title"]),
            **translated("summary", data["summary"]),
            **translated("general_goal", data["general_goal"]),
            **translated("area", data["area"]),
            **translated("programme", data["programme"]),
            **translated("funding_instrument", data["funding_instrument"]),
            **translated("source", {"en": data["source"]}),
            "original_language": data["original_language"],
            "status": data["status"],
            "is_public": data["is_public"],
            "start_date": data["start_date"],
            "start_precision": data["start_precision"],
            "end_date": data["end_date"],
            "end_precision": data["end_precision"],
            "duration_months": data["duration_months"],
            "target_municipality_count": data["target_municipality_count"],
            "total_budget_amount": Decimal(budget["amount"]) if budget else None,
            "total_budget_currency": budget.get("currency", ""),
            "total_budget_basis": budget.get("basis", ""),
            "website": data["website"],
        },
    )
    project.full_clean()
    project.countries.set([country_for(code) for code in data["countries"]])
    project.target_municipalities.set([municipality_for(m) for m in data["target_municipalities"]])

    for model in (TargetGroup, Objective, Result, Activity, Partner, FundingContribution):
        model.objects.filter(project=project).delete()
    texts = [
        *(TargetGroup(**translated("text", t)) for t in data["target_groups"]),
        *(Objective(level=o["level"], **translated("text", o["text"])) for o in data["objectives"]),
        *(Result(kind=Result.Kind.EXPECTED, **translated("text", t)) for t in data["expected_results"]),
        *(Result(kind=Result.Kind.ACHIEVED, **translated("text", t)) for t in data["achieved_results"]),
        *(Activity(**translated("text", t)) for t in data["activities"]),
    ]
    organisations = {o["key"]: organisation_for(o) for o in data["organisations"]}
    partners = [Partner(organisation=organisations[p["organisation"]], role=p["role"]) for p in data["partners"]]
    contributions = [
        FundingContribution(
            funder=organisations[c["funder"]] if c["funder"] else None,
            kind=c["kind"],
            amount=Decimal(c["amount"]) if c["amount"] is not None else None,
            currency=c["currency"],
        )
        for c in data["contributions"]
    ]
    for order, row in enumerate([*texts, *partners, *contributions]):
        row.project = project
        row.order = order
        row.full_clean()
        row.save()
    return SeedResult(project=project, created=created)


def seed_projects_load(*, update: bool = False) -> list[SeedResult]:
    """Load every seed file, in order."""
    return [seed_project_load(json.loads(path.read_text(encoding="utf-8")), update=update) for path in seed_files()]


def later_app_modules(module: str):
    """The ``<app>.<module>`` modules of the portal's own apps after ``projects``, in INSTALLED_APPS order.

    Apps to the right of ``projects`` may depend on it, not the reverse: this is how ``projects``
    asks them for their part of the seed and demo data without importing them.
    """
    own = str(settings.BASE_DIR)
    for app in apps.get_app_configs():
        is_own = app.path.startswith(own) and ".venv" not in app.path
        if is_own and app.name != "projects" and importlib.util.find_spec(f"{app.name}.{module}") is not None:
            yield importlib.import_module(f"{app.name}.{module}")


def seed_apps_load(*, update: bool = False) -> list[str]:
    """Let every later app load its part of the seed projects (sessions, grants, …)."""
    return [line for module in later_app_modules("seed") for line in module.seed_load(update=update)]
