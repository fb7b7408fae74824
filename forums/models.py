"""Forum sessions, trainings and public events, their attendance and participants' feedback.

Every gathering of a project is one ``ForumSession`` with a kind (see docs/adr/0004). Counts are
nullable: no count is unknown, never zero, and each count carries a qualifier (exact,
approximately, at least) that the figures carry on to the PDF.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from projects.i18n import require_translation
from projects.models import Municipality, Project

from .uploads import StoredUpload


class Qualifier(models.TextChoices):
    """How sure a count is. Ordered from strongest to weakest."""

    EXACT = "exact", _("exact")
    AT_LEAST = "at_least", _("at least")
    APPROXIMATE = "approximate", _("approximately")


class Category(models.TextChoices):
    FORUM = "forum", _("Forum sessions")
    TRAINING = "training", _("Trainings")
    EVENT = "event", _("Public events")


class Kind(models.TextChoices):
    """What a gathering is. The prefix of the value names its category."""

    FORUM_INFORMATIONAL = "forum_informational", _("Forum session: informational")
    FORUM_DELIBERATIVE = "forum_deliberative", _("Forum session: deliberative")
    FORUM_WORKING = "forum_working", _("Forum session: working meeting")
    FORUM_FOLLOW_UP = "forum_follow_up", _("Forum session: follow-up / results")
    FORUM_OTHER = "forum_other", _("Forum session (kind not stated)")
    TRAINING = "training", _("Training")
    EVENT_CONSULTATION = "event_consultation", _("Public consultation")
    EVENT_ROUND_TABLE = "event_round_table", _("Round table")
    EVENT_CONFERENCE = "event_conference", _("Conference")

    @classmethod
    def category_of(cls, kind: str) -> str:
        return kind.split("_", 1)[0]

    @classmethod
    def of_category(cls, category: str) -> list[str]:
        return [kind for kind in cls.values if cls.category_of(kind) == category]


class Forum(models.Model):
    """A series of forum sessions of a project in one municipality (e.g. the Resen forum)."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="forums")
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="forums"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("forum")
        verbose_name_plural = _("forums")
        ordering = ["project", "municipality__name_en"]
        constraints = [
            models.UniqueConstraint(fields=["project", "municipality"], name="forum_one_per_municipality"),
        ]

    def __str__(self) -> str:
        return self.title or str(self.municipality)


class ForumSessionQuerySet(models.QuerySet):
    def visible_to(self, user) -> ForumSessionQuerySet:
        """Sessions of the projects the user may read (kept consistent with ``forums.view_session``)."""
        return self.filter(project__in=Project.objects.visible_to(user))

    def held(self) -> ForumSessionQuerySet:
        return self.filter(status=ForumSession.Status.HELD)


class ForumSession(models.Model):
    """A forum session, training or public event of a project."""

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("session status", "Planned")
        HELD = "held", pgettext_lazy("session status", "Held")
        CANCELLED = "cancelled", pgettext_lazy("session status", "Cancelled")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("host municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        help_text=_("Empty only for imported records whose documents do not say where."),
    )
    forum = models.ForeignKey(
        Forum, verbose_name=_("forum"), on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )
    sequence = models.PositiveSmallIntegerField(
        _("number in the forum"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    date = models.DateField(_("date"), null=True, blank=True)
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    end_time = models.TimeField(_("end time"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    language = models.CharField(
        _("language of the session"),
        max_length=2,
        choices=settings.LANGUAGES,
        help_text=_("The language of the sign-in sheet and of the session itself."),
    )
    title = models.CharField(_("title or topic"), max_length=300, blank=True)
    facilitators = models.CharField(
        _("facilitators or trainers"), max_length=300, blank=True, help_text=_("Names, separated by commas.")
    )
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    feedback_token = models.CharField(max_length=32, unique=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ForumSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["date", "start_time", "forum_id", "sequence", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["forum", "sequence"], name="session_unique_sequence_in_forum"),
            models.CheckConstraint(
                condition=Q(end_time__isnull=True) | Q(start_time__isnull=True) | Q(end_time__gt=F("start_time")),
                name="session_ends_after_it_starts",
            ),
        ]
        indexes = [models.Index(fields=["project", "status", "kind"], name="session_project_status_kind")]

    def __str__(self) -> str:
        label = self.get_kind_display()
        if self.sequence:
            label = f"{label} #{self.sequence}"
        return f"{label} – {self.municipality or ''} {self.date or ''}".strip(" –")

    def save(self, *args, **kwargs):
        if not self.feedback_token:
            self.feedback_token = secrets.token_urlsafe(16)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("forums:session", kwargs={"code": self.project.code, "pk": self.pk})

    @property
    def category(self) -> str:
        return Kind.category_of(self.kind)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        project = self.project if self.project_id else None
        if self.date and project is not None:
            if project.start_date and self.date < project.start_date:
                errors["date"] = _("The date is before the project's start.")
            elif project.end_date and self.date > project.end_date:
                errors["date"] = _("The date is after the project's end.")
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = _("The session cannot end before it starts.")
        if self.forum_id and self.forum.project_id != self.project_id:
            errors["forum"] = _("The forum belongs to another project.")
        if self.forum_id and self.municipality_id and self.forum.municipality_id != self.municipality_id:
            errors["forum"] = _("The forum is held in another municipality.")
        if self.forum_id and Kind.category_of(self.kind) != Category.FORUM:
            errors["forum"] = _("Only forum sessions belong to a forum.")
        if self.status == self.Status.HELD and self.date and self.date > timezone.localdate():
            errors["status"] = _("A session in the future cannot have been held yet.")
        if errors:
            raise ValidationError(errors)


class CountField(models.PositiveIntegerField):
    """A head count: null is unknown."""

    def __init__(self, verbose_name=None, **kwargs):
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("validators", [MaxValueValidator(1_000_000)])
        super().__init__(verbose_name, **kwargs)


def qualifier_field() -> models.CharField:
    return models.CharField(_("qualifier"), max_length=12, choices=Qualifier.choices, default=Qualifier.EXACT)


GENDER_PARTS = ("women", "men", "gender_undisclosed")
AGE_PARTS = ("age_under_18", "age_18_29", "age_30_64", "age_65_plus")


class Attendance(models.Model):
    """Who came to a session, as anonymous counts. Breakdowns may be partial; parts never exceed the total."""

    session = models.OneToOneField(
        ForumSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendance", primary_key=True
    )
    participants = CountField(_("participants"))
    participants_qualifier = qualifier_field()
    women = CountField(_("women"))
    women_qualifier = qualifier_field()
    men = CountField(_("men"))
    men_qualifier = qualifier_field()
    gender_undisclosed = CountField(_("gender not disclosed"))
    gender_undisclosed_qualifier = qualifier_field()
    age_under_18 = CountField(_("under 18"))
    age_under_18_qualifier = qualifier_field()
    age_18_29 = CountField(_("18–29"))
    age_18_29_qualifier = qualifier_field()
    age_30_64 = CountField(_("30–64"))
    age_30_64_qualifier = qualifier_field()
    age_65_plus = CountField(_("65 and over"))
    age_65_plus_qualifier = qualifier_field()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.CheckConstraint(
                condition=Q(participants__isnull=True)
                | Q(
                    participants__gte=models.functions.Coalesce("women", 0)
                    + models.functions.Coalesce("men", 0)
                    + models.functions.Coalesce("gender_undisclosed", 0)
                ),
                name="attendance_gender_within_total",
            ),
            models.CheckConstraint(
                condition=Q(participants__isnull=True)
                | Q(
                    participants__gte=models.functions.Coalesce("age_under_18", 0)
                    + models.functions.Coalesce("age_18_29", 0)
                    + models.functions.Coalesce("age_30_64", 0)
                    + models.functions.Coalesce("age_65_plus", 0)
                ),
                name="attendance_ages_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.participants if self.participants is not None else '?'}"

    def clean(self) -> None:
        errors = {}
        if self.participants is None:
            for part in (*GENDER_PARTS, *AGE_PARTS):
                if getattr(self, part) is not None:
                    errors["participants"] = _("Give the total number of participants before its parts.")
        else:
            for group, message in (
                (
                    GENDER_PARTS,
                    _("Women, men and undisclosed add up to %(sum)s, more than the %(total)s participants."),
                ),
                (AGE_PARTS, _("The age bands add up to %(sum)s, more than the %(total)s participants.")),
            ):
                parts = sum(getattr(self, part) or 0 for part in group)
                if parts > self.participants:
                    errors[group[0]] = message % {"sum": parts, "total": self.participants}
        if errors:
            raise ValidationError(errors)


class VulnerableGroup(models.Model):
    """A group whose participation is counted on its own (Roma, persons with disabilities, …)."""

    name = models.CharField(_("name"), max_length=150, blank=True)
    is_active = models.BooleanField(_("offered on new sessions"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("vulnerable group")
        verbose_name_plural = _("vulnerable groups")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name or self.name_en

    def clean(self) -> None:
        require_translation(self, "name")


class BreakdownCount(models.Model):
    """Participants of a session in one part of a breakdown whose parts are rows, not columns."""

    count = CountField(_("participants"), null=False, blank=False)
    qualifier = qualifier_field()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.part}: {self.count}"


class GroupCount(BreakdownCount):
    """Participants who belong to a vulnerable group. Groups overlap: each is within the total."""

    attendance = models.ForeignKey(
        Attendance, verbose_name=_("attendance"), on_delete=models.CASCADE, related_name="group_counts"
    )
    group = models.ForeignKey(VulnerableGroup, verbose_name=_("group"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("vulnerable group count")
        verbose_name_plural = _("vulnerable group counts")
        constraints = [models.UniqueConstraint(fields=["attendance", "group"], name="groupcount_unique")]

    @property
    def part(self) -> VulnerableGroup:
        return self.group


class ResidenceCount(BreakdownCount):
    """Participants by municipality of residence. Together they are within the total."""

    attendance = models.ForeignKey(
        Attendance, verbose_name=_("attendance"), on_delete=models.CASCADE, related_name="residence_counts"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality of residence"), on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("residence count")
        verbose_name_plural = _("residence counts")
        constraints = [models.UniqueConstraint(fields=["attendance", "municipality"], name="residencecount_unique")]

    @property
    def part(self) -> Municipality:
        return self.municipality


class ReportedParticipation(models.Model):
    """A participation figure published only as a total over several sessions, kept as such.

    Never spread over sessions: the figures add it to the sessions it covers, as one block.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="reported_participation"
    )
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, null=True, blank=True
    )
    sessions_covered = models.PositiveSmallIntegerField(
        _("sessions covered"), validators=[MinValueValidator(1)], help_text=_("How many sessions the figure is for.")
    )
    participants = models.PositiveIntegerField(_("participants"))
    qualifier = qualifier_field()
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("reported participation total")
        verbose_name_plural = _("reported participation totals")
        ordering = ["project", "category", "municipality__name_en"]

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_category_display()} {self.municipality or ''}: {self.participants}"


class Attachment(StoredUpload):
    """A file kept with a session: the scanned sign-in sheet, minutes, photos. PDF, JPEG or PNG only."""

    class Kind(models.TextChoices):
        SIGN_IN_SHEET = "sign_in_sheet", _("Sign-in sheet")
        MINUTES = "minutes", pgettext_lazy("attachment", "Minutes")
        PHOTO = "photo", _("Photo")
        OTHER = "other", _("Other")

    session = models.ForeignKey(
        ForumSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="sessions/%Y/%m/")

    class Meta(StoredUpload.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file.name}"


class Participant(models.Model):
    """A named participant, kept only with the person's recorded consent. Figures never need names."""

    session = models.ForeignKey(
        ForumSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="participants"
    )
    full_name = models.CharField(_("full name"), max_length=200)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality of residence"), on_delete=models.PROTECT, null=True, blank=True
    )
    consent_given = models.BooleanField(_("consent to be listed by name"))
    consent_recorded_at = models.DateTimeField(_("consent recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True
    )

    class Meta:
        verbose_name = _("named participant")
        verbose_name_plural = _("named participants")
        ordering = ["session", "full_name"]
        constraints = [models.CheckConstraint(condition=Q(consent_given=True), name="participant_has_consent")]

    def __str__(self) -> str:
        return self.full_name


class Feedback(models.Model):
    """Anonymous feedback of a participant on a session; comments are moderated before public display."""

    class Moderation(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        APPROVED = "approved", _("Approved for public display")
        REJECTED = "rejected", _("Not for public display")

    session = models.ForeignKey(
        ForumSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="feedback"
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    was_useful = models.BooleanField(_("was it useful"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    # A keyed hash of the device's random cookie: one submission per device and session, nothing personal.
    device_hash = models.CharField(max_length=64, editable=False)
    moderation = models.CharField(
        _("moderation"), max_length=10, choices=Moderation.choices, default=Moderation.PENDING
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("moderated by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "device_hash"], name="feedback_one_per_device"),
            models.CheckConstraint(
                condition=Q(satisfaction__gte=1, satisfaction__lte=5), name="feedback_satisfaction_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.satisfaction}/5"
