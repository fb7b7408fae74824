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
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from forums.uploads import StoredUpload
from projects.i18n import require_translation
from projects.models import Membership, Municipality, Organisation, Project, currency_field, money_field
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

    class TieRule(models.TextChoices):
        REVIEW_SCORE = "review_score", _("The higher average review score wins")
        SMALLER_REQUEST = "smaller_request", _("The smaller request wins")
        COORDINATOR = "coordinator", _("The coordinator decides, with a recorded reason")

    quorum = models.PositiveIntegerField(
        _("quorum"),
        default=0,
        help_text=_("The fewest participants a forum session must have for its vote to count."),
    )
    votes_per_participant = models.PositiveSmallIntegerField(
        _("votes per participant"), default=1, validators=[MinValueValidator(1)]
    )
    tie_rule = models.CharField(_("tie rule"), max_length=16, choices=TieRule.choices, default=TieRule.REVIEW_SCORE)
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
        coordinators), every submitted one of the projects they coordinate, serve or fund, those they
        were asked to review, and all for platform staff. Kept consistent with ``grants.view_proposal`` by tests."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self.all()
        # One indexed query per way of reading, joined by UNION: the same rows as an OR of the three, which
        # PostgreSQL could only answer by testing every proposal (make bench: 250 ms on 50,000, now under 1 ms).
        represented = Proposal.objects.filter(
            call__project__memberships__user=user,
            call__project__memberships__role=Membership.Role.NGO_COORDINATOR,
            call__project__memberships__organisation=F("organisation"),
        ).values("pk")
        read = Proposal.objects.filter(
            call__project__memberships__user=user,
            call__project__memberships__role__in=[
                Membership.Role.COORDINATOR,
                Membership.Role.DONOR,
                Membership.Role.MUNICIPAL_STAFF,
            ],
            submitted_at__isnull=False,
        ).values("pk")
        reviewed = Review.objects.filter(reviewer=user).values("proposal")
        # Without their default ordering: SQLite allows no ORDER BY inside a UNION.
        return self.filter(pk__in=represented.order_by().union(read.order_by(), reviewed.order_by()))


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


class ProposalAttachment(StoredUpload):
    """A document the applicant sends with a proposal (statute, letters of support, quotes): PDF, JPEG or PNG."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="grants/proposals/%Y/%m/")
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta(StoredUpload.Meta):
        verbose_name = _("proposal attachment")
        verbose_name_plural = _("proposal attachments")

    def __str__(self) -> str:
        return self.description or self.file.name


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


class Review(models.Model):
    """A reviewer's assessment of one proposal: first a conflict-of-interest declaration, then scores."""

    proposal = models.ForeignKey(Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="reviews"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    has_conflict = models.BooleanField(
        _("conflict of interest declared"), null=True, blank=True, help_text=_("Empty until the reviewer declares.")
    )
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["proposal", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "reviewer"], name="review_one_per_reviewer"),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | Q(has_conflict=False),
                name="review_scored_only_without_conflict",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} – {self.proposal}"


class ReviewScore(models.Model):
    """A reviewer's score of one rubric criterion, from 0 to 10."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(ScoringCriterion, verbose_name=_("criterion"), on_delete=models.PROTECT)
    score = models.PositiveSmallIntegerField(_("score (0–10)"), validators=[MaxValueValidator(10)])

    class Meta:
        verbose_name = _("review score")
        verbose_name_plural = _("review scores")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="reviewscore_unique"),
            models.CheckConstraint(condition=Q(score__lte=10), name="reviewscore_at_most_ten"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class ForumTally(models.Model):
    """The paper ballots counted for one shortlisted proposal at one forum session of the project."""

    proposal = models.ForeignKey(Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="tallies")
    session = models.ForeignKey(
        "forums.ForumSession", verbose_name=_("forum session"), on_delete=models.PROTECT, related_name="tallies"
    )
    votes = models.PositiveIntegerField(_("votes"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("forum tally")
        verbose_name_plural = _("forum tallies")
        constraints = [models.UniqueConstraint(fields=["proposal", "session"], name="forumtally_unique")]

    def __str__(self) -> str:
        return f"{self.proposal}: {self.votes}"


class Selection(models.Model):
    """How a call's winners were chosen, kept with the forum session where it happened."""

    call = models.OneToOneField(Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="selection")
    session = models.ForeignKey(
        "forums.ForumSession",
        verbose_name=_("forum session"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="selections",
    )
    minutes = models.TextField(_("minutes of the selection"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.SET_NULL, null=True
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("selection")
        verbose_name_plural = _("selections")

    def __str__(self) -> str:
        return f"{self.call} – {self.decided_at:%Y-%m-%d}"


class Award(models.Model):
    """The grant agreement of a selected proposal, in its call's currency."""

    proposal = models.OneToOneField(
        Proposal, verbose_name=_("proposal"), on_delete=models.PROTECT, related_name="award"
    )
    amount = money_field(_("awarded amount"))
    currency = currency_field()
    signed_on = models.DateField(_("signed on"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    final_report_due_on = models.DateField(_("final report due on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True
    )

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="award_amount_positive"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="award_ends_after_it_starts"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal}: {self.amount} {self.currency}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The grant cannot end before it starts.")})


class Tranche(models.Model):
    """A planned payment of an award and, once made, what was paid and when."""

    award = models.ForeignKey(Award, verbose_name=_("award"), on_delete=models.CASCADE, related_name="tranches")
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    planned_on = models.DateField(_("planned for"))
    amount = money_field(_("planned amount"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_amount = money_field(_("paid amount"), null=True, blank=True)

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["award", "number"]
        constraints = [
            models.UniqueConstraint(fields=["award", "number"], name="tranche_unique_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tranche_amount_positive"),
            models.CheckConstraint(
                condition=(Q(paid_on__isnull=True) & Q(paid_amount__isnull=True))
                | (Q(paid_on__isnull=False) & Q(paid_amount__gt=0) & Q(paid_amount__lte=F("amount"))),
                name="tranche_paid_within_its_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.award.proposal} #{self.number}"


class MonitoringReport(models.Model):
    """The grantee's report on progress and spending; the coordinator approves it or sends it back."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("monitoring report", "Submitted")
        APPROVED = "approved", pgettext_lazy("monitoring report", "Approved")
        RETURNED = "returned", pgettext_lazy("monitoring report", "Returned for changes")

    award = models.ForeignKey(Award, verbose_name=_("award"), on_delete=models.CASCADE, related_name="reports")
    is_final = models.BooleanField(_("final report"), default=False)
    progress = models.TextField(_("progress"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    coordinator_comment = models.TextField(_("coordinator's comment"), blank=True)

    class Meta:
        verbose_name = _("monitoring report")
        verbose_name_plural = _("monitoring reports")
        ordering = ["award", "submitted_at"]

    def __str__(self) -> str:
        return f"{self.award.proposal} – {self.submitted_at:%Y-%m-%d}"


class ReportedSpending(models.Model):
    """Money a monitoring report says was spent on one budget line of the proposal."""

    report = models.ForeignKey(
        MonitoringReport, verbose_name=_("monitoring report"), on_delete=models.CASCADE, related_name="spending"
    )
    budget_line = models.ForeignKey(ProposalBudgetLine, verbose_name=_("budget line"), on_delete=models.PROTECT)
    amount = money_field(_("spent"))

    class Meta:
        verbose_name = _("reported spending")
        verbose_name_plural = _("reported spending")
        constraints = [models.UniqueConstraint(fields=["report", "budget_line"], name="reportedspending_unique")]

    def __str__(self) -> str:
        return f"{self.budget_line}: {self.amount}"


class ReportPhoto(StoredUpload):
    """A photo (JPEG or PNG, checked by content) attached to a monitoring report."""

    report = models.ForeignKey(
        MonitoringReport, verbose_name=_("monitoring report"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("file"), upload_to="grants/reports/%Y/%m/")

    class Meta(StoredUpload.Meta):
        verbose_name = _("report photo")
        verbose_name_plural = _("report photos")

    def __str__(self) -> str:
        return self.file.name
