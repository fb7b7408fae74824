"""Small-grant calls and the proposals NGOs send to them, with their budgets and eligibility screening.

Money is Decimal with the call's ISO 4217 currency; a proposal's budget is in its call's currency,
so its totals never mix currencies. Workflow moves happen only through ``services``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from projects.i18n import require_translation
from projects.models import Municipality, Organisation, Project, currency_field, money_field
from projects.money import round_half_up

percent_validators = [MinValueValidator(0), MaxValueValidator(100)]


class Call(models.Model):
    """A call for small-grant proposals within a project."""

    class Phase(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("call phase", "Draft")
        OPEN = "open", pgettext_lazy("call phase", "Open")
        CLOSED = "closed", pgettext_lazy("call phase", "Closed")
        IN_REVIEW = "in_review", pgettext_lazy("call phase", "In review")
        IN_SELECTION = "in_selection", pgettext_lazy("call phase", "In selection")
        DECIDED = "decided", pgettext_lazy("call phase", "Decided")

    class SelectionMethod(models.TextChoices):
        FORUM_VOTE = "forum_vote", _("Vote at a forum session")
        COMMITTEE = "committee", _("Selection committee")
        BOTH = "both", _("Committee ranking, then a forum vote")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="calls")
    title = models.CharField(_("title"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    currency = currency_field()
    envelope = money_field(_("envelope"), help_text=_("All the money the call can award."))
    max_per_grant = money_field(_("maximum per grant"))
    min_cofinancing_percent = models.DecimalField(
        _("minimum co-financing, in percent of the total budget"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=percent_validators,
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Skopje", help_text=_("The time zone the deadline is stated in.")
    )
    selection_method = models.CharField(
        _("selection method"), max_length=12, choices=SelectionMethod.choices, default=SelectionMethod.FORUM_VOTE
    )
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices, default=Phase.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("call for proposals")
        verbose_name_plural = _("calls for proposals")
        ordering = ["-opens_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="call_closes_after_it_opens"),
            models.CheckConstraint(condition=Q(envelope__gte=0), name="call_envelope_non_negative"),
            models.CheckConstraint(
                condition=Q(max_per_grant__gt=0) & Q(max_per_grant__lte=F("envelope")),
                name="call_max_per_grant_within_envelope",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.title_en or f"{self.project.code} #{self.pk}"

    def clean(self) -> None:
        require_translation(self, "title")
        errors = {}
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("The call must close after it opens.")
        if self.max_per_grant is not None and self.envelope is not None and self.max_per_grant > self.envelope:
            errors["max_per_grant"] = _("The maximum per grant cannot exceed the envelope.")
        if errors:
            raise ValidationError(errors)

    def accepts_proposals(self, now=None) -> bool:
        """Open phase and within its opening hours, on the server's clock."""
        now = now or timezone.now()
        return self.phase == self.Phase.OPEN and self.opens_at <= now < self.closes_at


class EligibilityCriterion(models.Model):
    """One item of a call's eligibility checklist (e.g. "registered in a target municipality")."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="eligibility_criteria"
    )
    text = models.CharField(_("criterion"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("eligibility criterion")
        verbose_name_plural = _("eligibility criteria")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text or self.text_en

    def clean(self) -> None:
        require_translation(self, "text")


class ScoringCriterion(models.Model):
    """A criterion of the call's scoring rubric; a call's weights add up to 100 before it opens."""

    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="scoring_criteria")
    name = models.CharField(_("criterion"), max_length=200, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight (%)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("scoring criterion")
        verbose_name_plural = _("scoring criteria")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.name or self.name_en} ({self.weight} %)"

    def clean(self) -> None:
        require_translation(self, "name")


class ProposalQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProposalQuerySet:
        """Proposals the user may read: those of the organisation they represent in that project (NGO
        coordinators), every submitted one of the projects they coordinate, serve or fund, and all for
        platform staff. Kept consistent with ``grants.view_proposal`` by tests."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self.all()
        from projects.models import Membership

        represents = Membership.objects.filter(
            user=user,
            role=Membership.Role.NGO_COORDINATOR,
            project=OuterRef("call__project"),
            organisation=OuterRef("organisation"),
        )
        reads = Membership.objects.filter(
            user=user,
            role__in=[Membership.Role.COORDINATOR, Membership.Role.DONOR, Membership.Role.MUNICIPAL_STAFF],
        ).values("project")
        return self.filter(Exists(represents) | (Q(call__project__in=reads) & Q(submitted_at__isnull=False)))


class Proposal(models.Model):
    """An NGO's proposal to a call: what it will do, for whom, where, and with what money."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("proposal status", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("proposal status", "Submitted")
        ELIGIBLE = "eligible", pgettext_lazy("proposal status", "Eligible")
        INELIGIBLE = "ineligible", pgettext_lazy("proposal status", "Not eligible")
        IN_REVIEW = "in_review", pgettext_lazy("proposal status", "In review")
        SHORTLISTED = "shortlisted", pgettext_lazy("proposal status", "Shortlisted")
        SELECTED = "selected", pgettext_lazy("proposal status", "Selected")
        NOT_SELECTED = "not_selected", pgettext_lazy("proposal status", "Not selected")
        CONTRACTED = "contracted", pgettext_lazy("proposal status", "Contracted")
        IN_IMPLEMENTATION = "in_implementation", pgettext_lazy("proposal status", "In implementation")
        COMPLETED = "completed", pgettext_lazy("proposal status", "Completed")
        WITHDRAWN = "withdrawn", pgettext_lazy("proposal status", "Withdrawn")
        CANCELLED = "cancelled", pgettext_lazy("proposal status", "Cancelled")

    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="proposals")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("applicant organisation"), on_delete=models.PROTECT, related_name="proposals"
    )
    language = models.CharField(
        _("language of the proposal"),
        max_length=2,
        choices=settings.LANGUAGES,
        help_text=_("The language it is written in."),
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    problem = models.TextField(_("problem it addresses"), blank=True)
    activities = models.TextField(_("activities"), blank=True)
    beneficiaries = models.TextField(_("beneficiaries"), blank=True)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, null=True, blank=True
    )
    duration_months = models.PositiveSmallIntegerField(
        _("duration in months"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    requested_amount = money_field(_("requested amount"), default=Decimal(0))
    cofinancing_cash = money_field(_("co-financing in cash"), default=Decimal(0))
    cofinancing_in_kind = money_field(_("co-financing in kind"), default=Decimal(0))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["call", "-submitted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gte=0) & Q(cofinancing_cash__gte=0) & Q(cofinancing_in_kind__gte=0),
                name="proposal_amounts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "withdrawn"]) | Q(submitted_at__isnull=False),
                name="proposal_submitted_has_a_date",
            ),
        ]
        indexes = [models.Index(fields=["call", "status"], name="proposal_call_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def cofinancing(self) -> Decimal:
        return self.cofinancing_cash + self.cofinancing_in_kind

    @property
    def total_budget(self) -> Decimal:
        return self.requested_amount + self.cofinancing


class ProposalBudgetLine(models.Model):
    """A line of a proposal's budget: quantity × unit cost, financed by the grant or by co-financing."""

    class Category(models.TextChoices):
        PERSONNEL = "personnel", _("Personnel")
        TRAVEL = "travel", _("Travel")
        EQUIPMENT = "equipment", _("Equipment")
        SERVICES = "services", _("Services")
        OTHER = "other", _("Other")

    class FinancedBy(models.TextChoices):
        GRANT = "grant", _("The grant")
        COFINANCING = "cofinancing", _("Co-financing")

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="budget_lines"
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    description = models.CharField(_("description"), max_length=300)
    unit = models.CharField(_("unit"), max_length=40, help_text=_("e.g. day, piece, month"))
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    unit_cost = money_field(_("unit cost"))
    financed_by = models.CharField(_("financed by"), max_length=12, choices=FinancedBy.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("proposal budget line")
        verbose_name_plural = _("proposal budget lines")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0) & Q(unit_cost__gte=0), name="proposalbudgetline_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def total(self) -> Decimal:
        return round_half_up(self.quantity * self.unit_cost)


class EligibilityCheck(models.Model):
    """The screener's answer to one checklist item for one proposal, with the reason."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="eligibility_checks"
    )
    criterion = models.ForeignKey(EligibilityCriterion, verbose_name=_("criterion"), on_delete=models.PROTECT)
    is_met = models.BooleanField(_("met"))
    reason = models.TextField(_("reason"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), on_delete=models.SET_NULL, null=True
    )
    checked_at = models.DateTimeField(_("checked at"), auto_now=True)

    class Meta:
        verbose_name = _("eligibility check")
        verbose_name_plural = _("eligibility checks")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "criterion"], name="eligibilitycheck_unique"),
            models.CheckConstraint(condition=Q(is_met=True) | ~Q(reason=""), name="eligibilitycheck_unmet_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal}: {self.criterion} – {self.is_met}"
