"""What the audit trail keeps: every model whose writes move attendance, grants or money.

Each entry names the path from a record to its project and to the page that shows it. The project id
is stored with every log entry (``additional_data``) so that a project's history is one indexed query,
and the page id so that the history can link to the record's page even after the record was deleted.
Named participants are not audited on purpose: the trail would keep a second copy of their names,
beyond the reach of erasure and retention (see docs/privacy.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from auditlog.registry import auditlog
from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model
from django.urls import reverse


@dataclass(frozen=True)
class Tracked:
    """An audited model: dotted paths from a record to its project id and to the id of its page."""

    model: str
    project: str
    page: str
    page_id: str
    exclude_fields: tuple[str, ...] = ()
    section: str = ""  # the section of the project's edit page that lists the record

    @property
    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)

    def page_url(self, project_code: str, page_id: int) -> str:
        """The page that shows the record: a project page, its section, a session of it, or a grants page."""
        if self.page == "projects:detail":
            return reverse(self.page, kwargs={"code": project_code})
        if self.section:
            return reverse(self.page, kwargs={"code": project_code, "section": self.section})
        if self.page == "forums:session":
            return reverse(self.page, kwargs={"code": project_code, "pk": page_id})
        return reverse(self.page, kwargs={"pk": page_id})

    def additional_data(self, record: Model) -> dict[str, int | None]:
        """The project and page ids of ``record``; None where a cascade already removed a parent."""
        return {"project_id": _resolve(record, self.project), "page_id": _resolve(record, self.page_id)}


def _resolve(record: Model, path: str) -> int | None:
    try:
        return attrgetter(path)(record)
    except ObjectDoesNotExist:
        return None


_SESSION = "forums:session"
_PROPOSAL = "grants:proposal"
_AWARD = "grants:award"

TRACKED: tuple[Tracked, ...] = (
    Tracked("projects.Project", "pk", "projects:detail", "pk", ("version", "updated_at")),
    Tracked("projects.FundingContribution", "project_id", "projects:section", "project_id", section="funding"),
    Tracked("projects.BudgetLine", "project_id", "projects:section", "project_id", section="budget"),
    Tracked(
        "projects.Expenditure",
        "budget_line.project_id",
        "projects:section",
        "budget_line.project_id",
        section="expenditures",
    ),
    Tracked("forums.ForumSession", "project_id", _SESSION, "pk", ("updated_at", "version", "feedback_token")),
    Tracked("forums.Attendance", "session.project_id", _SESSION, "session_id"),
    Tracked("forums.GroupCount", "attendance.session.project_id", _SESSION, "attendance_id"),
    Tracked("forums.ResidenceCount", "attendance.session.project_id", _SESSION, "attendance_id"),
    Tracked("forums.Attachment", "session.project_id", _SESSION, "session_id"),
    Tracked("grants.Call", "project_id", "grants:call", "pk", ("version",)),
    Tracked("grants.Proposal", "call.project_id", _PROPOSAL, "pk", ("version", "updated_at")),
    Tracked("grants.ProposalBudgetLine", "proposal.call.project_id", _PROPOSAL, "proposal_id"),
    Tracked("grants.EligibilityCheck", "proposal.call.project_id", _PROPOSAL, "proposal_id"),
    Tracked("grants.Review", "proposal.call.project_id", "grants:review", "pk"),
    Tracked("grants.ReviewScore", "review.proposal.call.project_id", "grants:review", "review_id"),
    Tracked("grants.ForumTally", "proposal.call.project_id", "grants:selection", "proposal.call_id"),
    Tracked("grants.Selection", "call.project_id", "grants:selection", "call_id"),
    Tracked("grants.Award", "proposal.call.project_id", _AWARD, "pk"),
    Tracked("grants.Tranche", "award.proposal.call.project_id", _AWARD, "award_id"),
    Tracked("grants.MonitoringReport", "award.proposal.call.project_id", _AWARD, "award_id"),
    Tracked("grants.ReportedSpending", "report.award.proposal.call.project_id", _AWARD, "report.award_id"),
)


def tracked_by_label() -> dict[str, Tracked]:
    """The tracked models keyed by ``app_label.modelname`` (lower case, as content types name them)."""
    return {tracked.model.lower(): tracked for tracked in TRACKED}


def register_all() -> None:
    """Register every tracked model with auditlog and teach it to name its project and page."""
    for tracked in TRACKED:
        model = tracked.model_class
        if hasattr(model, "get_additional_data"):
            raise TypeError(f"{tracked.model} already says what to store with its audit entries.")
        # auditlog stores whatever a model's get_additional_data returns with each entry.
        model.get_additional_data = lambda record, tracked=tracked: tracked.additional_data(record)
        auditlog.register(model, exclude_fields=list(tracked.exclude_fields))
