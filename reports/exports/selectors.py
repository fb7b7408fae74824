"""Reads of the exports: which datasets a user may export with their sizes, and export requests."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from projects.models import Project

from ..models import ExportRequest
from .datasets import DATASETS, Dataset


def export_is_inline(*, rows: int) -> bool:
    """Whether an export this large is written while the browser waits rather than by a worker."""
    return rows <= settings.EXPORT_INLINE_MAX_ROWS


@dataclass(frozen=True)
class DatasetRow:
    """A dataset the user may export from the project, with the rows its file would have."""

    dataset: Dataset
    rows: int

    @property
    def is_inline(self) -> bool:
        return export_is_inline(rows=self.rows)


def project_datasets(user, project: Project) -> list[DatasetRow]:
    """The datasets of the project the user may export, each counted (one query per dataset)."""
    return [
        DatasetRow(dataset, dataset.count(project, user))
        for dataset in DATASETS.values()
        if dataset.is_available_to(user, project)
    ]


def project_exports(user, project: Project) -> QuerySet[ExportRequest]:
    """The user's export requests of the project (all of them for staff), newest first."""
    return ExportRequest.objects.visible_to(user).filter(project=project).select_related("project")


def exports_for_list(user) -> QuerySet[ExportRequest]:
    """The export requests the user may follow (the API's list)."""
    return ExportRequest.objects.visible_to(user).select_related("project")


def export_for_user(user, pk: int) -> ExportRequest:
    """An export request the user may download; 404 otherwise, never revealing that it exists."""
    export = ExportRequest.objects.select_related("project").filter(pk=pk).first()
    if not user.has_perm("reports.download_export", export):
        raise Http404
    return export
