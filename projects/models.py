"""The project registry: places, organisations, projects, their partners, funding and budgets.

Content written in one language and read in four (titles, summaries, goals, names) is translated
per field by django-modeltranslation (see ``translation.py``); codes, amounts and dates are not.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .i18n import require_translation
from .money import validate_currency_code

LANGUAGE_CHOICES = settings.LANGUAGES

positive_amount = [MinValueValidator(0)]


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    """Money is Decimal with 14 digits and 2 places; a currency code lives in a sibling field."""
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, validators=positive_amount, **kwargs)


def currency_field(verbose_name=None, **kwargs) -> models.CharField:
    return models.CharField(verbose_name or _("currency"), max_length=3, validators=[validate_currency_code], **kwargs)


class Country(models.Model):
    """A country by its ISO 3166-1 alpha-2 code."""

    code = models.CharField(
        _("code"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use the two-letter ISO 3166 code, e.g. MK."))],
    )
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name or self.code

    def clean(self) -> None:
        require_translation(self, "name")


class Municipality(models.Model):
    """A unit of local self-government (општина, община, bashki)."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="municipalities"
    )
    name = models.CharField(_("name"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["country__code", "name_en"]

    def __str__(self) -> str:
        return self.name or self.name_en

    def clean(self) -> None:
        require_translation(self, "name")


class Organisation(models.Model):
    """Any body that takes part in a project: municipality, NGO, foundation, donor, programme."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        NGO = "ngo", _("NGO / association")
        FOUNDATION = "foundation", _("Foundation")
        DONOR_AGENCY = "donor_agency", _("Donor agency")
        EU_PROGRAMME = "eu_programme", _("EU programme")
        NATIONAL_AUTHORITY = "national_authority", _("National authority")
        INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")

    name = models.CharField(_("name"), max_length=300, blank=True)
    acronym = models.CharField(_("acronym"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    country = models.ForeignKey(Country, verbose_name=_("country"), on_delete=models.PROTECT, null=True, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("For a municipality: which one it is."),
    )
    website = models.URLField(_("website"), blank=True)
    iati_identifier = models.CharField(
        _("IATI organisation identifier"),
        max_length=100,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Z]{2}-[A-Za-z0-9]+(-[^\s/&|?]+)*$",
                _("Use the identifier the organisation publishes to IATI, e.g. CH-4 or GB-COH-01234567."),
            )
        ],
        help_text=_(
            "The registration agency's prefix and the organisation's number there, as published to IATI; "
            "leave empty when it is not known."
        ),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_en"]
        constraints = [
            models.UniqueConstraint(
                fields=["iati_identifier"], condition=~Q(iati_identifier=""), name="organisation_iati_identifier_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.name_en

    def clean(self) -> None:
        require_translation(self, "name")


class ExchangeRate(models.Model):
    """How many units of a currency one euro buys from a date on, and who says so.

    Pegged currencies (BGN and BAM at 1.95583) are marked fixed and apply whatever the date.
    """

    currency = currency_field()
    valid_from = models.DateField(_("valid from"))
    units_per_eur = models.DecimalField(_("units per euro"), max_digits=18, decimal_places=6)
    is_fixed = models.BooleanField(_("fixed (pegged) rate"), default=False)
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="exchangerate_currency_date_unique"),
            models.CheckConstraint(condition=Q(units_per_eur__gt=0), name="exchangerate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 EUR = {self.units_per_eur} {self.currency} ({self.valid_from})"


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProjectQuerySet:
        """Projects the user may read: public ones, their own (any role), all for staff.

        Kept consistent with the ``projects.view_project`` predicate by tests.
        """
        if user.is_authenticated and user.is_staff:
            return self.all()
        public = Q(is_public=True)
        if not user.is_authenticated:
            return self.filter(public)
        member_of = Membership.objects.filter(user=user).values("project_id")
        return self.filter(public | Q(pk__in=member_of))


class Project(models.Model):
    """A participatory local-governance project, as its documents describe it."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ONGOING = "ongoing", _("Ongoing")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        UNKNOWN = "unknown", _("Not reported")

    class DatePrecision(models.TextChoices):
        DAY = "day", _("Day")
        MONTH = "month", _("Month")
        YEAR = "year", _("Year")

    class BudgetBasis(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("budget basis", "Planned")
        ACTUAL = "actual", _("Actually spent")

    code = models.CharField(
        _("code"),
        max_length=64,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                _("Use Latin letters, digits, dots, dashes and underscores only."),
            )
        ],
        help_text=_("The official code where there is one, e.g. BG05SFOP001-2.025-0025-C01."),
    )
    title = models.CharField(_("title"), max_length=400, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    general_goal = models.TextField(_("general goal"), blank=True)
    area = models.TextField(_("target area"), blank=True)
    programme = models.CharField(_("programme"), max_length=300, blank=True)
    funding_instrument = models.CharField(_("funding instrument"), max_length=300, blank=True)
    source = models.CharField(
        _("source"), max_length=300, blank=True, help_text=_("The published document the facts come from.")
    )
    original_language = models.CharField(
        _("original language"),
        max_length=2,
        choices=LANGUAGE_CHOICES,
        help_text=_("Shown where a text has no translation into the reader's language."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.UNKNOWN)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    start_precision = models.CharField(
        _("start date precision"), max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_precision = models.CharField(
        _("end date precision"), max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    duration_months = models.PositiveSmallIntegerField(
        _("duration in months"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Where only a duration is published."),
    )
    countries = models.ManyToManyField(Country, verbose_name=_("countries"), blank=True)
    target_municipalities = models.ManyToManyField(
        Municipality, verbose_name=_("target municipalities"), blank=True, related_name="projects"
    )
    target_municipality_count = models.PositiveIntegerField(
        _("number of target municipalities"),
        null=True,
        blank=True,
        help_text=_("Where the documents give a number of municipalities without naming them."),
    )
    total_budget_amount = money_field(_("total budget"), null=True, blank=True)
    total_budget_currency = currency_field(_("total budget currency"), blank=True)
    total_budget_basis = models.CharField(
        _("total budget basis"), max_length=8, choices=BudgetBasis.choices, blank=True
    )
    website = models.URLField(_("website"), blank=True)
    is_public = models.BooleanField(
        _("published"), default=False, help_text=_("Published projects can be read without signing in.")
    )
    # Optimistic locking: every edit states the version it started from.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-start_date", "code"]
        # The list's order: a page of the list reads the first rows of this index instead of sorting them all.
        indexes = [models.Index(fields=["-start_date", "code"], name="project_list_order")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="project_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(total_budget_amount__isnull=True) | Q(total_budget_amount__gte=0),
                name="project_total_budget_non_negative",
            ),
            models.CheckConstraint(
                condition=(Q(total_budget_amount__isnull=True) & Q(total_budget_currency=""))
                | (Q(total_budget_amount__isnull=False) & ~Q(total_budget_currency="")),
                name="project_total_budget_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title or self.title_en}"

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", kwargs={"code": self.code})

    def clean(self) -> None:
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date cannot be before the start date.")
        if self.original_language and not getattr(self, f"title_{self.original_language}", ""):
            errors[f"title_{self.original_language}"] = _("Give the title in the project's original language.")
        if (self.total_budget_amount is None) != (not self.total_budget_currency):
            errors["total_budget_currency"] = _("Give the total budget together with its currency.")
        if errors:
            raise ValidationError(errors)


class ProjectText(models.Model):
    """An ordered, translated statement about a project (a target group, an objective, …)."""

    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text or self.text_en

    def clean(self) -> None:
        require_translation(self, "text")


class TargetGroup(ProjectText):
    """A group of people the project is for."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="target_groups"
    )

    class Meta(ProjectText.Meta):
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")


class Objective(ProjectText):
    """A general or specific objective, in the documents' order."""

    class Level(models.TextChoices):
        GENERAL = "general", _("General objective")
        SPECIFIC = "specific", _("Specific objective")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="objectives")
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, default=Level.SPECIFIC)

    class Meta(ProjectText.Meta):
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")


class Result(ProjectText):
    """A result the project expected or achieved."""

    class Kind(models.TextChoices):
        EXPECTED = "expected", _("Expected result")
        ACHIEVED = "achieved", _("Achieved result")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="results")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)

    class Meta(ProjectText.Meta):
        verbose_name = _("result")
        verbose_name_plural = _("results")


class Activity(ProjectText):
    """A planned or completed activity of the project."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="activities")

    class Meta(ProjectText.Meta):
        verbose_name = _("activity")
        verbose_name_plural = _("activities")


class Partner(models.Model):
    """An organisation in a role on a project; one organisation may hold several roles."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead organisation / beneficiary")
        PARTNER = "partner", _("Partner")
        IMPLEMENTING = "implementing", _("Implementing organisation")
        FUNDER = "funder", _("Funder")
        CO_FINANCER = "co_financer", _("Co-financer")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="partnerships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "organisation", "role"], name="partner_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"


class FundingContribution(models.Model):
    """What one funder puts into a project. An amount nobody published stays unknown (null)."""

    class Kind(models.TextChoices):
        EU = "eu", _("EU")
        NATIONAL = "national", _("National")
        DONOR = "donor", pgettext_lazy("funding", "Donor")
        MUNICIPAL = "municipal", _("Municipal")
        OWN = "own", pgettext_lazy("funding", "Own contribution")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="contributions"
    )
    funder = models.ForeignKey(
        Organisation,
        verbose_name=_("funder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contributions",
        help_text=_("Leave empty where the documents do not name the funder."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = money_field(_("amount"), null=True, blank=True, help_text=_("Leave empty where it is not known."))
    currency = currency_field(blank=True)
    value_date = models.DateField(
        _("value date"), null=True, blank=True, help_text=_("Date for the euro equivalent; the project start if empty.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("funding contribution")
        verbose_name_plural = _("funding contributions")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="contribution_amount_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | ~Q(currency=""), name="contribution_amount_has_currency"
            ),
        ]

    def __str__(self) -> str:
        amount = "?" if self.amount is None else f"{self.amount} {self.currency}"
        return f"{self.funder or self.get_kind_display()}: {amount}"

    def clean(self) -> None:
        if self.amount is not None and not self.currency:
            raise ValidationError({"currency": _("Give the currency of the amount.")})


class BudgetLine(models.Model):
    """A planned line of the project budget; expenditures recorded against it give planned vs spent."""

    class Category(models.TextChoices):
        PERSONNEL = "personnel", _("Personnel")
        TRAVEL = "travel", _("Travel")
        EQUIPMENT = "equipment", _("Equipment")
        SERVICES = "services", _("Services")
        EVENTS = "events", _("Events and forums")
        SUB_GRANTS = "sub_grants", _("Small grants")
        ADMINISTRATION = "administration", pgettext_lazy("budget category", "Administration")
        OTHER = "other", _("Other")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="budget_lines"
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    amount = money_field(_("planned amount"))
    currency = currency_field()
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="budgetline_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return self.description or self.description_en

    def clean(self) -> None:
        require_translation(self, "description")


class Expenditure(models.Model):
    """Money spent against a budget line, in the line's currency."""

    budget_line = models.ForeignKey(
        BudgetLine, verbose_name=_("budget line"), on_delete=models.CASCADE, related_name="expenditures"
    )
    spent_on = models.DateField(_("date"))
    amount = money_field(_("amount"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("expenditure")
        verbose_name_plural = _("expenditures")
        ordering = ["spent_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="expenditure_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.spent_on}: {self.amount}"


class Membership(models.Model):
    """A user's role in a project, scoped to municipalities or an organisation where the role needs it.

    It lives here rather than in ``accounts`` because it points at projects, and apps only import
    from apps to their left (see docs/adr/0001-memberships-live-in-projects.md).
    """

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Project coordinator")
        MUNICIPAL_STAFF = "municipal_staff", _("Municipal staff")
        NGO_COORDINATOR = "ngo_coordinator", _("NGO coordinator")
        DONOR = "donor", _("Donor")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    municipalities = models.ManyToManyField(
        Municipality,
        verbose_name=_("municipalities served"),
        blank=True,
        help_text=_("Municipal staff act only for these municipalities."),
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("NGO coordinators act only for this organisation."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["project", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "project", "role"], name="membership_unique_role"),
            models.CheckConstraint(
                condition=~Q(role="ngo_coordinator") | Q(organisation__isnull=False),
                name="membership_ngo_has_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.project.code}"

    def clean(self) -> None:
        if self.role == self.Role.NGO_COORDINATOR and not self.organisation_id:
            raise ValidationError({"organisation": _("An NGO coordinator acts for an organisation: choose it.")})
