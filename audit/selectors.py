"""A project's history: every audited change to its records, shaped for the History page.

Entries are read with one indexed query (the project id is stored with each entry); related records
named in the changes (a session's municipality, a budget line's proposal…) are looked up in one query
per related model for the whole page, so the page's queries do not grow with its entries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import DecimalField, Field, ForeignKey, QuerySet
from django.utils.translation import gettext as _

from projects.models import Project

from .registry import Tracked, tracked_by_label


@dataclass(frozen=True)
class Change:
    """One field of a record, before and after (None where there was no value)."""

    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class HistoryEntry:
    timestamp: datetime.datetime
    actor: str | None  # None: the system (a background task, a command)
    action: str
    kind: str
    record: str
    link: str | None
    changes: list[Change]


def history_kinds() -> list[tuple[str, str]]:
    """The kinds of record a history can be filtered by: (``app_label.model``, its name), by name."""
    kinds = [
        (label, str(tracked.model_class._meta.verbose_name_plural)) for label, tracked in tracked_by_label().items()
    ]
    return sorted(kinds, key=lambda kind: kind[1].casefold())


def project_history(project: Project, *, kind: str | None = None) -> QuerySet[LogEntry]:
    """The audit entries of a project's records, newest first; ``kind`` narrows to one tracked model."""
    entries = LogEntry.objects.filter(additional_data__project_id=project.pk)
    if kind in tracked_by_label():
        app_label, model = kind.split(".")
        entries = entries.filter(content_type=ContentType.objects.get_by_natural_key(app_label, model))
    return entries.select_related("actor", "content_type").order_by("-timestamp", "-id")


def history_entries(project: Project, entries: list[LogEntry]) -> list[HistoryEntry]:
    """The entries as the page shows them: field names translated, choices by label, records by name."""
    tracked = tracked_by_label()
    related = _related_records(entries)
    actions = {
        LogEntry.Action.CREATE: _("created"),
        LogEntry.Action.UPDATE: _("changed"),
        LogEntry.Action.DELETE: _("deleted"),
    }
    shown = []
    for entry in entries:
        model = entry.content_type.model_class()
        label = f"{entry.content_type.app_label}.{entry.content_type.model}"
        shown.append(
            HistoryEntry(
                timestamp=entry.timestamp,
                actor=str(entry.actor) if entry.actor else entry.actor_email,
                action=actions.get(entry.action, ""),
                kind=str(model._meta.verbose_name) if model else label,
                record=entry.object_repr,
                link=_link(project, entry, tracked.get(label)),
                changes=[
                    Change(str(field.verbose_name), *(_shown(field, value, related) for value in values))
                    for field, values in _changed_fields(model, entry)
                ],
            )
        )
    return shown


def _field(model, name: str) -> Field | None:
    try:
        field = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None
    return field if field is not None and field.concrete else None


def _changed_fields(model, entry: LogEntry) -> list[tuple[Field, list]]:
    """The entry's changes by field; reverse relations and the automatic id say nothing to a reader."""
    changed = []
    for name, values in (entry.changes_dict or {}).items():
        field = _field(model, name)
        if field is not None and not field.auto_created:
            changed.append((field, values))
    return changed


def _stored(field: Field, value):
    """auditlog keeps values as text, "None" for none; back to the field's type."""
    if value in (None, "None"):
        return None
    try:
        return field.target_field.to_python(value) if isinstance(field, ForeignKey) else field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return value


def _related_records(entries: list[LogEntry]) -> dict[type, dict]:
    """Every record a foreign key of the entries' changes points at: one query per related model."""
    wanted: dict[type, set] = defaultdict(set)
    for entry in entries:
        for field, values in _changed_fields(entry.content_type.model_class(), entry):
            if isinstance(field, ForeignKey):
                stored = (_stored(field, value) for value in values)
                wanted[field.related_model].update(pk for pk in stored if pk is not None)
    return {model: model._base_manager.in_bulk(pks) for model, pks in wanted.items()}


def _shown(field: Field, value, related: dict[type, dict]) -> str | None:
    stored = _stored(field, value)
    if stored is None:
        return None
    if isinstance(field, ForeignKey):
        record = related.get(field.related_model, {}).get(stored)
        return str(record) if record is not None else _("deleted record")
    if field.flatchoices:
        return str(dict(field.flatchoices).get(stored, stored))
    if isinstance(stored, bool):
        return _("Yes") if stored else _("No")
    if isinstance(field, DecimalField) and isinstance(stored, Decimal):
        return f"{stored:.{field.decimal_places}f}"  # 650 typed, 650.00 stored and shown elsewhere
    return str(stored)


def _link(project: Project, entry: LogEntry, tracked: Tracked | None) -> str | None:
    """The page showing the entry's record, None when there is none (or the entry deleted it)."""
    page_id = (entry.additional_data or {}).get("page_id")
    if tracked is None or page_id is None:
        return None
    if entry.action == LogEntry.Action.DELETE and tracked.page_id == "pk":
        return None
    return tracked.page_url(project.code, page_id)
