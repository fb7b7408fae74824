"""REST API of the forums app under /api/v1/: sessions with their attendance, vulnerable groups, and
each project's participation figures.

Sessions are scoped by ``ForumSession.objects.visible_to`` and written through
``forums.services.forum_session_save``, so the API refuses what the pages refuse, with the same
messages. The figures come from ``forums.selectors.project_participation``, as on the page and in the
donors' PDFs; an unknown count is ``null``, never 0.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ActionPermissions
from projects.api import IsAuthenticatedToWrite, LocalizedField, ProjectPartFilter, ProjectPartSerializer
from projects.i18n import LANGUAGE_CODES, localized, per_language
from projects.models import Municipality, Project
from projects.services import StaleEdit

from . import selectors, services
from .models import (
    AGE_PARTS,
    GENDER_PARTS,
    Attendance,
    Category,
    ForumSession,
    GroupCount,
    Kind,
    Qualifier,
    ResidenceCount,
    VulnerableGroup,
)

COUNTED_PARTS = ("participants", *GENDER_PARTS, *AGE_PARTS)
ATTENDANCE_FIELDS = [name for part in COUNTED_PARTS for name in (part, f"{part}_qualifier")]

# --- Choices, each documented once as a named enum ------------------------------------------------
#
# drf-spectacular names an enum after the fields using it; the same choices under several field names
# (``qualifier``, ``women_qualifier``, …) or one field name with different choices (a project's and a
# session's ``status``) would give warnings and unstable names. Each field class below is one named
# component instead.


def _enum(values: list[str], description: str) -> dict:
    return {"type": "string", "enum": list(values), "description": description}


@extend_schema_field(
    _enum(Qualifier.values, "How sure a count is: `exact`, `at_least` (a lower bound) or `approximate`."),
    component_name="QualifierEnum",
)
class QualifierField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("choices", Qualifier.choices)
        super().__init__(**kwargs)


@extend_schema_field(
    _enum(Kind.values, "What a gathering is; the part before the first `_` names its category."),
    component_name="SessionKindEnum",
)
class KindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Kind.choices, **kwargs)


@extend_schema_field(
    _enum(Category.values, "Forum sessions, trainings or public events."), component_name="SessionCategoryEnum"
)
class CategoryField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Category.choices, **kwargs)


@extend_schema_field(
    _enum(ForumSession.Status.values, "`planned`, `held` or `cancelled` (sessions are cancelled, not deleted)."),
    component_name="SessionStatusEnum",
)
class SessionStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ForumSession.Status.choices, **kwargs)


@extend_schema_field(_enum(LANGUAGE_CODES, "A language of the portal."), component_name="LanguageEnum")
class LanguageField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=settings.LANGUAGES, **kwargs)


# --- Sessions and attendance ----------------------------------------------------------------------


class BreakdownRowSerializer(serializers.ModelSerializer):
    """One row of a breakdown: who is counted (the first field) and the count. A row replaces the stored
    row whole, so it is sent whole even in a PATCH, where DRF would let any of its fields be left out."""

    serializer_choice_field = QualifierField

    def validate(self, attrs):
        required = serializers.Field.default_error_messages["required"]
        missing = {name: [required] for name in (self.Meta.fields[0], "count") if name not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class GroupCountSerializer(BreakdownRowSerializer):
    class Meta:
        model = GroupCount
        fields = ["group", "count", "qualifier"]


class ResidenceCountSerializer(BreakdownRowSerializer):
    class Meta:
        model = ResidenceCount
        fields = ["municipality", "count", "qualifier"]


class AttendanceSerializer(serializers.ModelSerializer):
    """Anonymous counts of who came; a count left out or ``null`` is unknown, never 0."""

    serializer_choice_field = QualifierField
    groups = GroupCountSerializer(
        source="group_counts", many=True, required=False, help_text="Participants belonging to a vulnerable group."
    )
    residence = ResidenceCountSerializer(
        source="residence_counts", many=True, required=False, help_text="Participants by municipality of residence."
    )

    suppressed = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=(
            "Counts withheld from readers outside the project team because they are groups of 1 to 4 people "
            '(shown as "<5"): attendance fields by name (their value is null), and `groups:<group id>` and '
            "`residence:<municipality id>` (their rows are left out). Empty for the project team."
        ),
    )

    class Meta:
        model = Attendance
        fields = [*ATTENDANCE_FIELDS, "groups", "residence", "suppressed"]

    def to_representation(self, attendance):
        data = super().to_representation(attendance)
        data["suppressed"] = []
        request = self.context.get("request")
        if request is None or request.user.has_perm("forums.view_small_groups", attendance.session.project):
            return data
        shown = selectors.session_breakdowns(attendance)
        for part, count in (*shown.gender, *shown.age):
            if count.is_suppressed:
                data[part] = None
                data["suppressed"].append(part)
        for key, field, counts in (("groups", "group", shown.groups), ("residence", "municipality", shown.residence)):
            rows = list(zip(data[key], counts, strict=True))
            data[key] = [row for row, (_part, count) in rows if not count.is_suppressed]
            data["suppressed"] += [f"{key}:{row[field]}" for row, (_part, count) in rows if count.is_suppressed]
        return data

    def validate_groups(self, rows):
        return self._once_each(rows, "group", _("Count each group only once."))

    def validate_residence(self, rows):
        return self._once_each(rows, "municipality", _("Count each municipality of residence only once."))

    @staticmethod
    def _once_each(rows, key: str, message: str):
        keys = [row[key].pk for row in rows]
        if len(keys) != len(set(keys)):
            raise serializers.ValidationError(message)
        return rows


class SessionSerializer(ProjectPartSerializer):
    """A forum session, training or public event; ``attendance`` is written in the same request."""

    kind = KindField()
    category = CategoryField(read_only=True)
    municipality = serializers.PrimaryKeyRelatedField(
        queryset=Municipality.objects.all(),
        allow_null=True,
        help_text="The host municipality; empty only on imported records whose documents do not say where.",
    )
    status = SessionStatusField(required=False)
    language = LanguageField(required=False, help_text="Defaults to the project's original language.")
    title = LocalizedField("title")
    version = serializers.IntegerField(
        required=False, help_text="The version the edit started from; required when updating."
    )
    page_url = serializers.SerializerMethodField()
    attendance = AttendanceSerializer(
        required=False,
        allow_null=True,
        help_text="`null`: nothing recorded (unknown). On PATCH, the counts sent replace the stored ones, "
        "the others are kept; on PUT, counts left out are unknown.",
    )

    class Meta:
        model = ForumSession
        fields = [
            "id",
            "project",
            "kind",
            "category",
            "municipality",
            "forum",
            "sequence",
            "status",
            "date",
            "start_time",
            "end_time",
            "venue",
            "language",
            "title",
            *per_language("title", "agenda", "minutes"),
            "facilitators",
            "version",
            "page_url",
            "attendance",
        ]
        read_only_fields = ["forum", "sequence"]

    def get_page_url(self, session) -> str:
        request = self.context.get("request")
        url = session.get_absolute_url()
        return request.build_absolute_uri(url) if request else url

    def validate_municipality(self, municipality):
        # As on the page: every session logged or edited says where it took place.
        if municipality is None:
            raise serializers.ValidationError(_("Choose the municipality that hosts the session."))
        return municipality

    def validate(self, attrs):
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError({"version": _("Send the version the edit started from.")})
        return attrs


def attendance_arguments(given: dict | None, stored: Attendance | None, *, partial: bool) -> dict:
    """The attendance arguments of ``forum_session_save`` from a request's nested ``attendance``.

    ``given`` None (``"attendance": null``) means nothing is recorded: the stored counts are cleared.
    A partial update keeps the stored counts, groups and places the request does not mention.
    """
    if given is None:
        if stored is None:
            return {}
        given, partial = {}, False
    keep = partial and stored is not None
    # The stored row is reused so the service updates it rather than inserting a second one.
    attendance = stored if stored is not None else Attendance()
    for name in ATTENDANCE_FIELDS:
        if name in given:
            setattr(attendance, name, given[name])
        elif not keep:
            setattr(attendance, name, Attendance._meta.get_field(name).get_default())
    return {
        "attendance": attendance,
        "group_counts": _counts(given, "group_counts", "group", stored if keep else None),
        "residence_counts": _counts(given, "residence_counts", "municipality", stored if keep else None),
    }


def _counts(given: dict, relation: str, key: str, stored: Attendance | None) -> dict:
    if relation in given:
        rows = [(row[key], row["count"], row.get("qualifier", Qualifier.EXACT)) for row in given[relation]]
    elif stored is not None:
        rows = [(getattr(row, key), row.count, row.qualifier) for row in getattr(stored, relation).select_related(key)]
    else:
        rows = []
    return {target: services.CountInput(count, qualifier) for target, count, qualifier in rows}


ATTENDANCE_ERROR_KEYS = {field.name for field in Attendance._meta.fields} - {"session"}


def api_errors(error: DjangoValidationError) -> dict:
    """A service's ``ValidationError`` shaped like the serializer's: attendance errors under ``attendance``."""
    if not hasattr(error, "error_dict"):
        return {"non_field_errors": error.messages}
    errors: dict = {}
    for field, messages in error.message_dict.items():
        if field in ATTENDANCE_ERROR_KEYS:
            errors.setdefault("attendance", {})[field] = messages
        else:
            errors["non_field_errors" if field == NON_FIELD_ERRORS else field] = messages
    return errors


class SessionFilter(ProjectPartFilter):
    """``?project=`` among the visible projects, ``?kind=``, ``?category=``, ``?status=``,
    ``?municipality=``, ``?date_after=`` and ``?date_before=`` (inclusive)."""

    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices, method="in_category")
    status = django_filters.ChoiceFilter(choices=ForumSession.Status.choices)
    municipality = django_filters.ModelChoiceFilter(queryset=Municipality.objects.all())
    date = django_filters.DateFromToRangeFilter()

    def in_category(self, queryset, name, value):
        return queryset.filter(kind__in=Kind.of_category(value))


STALE = OpenApiResponse(description="Edited by someone else since `version`: nothing was saved.")


@extend_schema_view(
    update=extend_schema(responses={200: SessionSerializer, 409: STALE}),
    partial_update=extend_schema(responses={200: SessionSerializer, 409: STALE}),
)
class SessionViewSet(
    ActionPermissions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Sessions of the projects the user may see, by date. Never deleted: set ``status`` to ``cancelled``.

    Municipal staff log and edit sessions only in the municipalities they serve (403 elsewhere).
    """

    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    permission_classes = [IsAuthenticatedToWrite]
    action_permissions = dict.fromkeys(["update", "partial_update"], "forums.change_session")

    def get_queryset(self):
        return selectors.sessions_for_list(self.request.user).prefetch_related(
            Prefetch("attendance__group_counts", queryset=GroupCount.objects.order_by("group__order", "group_id")),
            Prefetch("attendance__residence_counts", queryset=ResidenceCount.objects.order_by("municipality_id")),
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        given = data.pop("attendance", None)
        data.pop("version", None)
        session = ForumSession(**data)
        self._save(serializer, session, attendance_arguments(given, None, partial=False), expected_version=None)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        session = serializer.instance
        stored = selectors.attendance_of(session)
        attendance = (
            attendance_arguments(data.pop("attendance"), stored, partial=serializer.partial)
            if "attendance" in data
            else {}
        )
        version = data.pop("version")
        for name, value in data.items():
            setattr(session, name, value)
        self._save(serializer, session, attendance, expected_version=version)

    def _save(self, serializer, session: ForumSession, attendance: dict, expected_version: int | None) -> None:
        try:
            saved = services.forum_session_save(
                actor=self.request.user, session=session, expected_version=expected_version, **attendance
            )
        except StaleEdit:
            raise  # a 409, by the API's exception handler
        except DjangoValidationError as error:
            raise serializers.ValidationError(api_errors(error)) from error
        serializer.instance = self.get_queryset().get(pk=saved.pk)


# --- Vulnerable groups ----------------------------------------------------------------------------


class VulnerableGroupSerializer(serializers.ModelSerializer):
    name = LocalizedField("name")

    class Meta:
        model = VulnerableGroup
        fields = ["id", "name", *per_language("name"), "is_active"]


class ExplicitBooleanField(forms.NullBooleanField):
    """``true`` or ``false`` (also ``1``/``0``; empty: no filter). Django's field reads any other word as
    "no filter", so a mistyped filter would silently answer with everything: here it is a 400."""

    widget = forms.TextInput  # hands over the text as sent; Django's select maps unknown words to None

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if value in ("true", "True", "1"):
            return True
        if value in ("false", "False", "0"):
            return False
        raise forms.ValidationError(_("Enter true or false."), code="invalid")


class ExplicitBooleanFilter(django_filters.BooleanFilter):
    field_class = ExplicitBooleanField


class VulnerableGroupFilter(django_filters.FilterSet):
    is_active = ExplicitBooleanFilter()

    class Meta:
        model = VulnerableGroup
        fields = ["is_active"]


class VulnerableGroupViewSet(viewsets.ReadOnlyModelViewSet):
    """Groups whose participation is counted on its own; inactive ones are kept for older sessions."""

    serializer_class = VulnerableGroupSerializer
    queryset = VulnerableGroup.objects.order_by("order", "pk")
    filterset_class = VulnerableGroupFilter


# --- Participation figures ------------------------------------------------------------------------


class CountFigureSerializer(serializers.Serializer):
    """A count and how sure it is; ``value`` null means nobody recorded it, unless ``suppressed``."""

    value = serializers.IntegerField(allow_null=True)
    qualifier = QualifierField()
    suppressed = serializers.BooleanField(
        source="is_suppressed",
        help_text='A group of 1 to 4 people, withheld from readers outside the project team: shown as "<5".',
    )


class DecimalFigureSerializer(serializers.Serializer):
    """An average or a percentage with two decimals (half up), and how sure it is; null is unknown."""

    value = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    qualifier = QualifierField()
    suppressed = serializers.BooleanField(
        source="is_suppressed", help_text="The share of a suppressed group, withheld with it."
    )


class MunicipalityRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = LocalizedField("name")


class SessionsByKindSerializer(serializers.Serializer):
    kind = KindField()
    planned = serializers.IntegerField()
    held = serializers.IntegerField()
    cancelled = serializers.IntegerField()

    def to_representation(self, instance):
        kind, by_status = instance
        return super().to_representation({"kind": kind, **by_status})


class MunicipalityParticipationSerializer(serializers.Serializer):
    municipality = MunicipalityRefSerializer(allow_null=True, help_text="`null`: the place is not recorded.")
    sessions = serializers.IntegerField(help_text="Held sessions.")
    participants = CountFigureSerializer()
    average_per_session = DecimalFigureSerializer(help_text="Over the sessions with figures only.")
    sessions_with_figures = serializers.IntegerField()
    includes_reported = serializers.BooleanField(help_text="Includes totals published over several sessions.")


class CategoryParticipationSerializer(serializers.Serializer):
    sessions = serializers.IntegerField(help_text="Held sessions.")
    participants = CountFigureSerializer()
    average_per_session = DecimalFigureSerializer(help_text="Over the sessions with figures only.")
    includes_reported = serializers.BooleanField()
    by_municipality = MunicipalityParticipationSerializer(many=True)


class CategoriesSerializer(serializers.Serializer):
    """One entry per ``Category``, keyed by its value."""

    forum = CategoryParticipationSerializer()
    training = CategoryParticipationSerializer()
    event = CategoryParticipationSerializer()


class BreakdownPartSerializer(serializers.Serializer):
    part = serializers.ChoiceField(choices=[*GENDER_PARTS, *AGE_PARTS])
    count = CountFigureSerializer()
    share = DecimalFigureSerializer(help_text="Percent of `base`.")

    def to_representation(self, instance):
        part, count, share = instance
        return super().to_representation({"part": part, "count": count, "share": share})


class BreakdownSerializer(serializers.Serializer):
    base = CountFigureSerializer(help_text="Participants of the held sessions that recorded this breakdown.")
    parts = BreakdownPartSerializer(many=True)
    not_recorded = CountFigureSerializer()


class ReportedParticipationSerializer(serializers.Serializer):
    category = CategoryField()
    municipality = MunicipalityRefSerializer(allow_null=True)
    sessions_covered = serializers.IntegerField()
    participants = serializers.IntegerField()
    qualifier = QualifierField()
    source = serializers.SerializerMethodField()

    def get_source(self, block) -> str:
        return localized(block, "source").text


class ParticipationFiguresSerializer(serializers.Serializer):
    """Participation in a project's held sessions, as the participation page and the donors' PDFs show it."""

    sessions_by_kind = SessionsByKindSerializer(many=True, help_text="Sessions of each kind by status.")
    categories = CategoriesSerializer()
    participants_total = CountFigureSerializer()
    gender = BreakdownSerializer()
    age = BreakdownSerializer()
    reported = ReportedParticipationSerializer(
        many=True, help_text="Totals published over several sessions, counted as such, never spread."
    )


class ProjectParticipationView(APIView):
    """Participation figures of a project the user may see (404 otherwise)."""

    permission_classes = [IsAuthenticatedToWrite]

    @extend_schema(
        responses={200: ParticipationFiguresSerializer, 404: OpenApiResponse(description="No such project.")}
    )
    def get(self, request, pk: int):
        project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
        figures = selectors.project_participation(
            project, exact_small_groups=request.user.has_perm("forums.view_small_groups", project)
        )
        return Response(ParticipationFiguresSerializer(figures, context={"request": request}).data)


def register(router) -> None:
    router.register("sessions", SessionViewSet, basename="session")
    router.register("vulnerable-groups", VulnerableGroupViewSet, basename="vulnerablegroup")


# A figure page per project is no list: a router would document it as a paginated one. Included from
# config/urls.py under /api/v1/.
urlpatterns = [
    path("projects/<int:pk>/participation/", ProjectParticipationView.as_view(), name="project-participation"),
]
