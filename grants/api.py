"""REST API of the grants app under /api/v1/: calls, proposals, reviews and awards.

Every queryset is scoped to what the user may read (an invisible id answers like a missing one, 404);
every write and workflow step goes through ``grants.services``, so the API refuses what the pages
refuse, with the same translated messages: 403 for permission, 400 for validation, 409 for a stale
version (by ``config.api.exception_handler``). A workflow step answers with the updated object.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts.permissions import ActionPermissions
from forums.api import LanguageField
from forums.models import ForumSession
from forums.uploads import ALLOWED_TYPES, IMAGE_TYPES, stored_file_response
from projects.api import CurrencyField, IsAuthenticatedToWrite, LocalizedField, ProjectPartFilter, ProjectPartSerializer
from projects.i18n import per_language
from projects.models import Membership, Municipality, Organisation, Project

from . import selectors, services
from .models import (
    Award,
    Call,
    EligibilityCriterion,
    MonitoringReport,
    Proposal,
    ProposalAttachment,
    ProposalBudgetLine,
    ReportedSpending,
    ReportPhoto,
    Review,
    ReviewScore,
    ScoringCriterion,
    Tranche,
)

Role = Membership.Role

# --- Choices, each documented once as a named enum (see forums/api.py) ----------------------------


def enum_field(choices, component_name: str, description: str) -> type[serializers.ChoiceField]:
    """A choice field documented as one named enum component, whatever field names use it."""

    @extend_schema_field(
        {"type": "string", "enum": list(choices.values), "description": description}, component_name=component_name
    )
    class NamedChoiceField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            kwargs.setdefault("choices", choices.choices)
            super().__init__(**kwargs)

    NamedChoiceField.__name__ = component_name.removesuffix("Enum") + "Field"
    return NamedChoiceField


CallPhaseField = enum_field(Call.Phase, "CallPhaseEnum", "Phases move only through the workflow actions.")
SelectionMethodField = enum_field(Call.SelectionMethod, "SelectionMethodEnum", "How the winners are chosen.")
TieRuleField = enum_field(Call.TieRule, "TieRuleEnum", "How a tie in the ranking is broken.")
ProposalStatusField = enum_field(Proposal.Status, "ProposalStatusEnum", "Where a proposal is in the workflow.")
BudgetCategoryField = enum_field(ProposalBudgetLine.Category, "ProposalBudgetCategoryEnum", "Kind of cost.")
FinancedByField = enum_field(ProposalBudgetLine.FinancedBy, "FinancedByEnum", "The grant or co-financing.")
ReportStatusField = enum_field(MonitoringReport.Status, "MonitoringReportStatusEnum", "The coordinator's verdict.")

STALE = OpenApiResponse(description="Edited by someone else since `version`: nothing was saved.")
REFUSED = OpenApiResponse(description="Not allowed for this user.")
INVALID = OpenApiResponse(description="Refused by the workflow's rules, with the reasons.")


def require_version(serializer, attrs: dict) -> dict:
    if serializer.instance is not None and "version" not in attrs:
        raise serializers.ValidationError({"version": _("Send the version the edit started from.")})
    return attrs


# --- Scoping ----------------------------------------------------------------------------------------


def _project_ids(user, *roles: str):
    return Membership.objects.filter(user=user, role__in=roles).values("project")


def calls_visible_to(user):
    """Calls of the projects the user may read; drafts only to their coordinators and platform staff."""
    calls = Call.objects.filter(project__in=Project.objects.visible_to(user))
    if user.is_authenticated and user.is_staff:
        return calls
    if not user.is_authenticated:
        return calls.exclude(phase=Call.Phase.DRAFT)
    return calls.filter(~Q(phase=Call.Phase.DRAFT) | Q(project__in=_project_ids(user, Role.COORDINATOR)))


def reviews_visible_to(user):
    """The user's own reviews and, for coordinators, every review of their projects' proposals."""
    if not user.is_authenticated:
        return Review.objects.none()
    if user.is_staff:
        return Review.objects.all()
    return Review.objects.filter(Q(reviewer=user) | Q(proposal__call__project__in=_project_ids(user, Role.COORDINATOR)))


def awards_visible_to(user):
    """Awards the user may read (``grants.view_award``): the grantee's, the coordinators', staff's."""
    if not user.is_authenticated:
        return Award.objects.none()
    if user.is_staff:
        return Award.objects.all()
    grantee = Membership.objects.filter(
        user=user,
        role=Role.NGO_COORDINATOR,
        project=OuterRef("proposal__call__project"),
        organisation=OuterRef("proposal__organisation"),
    )
    return Award.objects.filter(Exists(grantee) | Q(proposal__call__project__in=_project_ids(user, Role.COORDINATOR)))


@extend_schema_field(OpenApiTypes.INT)
class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id among the objects the user may read: an invisible one is as unknown as a missing one."""

    def __init__(self, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.scope(request.user if request is not None else AnonymousUser())


def _visible_proposals(user):
    return Proposal.objects.visible_to(user)


def _visible_sessions(user):
    return ForumSession.objects.visible_to(user)


# --- Calls ------------------------------------------------------------------------------------------


class EligibilityCriterionSerializer(serializers.ModelSerializer):
    text = LocalizedField("text")

    class Meta:
        model = EligibilityCriterion
        fields = ["id", "text", *per_language("text"), "order"]
        read_only_fields = ["id", "order"]


class ScoringCriterionSerializer(serializers.ModelSerializer):
    name = LocalizedField("name")

    class Meta:
        model = ScoringCriterion
        fields = ["id", "name", *per_language("name"), "weight", "order"]
        read_only_fields = ["id", "order"]


CRITERIA_HELP = "While the call is a draft, sent items replace the stored ones in order; left out, they are kept."


class CallSerializer(ProjectPartSerializer):
    """A call for proposals; its phase moves only through the workflow actions."""

    title = LocalizedField("title")
    description = LocalizedField("description")
    currency = CurrencyField(max_length=3)
    selection_method = SelectionMethodField(required=False)
    tie_rule = TieRuleField(required=False)
    phase = CallPhaseField(read_only=True)
    version = serializers.IntegerField(
        required=False, help_text="The version the edit started from; required when updating."
    )
    eligibility_criteria = EligibilityCriterionSerializer(many=True, required=False, help_text=CRITERIA_HELP)
    scoring_criteria = ScoringCriterionSerializer(
        many=True, required=False, help_text=f"{CRITERIA_HELP} Weights add up to 100 before the call opens."
    )

    class Meta:
        model = Call
        fields = [
            "id",
            "project",
            "title",
            "description",
            *per_language("title", "description"),
            "currency",
            "envelope",
            "max_per_grant",
            "min_cofinancing_percent",
            "opens_at",
            "closes_at",
            "time_zone",
            "selection_method",
            "quorum",
            "votes_per_participant",
            "tie_rule",
            "phase",
            "version",
            "eligibility_criteria",
            "scoring_criteria",
        ]

    def validate(self, attrs):
        return require_version(self, attrs)

    @staticmethod
    def criteria_of(data: dict) -> dict[str, list]:
        """Take the sent checklist and rubric out of the call's data, as unsaved rows for
        ``services.call_criteria_save`` (only those sent)."""
        sent = {
            "eligibility": (EligibilityCriterion, data.pop("eligibility_criteria", None)),
            "scoring": (ScoringCriterion, data.pop("scoring_criteria", None)),
        }
        return {key: [model(**row) for row in rows] for key, (model, rows) in sent.items() if rows is not None}


class ShortlistSerializer(serializers.Serializer):
    proposals = VisibleRelatedField(_visible_proposals, many=True, help_text="The proposals to shortlist.")
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="Told to the others.")


class TallySerializer(serializers.Serializer):
    session = VisibleRelatedField(_visible_sessions, help_text="A held forum session of the call's project.")
    votes = serializers.DictField(
        child=serializers.IntegerField(min_value=0), help_text="Votes per shortlisted proposal id."
    )


class OverrideSerializer(serializers.Serializer):
    proposal = VisibleRelatedField(_visible_proposals)
    selected = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, default="")


class DecideSerializer(serializers.Serializer):
    session = VisibleRelatedField(_visible_sessions, allow_null=True, required=False, default=None)
    minutes = serializers.CharField(allow_blank=True, required=False, default="")
    overrides = OverrideSerializer(many=True, required=False, default=list)


class CallRatesSerializer(serializers.Serializer):
    eligible = serializers.DecimalField(source="eligible_rate", max_digits=7, decimal_places=2, allow_null=True)
    shortlisted = serializers.DecimalField(source="shortlisted_rate", max_digits=7, decimal_places=2, allow_null=True)
    selected = serializers.DecimalField(source="selected_rate", max_digits=7, decimal_places=2, allow_null=True)


class CallFiguresSerializer(serializers.Serializer):
    """The call's funnel and money in its currency; rates and shares in percent of the submitted."""

    submitted = serializers.IntegerField()
    eligible = serializers.IntegerField()
    shortlisted = serializers.IntegerField()
    selected = serializers.IntegerField()
    requested = serializers.DecimalField(max_digits=16, decimal_places=2)
    awarded = serializers.DecimalField(max_digits=16, decimal_places=2)
    paid = serializers.DecimalField(max_digits=16, decimal_places=2)
    average_requested = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    average_grant = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    cofinancing_share = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    rates = CallRatesSerializer(source="*")
    currency = serializers.CharField()


class CallFilter(ProjectPartFilter):
    phase = django_filters.ChoiceFilter(choices=Call.Phase.choices)


def call_step(request_serializer=None, description: str = ""):
    return extend_schema(
        request=request_serializer,
        responses={200: CallSerializer, 400: INVALID, 403: REFUSED},
        description=description,
    )


@extend_schema_view(
    update=extend_schema(responses={200: CallSerializer, 409: STALE}),
    partial_update=extend_schema(responses={200: CallSerializer, 409: STALE}),
)
class CallViewSet(
    ActionPermissions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Calls of the projects the user may see (drafts only to coordinators); coordinators run them."""

    serializer_class = CallSerializer
    filterset_class = CallFilter
    permission_classes = [IsAuthenticatedToWrite]
    action_permissions = dict.fromkeys(
        ["update", "partial_update", "open", "close", "start_review", "shortlist", "tally", "decide"],
        "grants.manage_call",
    )

    def get_queryset(self):
        return (
            calls_visible_to(self.request.user)
            .select_related("project")
            .prefetch_related("eligibility_criteria", "scoring_criteria")
            .order_by("-opens_at", "pk")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        criteria = CallSerializer.criteria_of(data)
        saved = services.call_start(actor=self.request.user, call=Call(**data), **criteria)
        serializer.instance = self.get_queryset().get(pk=saved.pk)

    @transaction.atomic  # the call and its checklist and rubric are saved together, or nothing is
    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version")
        criteria = CallSerializer.criteria_of(data)
        call = serializer.instance
        for name, value in data.items():
            setattr(call, name, value)
        services.call_save(actor=self.request.user, call=call, expected_version=version)
        if criteria:
            services.call_criteria_save(actor=self.request.user, call=call, **criteria)
        serializer.instance = self.get_queryset().get(pk=call.pk)

    def _answer(self, call: Call) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=call.pk)).data)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return body.validated_data

    @call_step(description="Open a draft call (rubric weights must add up to 100).")
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        return self._answer(services.call_open(actor=request.user, call=self.get_object()))

    @call_step(description="Close an open call to new proposals.")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._answer(services.call_close(actor=request.user, call=self.get_object()))

    @call_step(description="Put the eligible proposals in review (the call must have closed).")
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request, pk=None):
        return self._answer(services.review_start(actor=request.user, call=self.get_object()))

    @call_step(ShortlistSerializer, "Shortlist proposals in review; the others are not selected.")
    @action(detail=True, methods=["post"])
    def shortlist(self, request, pk=None):
        call = self.get_object()
        body = self._body(ShortlistSerializer)
        services.shortlist(actor=request.user, call=call, proposals=body["proposals"], reason=body["reason"])
        return self._answer(call)

    @call_step(TallySerializer, "Record a held forum session's paper tally for the shortlisted proposals.")
    @action(detail=True, methods=["post"])
    def tally(self, request, pk=None):
        call = self.get_object()
        body = self._body(TallySerializer)
        by_id = {str(p.pk): p for p in call.proposals.filter(status=Proposal.Status.SHORTLISTED)}
        if not set(body["votes"]) <= set(by_id):
            raise serializers.ValidationError(
                {"votes": [_("Votes can only be recorded for the call's shortlisted proposals.")]}
            )
        votes = {by_id[key]: count for key, count in body["votes"].items()}
        services.tally_record(actor=request.user, call=call, session=body["session"], votes=votes)
        return self._answer(call)

    @call_step(DecideSerializer, "Select the winners by rank, with the coordinator's overrides.")
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        call = self.get_object()
        body = self._body(DecideSerializer)
        overrides = {row["proposal"]: (row["selected"], row["reason"]) for row in body["overrides"]}
        services.selection_decide(
            actor=request.user, call=call, session=body["session"], minutes=body["minutes"], overrides=overrides
        )
        return self._answer(call)

    @extend_schema(responses={200: CallFiguresSerializer})
    @action(detail=True, methods=["get"])
    def figures(self, request, pk=None):
        call = self.get_object()
        figures = selectors.calls_figures(Call.objects.filter(pk=call.pk))[0]
        return Response(CallFiguresSerializer(figures).data)


# --- Awards, read side (the award action of proposals answers with one) ------------------------


class TrancheSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tranche
        fields = ["id", "number", "planned_on", "amount", "paid_on", "paid_amount"]


class ReportedSpendingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportedSpending
        fields = ["budget_line", "amount"]


# --- Files: listed with a download URL that checks, like every endpoint, who may read them ----------


def absolute_url(context: dict, name: str, **kwargs) -> str:
    url = reverse(name, kwargs=kwargs)
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


class ReportPhotoSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(help_text="The photo, for whoever may read the award.")

    class Meta:
        model = ReportPhoto
        fields = ["id", "content_type", "size", "uploaded_at", "download_url"]

    def get_download_url(self, photo) -> str:
        return absolute_url(self.context, "award-photo", pk=photo.report.award_id, photo_pk=photo.pk)


class ProposalAttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(help_text="The document, for whoever may read the proposal.")

    class Meta:
        model = ProposalAttachment
        fields = ["id", "description", "content_type", "size", "uploaded_at", "download_url"]

    def get_download_url(self, attachment) -> str:
        return absolute_url(self.context, "proposal-attachment", pk=attachment.proposal_id, attachment_pk=attachment.pk)


class MonitoringReportSerializer(serializers.ModelSerializer):
    status = ReportStatusField(read_only=True)
    spending = ReportedSpendingSerializer(many=True, read_only=True)
    photos = ReportPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = MonitoringReport
        fields = ["id", "is_final", "progress", "status", "submitted_at", "coordinator_comment", "spending", "photos"]


class AwardSerializer(serializers.ModelSerializer):
    """A grant agreement with its tranches and monitoring reports (read-only: changed by the actions)."""

    tranches = TrancheSerializer(many=True, read_only=True)
    reports = MonitoringReportSerializer(many=True, read_only=True)
    proposal_status = ProposalStatusField(source="proposal.status", read_only=True)

    class Meta:
        model = Award
        fields = [
            "id",
            "proposal",
            "proposal_status",
            "amount",
            "currency",
            "signed_on",
            "starts_on",
            "ends_on",
            "final_report_due_on",
            "tranches",
            "reports",
        ]
        read_only_fields = fields


def award_queryset(awards):
    return awards.select_related("proposal__call").prefetch_related(
        "tranches", Prefetch("reports", queryset=MonitoringReport.objects.prefetch_related("spending", "photos"))
    )


# --- Proposals --------------------------------------------------------------------------------------


class ProposalBudgetLineSerializer(serializers.ModelSerializer):
    category = BudgetCategoryField()
    financed_by = FinancedByField()
    total = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = ProposalBudgetLine
        fields = ["id", "category", "description", "unit", "quantity", "unit_cost", "financed_by", "total"]
        read_only_fields = ["id"]


class ProposalBudgetSerializer(serializers.Serializer):
    grant = serializers.DecimalField(max_digits=16, decimal_places=2)
    cofinancing = serializers.DecimalField(max_digits=16, decimal_places=2)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    by_category = serializers.DictField(
        child=serializers.DecimalField(max_digits=16, decimal_places=2), help_text="Totals per budget category."
    )


class ProposalSerializer(serializers.ModelSerializer):
    """A proposal with its budget lines; ``budget`` and ``problems`` say whether the budget adds up."""

    call = VisibleRelatedField(lambda user: calls_visible_to(user))
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    municipality = serializers.PrimaryKeyRelatedField(
        queryset=Municipality.objects.all(), allow_null=True, required=False
    )
    language = LanguageField()
    status = ProposalStatusField(read_only=True)
    version = serializers.IntegerField(
        required=False, help_text="The version the edit started from; required when updating."
    )
    budget_lines = ProposalBudgetLineSerializer(
        many=True, required=False, help_text="Sent lines replace the stored ones; left out, they are kept."
    )
    budget = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField()
    attachments = ProposalAttachmentSerializer(
        many=True, read_only=True, help_text="Added and removed through the `attachments` actions."
    )

    class Meta:
        model = Proposal
        fields = [
            "id",
            "call",
            "organisation",
            "language",
            "title",
            "summary",
            "problem",
            "activities",
            "beneficiaries",
            "municipality",
            "duration_months",
            "requested_amount",
            "cofinancing_cash",
            "cofinancing_in_kind",
            "status",
            "submitted_at",
            "decision_reason",
            "version",
            "budget_lines",
            "budget",
            "problems",
            "attachments",
        ]
        read_only_fields = ["submitted_at", "decision_reason"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["call"].read_only = True
        return fields

    @extend_schema_field(ProposalBudgetSerializer)
    def get_budget(self, proposal) -> dict:
        return ProposalBudgetSerializer(selectors.proposal_budget(proposal, list(proposal.budget_lines.all()))).data

    def get_problems(self, proposal) -> list[str]:
        return services.budget_problems(proposal, proposal.budget_lines.all())

    def validate(self, attrs):
        return require_version(self, attrs)


class ScreeningAnswerSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(help_text="An item of the call's eligibility checklist.")
    met = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class ScreeningSerializer(serializers.Serializer):
    answers = ScreeningAnswerSerializer(many=True)


class TrancheInSerializer(serializers.Serializer):
    planned_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class NewTrancheInSerializer(TrancheInSerializer):
    number = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The number the new tranche will have (the planned tranches + 1). Sent, it makes a repeated "
        "request a no-op and refuses (409) a request made before someone else planned a tranche.",
    )


class AwardInSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    signed_on = serializers.DateField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    final_report_due_on = serializers.DateField()
    tranches = TrancheInSerializer(many=True, required=False, default=list)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, JPEG or PNG (checked by its content), at most 10 MB.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


ATTACHMENT_ID = OpenApiParameter("attachment_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The document.")


class ProposalFilter(django_filters.FilterSet):
    call = django_filters.ModelChoiceFilter(
        queryset=lambda request: calls_visible_to(request.user) if request else Call.objects.none()
    )
    status = django_filters.ChoiceFilter(choices=Proposal.Status.choices)


def proposal_step(request_serializer=None, description: str = ""):
    return extend_schema(
        request=request_serializer,
        responses={200: ProposalSerializer, 400: INVALID, 403: REFUSED},
        description=description,
    )


@extend_schema_view(
    update=extend_schema(responses={200: ProposalSerializer, 409: STALE}),
    partial_update=extend_schema(responses={200: ProposalSerializer, 409: STALE}),
)
class ProposalViewSet(
    ActionPermissions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Proposals the user may read; the applicant's NGO coordinators draft and submit them."""

    serializer_class = ProposalSerializer
    filterset_class = ProposalFilter
    permission_classes = [IsAuthenticatedToWrite]
    # Changes are for those who apply for the proposal (``withdraw_proposal``): whether it is still a draft
    # the service says, with its reason. ``submit`` too: a second click on a submitted proposal is a no-op.
    action_permissions = {
        **dict.fromkeys(
            ["update", "partial_update", "attachments", "remove_attachment", "submit", "withdraw"],
            "grants.withdraw_proposal",
        ),
        "screen": "grants.screen_proposal",
        "award": "grants.manage_call",
    }

    def permission_object(self, proposal):
        return proposal.call if self.action == "award" else proposal

    def get_queryset(self):
        return selectors.proposals_for_list(self.request.user).prefetch_related(
            Prefetch("budget_lines", queryset=ProposalBudgetLine.objects.order_by("order", "pk")), "attachments"
        )

    @staticmethod
    def _lines(rows) -> list[ProposalBudgetLine] | None:
        return None if rows is None else [ProposalBudgetLine(**row) for row in rows]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        lines = self._lines(data.pop("budget_lines", None))
        data.pop("version", None)
        saved = services.proposal_save_draft(actor=self.request.user, proposal=Proposal(**data), budget_lines=lines)
        serializer.instance = self.get_queryset().get(pk=saved.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        lines = self._lines(data.pop("budget_lines", None))
        version = data.pop("version")
        proposal = serializer.instance
        for name, value in data.items():
            setattr(proposal, name, value)
        services.proposal_save_draft(
            actor=self.request.user, proposal=proposal, budget_lines=lines, expected_version=version
        )
        serializer.instance = self.get_queryset().get(pk=proposal.pk)

    def _answer(self, proposal: Proposal) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=proposal.pk)).data)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return body.validated_data

    @proposal_step(description="Submit a draft whose budget adds up; submitting twice changes nothing.")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._answer(services.proposal_submit(actor=request.user, proposal=self.get_object()))

    @proposal_step(description="The applicant withdraws the proposal before any decision.")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._answer(services.proposal_withdraw(actor=request.user, proposal=self.get_object()))

    @proposal_step(ScreeningSerializer, "Answer every item of the call's eligibility checklist.")
    @action(detail=True, methods=["post"])
    def screen(self, request, pk=None):
        proposal = self.get_object()
        body = self._body(ScreeningSerializer)
        checklist = {criterion.pk: criterion for criterion in proposal.call.eligibility_criteria.all()}
        if any(row["criterion"] not in checklist for row in body["answers"]):
            raise DjangoValidationError(_("Answer every item of the call's eligibility checklist."))
        answers = {checklist[row["criterion"]]: (row["met"], row["reason"]) for row in body["answers"]}
        return self._answer(services.proposal_screen(actor=request.user, proposal=proposal, answers=answers))

    @extend_schema(
        request=AwardInSerializer,
        responses={201: AwardSerializer, 400: INVALID, 403: REFUSED},
        description="Contract a selected proposal, with its planned tranches.",
    )
    @action(detail=True, methods=["post"])
    def award(self, request, pk=None):
        proposal = self.get_object()
        body = self._body(AwardInSerializer)
        award = services.award_create(
            actor=request.user,
            proposal=proposal,
            amount=body["amount"],
            signed_on=body["signed_on"],
            starts_on=body["starts_on"],
            ends_on=body["ends_on"],
            final_report_due_on=body["final_report_due_on"],
            tranches=[(row["planned_on"], row["amount"]) for row in body["tranches"]],
        )
        award = award_queryset(Award.objects.filter(pk=award.pk)).get()
        return Response(AwardSerializer(award, context=self.get_serializer_context()).data, status=201)

    def _attachment(self, attachment_pk) -> ProposalAttachment:
        return get_object_or_404(ProposalAttachment, pk=attachment_pk, proposal=self.get_object())

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: ProposalAttachmentSerializer, 400: INVALID, 403: REFUSED},
        description="The applicant adds a document to a draft: a `file` part (PDF, JPEG or PNG by its content, "
        "at most 10 MB) and an optional `description`. Another type is refused (400) and nothing is stored.",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request, pk=None):
        body = self._body(AttachmentUploadSerializer)
        attachment = services.proposal_attachment_add(
            actor=request.user, proposal=self.get_object(), upload=body["file"], description=body["description"]
        )
        return Response(
            ProposalAttachmentSerializer(attachment, context=self.get_serializer_context()).data, status=201
        )

    @extend_schema(
        parameters=[ATTACHMENT_ID],
        responses={(200, media_type): OpenApiTypes.BINARY for media_type in sorted(ALLOWED_TYPES)},
        description="Download a document of a proposal the user may read.",
    )
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_pk>[0-9]+)", url_name="attachment")
    def attachment(self, request, pk=None, attachment_pk=None):
        return stored_file_response(self._attachment(attachment_pk))

    @extend_schema(
        parameters=[ATTACHMENT_ID],
        responses={204: None, 400: INVALID, 403: REFUSED},
        description="The applicant removes a document from a draft.",
    )
    @attachment.mapping.delete
    def remove_attachment(self, request, pk=None, attachment_pk=None):
        services.proposal_attachment_remove(actor=request.user, attachment=self._attachment(attachment_pk))
        return Response(status=204)


# --- Reviews ----------------------------------------------------------------------------------------


class ReviewScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewScore
        fields = ["criterion", "score"]


class ReviewSerializer(serializers.ModelSerializer):
    """A reviewer's conflict declaration and scores; created by the coordinator's assignment."""

    proposal = VisibleRelatedField(_visible_proposals)
    reviewer = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True))
    scores = ReviewScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "proposal",
            "reviewer",
            "assigned_by",
            "has_conflict",
            "declared_at",
            "comment",
            "submitted_at",
            "scores",
        ]
        read_only_fields = ["assigned_by", "has_conflict", "declared_at", "comment", "submitted_at"]


class DeclareSerializer(serializers.Serializer):
    has_conflict = serializers.BooleanField()


class ScoreInSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(help_text="A criterion of the call's rubric.")
    score = serializers.IntegerField(min_value=0, max_value=10)


class ReviewSubmitSerializer(serializers.Serializer):
    scores = ScoreInSerializer(many=True)
    comment = serializers.CharField(allow_blank=True, required=False, default="")


def review_step(request_serializer, description: str):
    return extend_schema(
        request=request_serializer,
        responses={200: ReviewSerializer, 400: INVALID, 403: REFUSED},
        description=description,
    )


class ReviewViewSet(
    ActionPermissions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The user's own reviews and, for coordinators, their projects'; creating one assigns a reviewer."""

    serializer_class = ReviewSerializer
    permission_classes = [IsAuthenticatedToWrite]
    filterset_fields = ["proposal"]
    action_permissions = dict.fromkeys(["declare", "submit"], "grants.review")

    def get_queryset(self):
        return (
            reviews_visible_to(self.request.user)
            .select_related("proposal__call")
            .prefetch_related("scores")
            .order_by("proposal_id", "pk")
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        review = services.review_assign(actor=self.request.user, proposal=data["proposal"], reviewer=data["reviewer"])
        serializer.instance = self.get_queryset().get(pk=review.pk)

    def _answer(self, review: Review) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=review.pk)).data)

    @review_step(DeclareSerializer, "The reviewer declares whether they have a conflict of interest.")
    @action(detail=True, methods=["post"])
    def declare(self, request, pk=None):
        review = self.get_object()
        body = DeclareSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            services.review_declare(actor=request.user, review=review, has_conflict=body.validated_data["has_conflict"])
        )

    @review_step(ReviewSubmitSerializer, "Score every criterion of the rubric from 0 to 10.")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        review = self.get_object()
        body = ReviewSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rubric = {criterion.pk: criterion for criterion in review.proposal.call.scoring_criteria.all()}
        rows = body.validated_data["scores"]
        if any(row["criterion"] not in rubric for row in rows):
            raise DjangoValidationError(_("Score every criterion of the rubric."))
        scores = {rubric[row["criterion"]]: row["score"] for row in rows}
        return self._answer(
            services.review_submit(
                actor=request.user, review=review, scores=scores, comment=body.validated_data["comment"]
            )
        )


# --- Awards -----------------------------------------------------------------------------------------


class TranchePaySerializer(serializers.Serializer):
    tranche = serializers.IntegerField()
    paid_on = serializers.DateField()
    paid_amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class SpendingInSerializer(serializers.Serializer):
    budget_line = serializers.IntegerField(help_text="A budget line of the awarded proposal.")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class ReportInSerializer(serializers.Serializer):
    progress = serializers.CharField(allow_blank=True)
    is_final = serializers.BooleanField(required=False, default=False)
    spending = SpendingInSerializer(many=True, required=False, default=list)


class ReportWithPhotosSerializer(ReportInSerializer):
    """The report as multipart/form-data: spending rows as ``spending[0]budget_line`` and
    ``spending[0]amount``, and one ``photos`` part per photo."""

    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="JPEG or PNG photos, checked by their content; one part per photo.",
    )


class ReportReviewSerializer(serializers.Serializer):
    report = serializers.IntegerField()
    approve = serializers.BooleanField()
    comment = serializers.CharField(allow_blank=True, required=False, default="")


def award_step(request_serializer=None, description: str = "", *, may_be_stale: bool = False):
    return extend_schema(
        request=request_serializer,
        responses={200: AwardSerializer, 400: INVALID, 403: REFUSED, **({409: STALE} if may_be_stale else {})},
        description=description,
    )


class AwardViewSet(ActionPermissions, viewsets.ReadOnlyModelViewSet):
    """Awards the user may read: the grantee's NGO coordinators, the project's coordinators, staff."""

    serializer_class = AwardSerializer
    permission_classes = [IsAuthenticatedToWrite]
    action_permissions = {
        **dict.fromkeys(["add_tranche", "pay_tranche", "review_report", "complete"], "grants.manage_award"),
        "report": "grants.report_on_award",
    }

    def get_queryset(self):
        return award_queryset(awards_visible_to(self.request.user)).order_by("pk")

    def _answer(self, award: Award) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=award.pk)).data)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return body.validated_data

    @award_step(NewTrancheInSerializer, "Plan another payment within what is left of the award.", may_be_stale=True)
    @action(detail=True, methods=["post"], url_path="add-tranche")
    def add_tranche(self, request, pk=None):
        award = self.get_object()
        services.tranche_add(actor=request.user, award=award, **self._body(NewTrancheInSerializer))
        return self._answer(award)

    @award_step(TranchePaySerializer, "Record the payment of a tranche.")
    @action(detail=True, methods=["post"], url_path="pay-tranche")
    def pay_tranche(self, request, pk=None):
        award = self.get_object()
        body = self._body(TranchePaySerializer)
        tranche = award.tranches.filter(pk=body["tranche"]).first()
        if tranche is None:
            raise serializers.ValidationError({"tranche": [_("Choose a tranche of this award.")]})
        services.tranche_pay(
            actor=request.user, tranche=tranche, paid_on=body["paid_on"], paid_amount=body["paid_amount"]
        )
        return self._answer(award)

    @extend_schema(
        request={"application/json": ReportInSerializer, "multipart/form-data": ReportWithPhotosSerializer},
        responses={200: AwardSerializer, 400: INVALID, 403: REFUSED},
        description="The grantee reports progress and spending per budget line; sent as multipart/form-data, "
        "with photos. A photo that is not a JPEG or PNG by its content refuses the whole report (400): "
        "nothing is stored.",
    )
    @action(detail=True, methods=["post"], parser_classes=[*api_settings.DEFAULT_PARSER_CLASSES, MultiPartParser])
    def report(self, request, pk=None):
        award = self.get_object()
        body = self._body(ReportWithPhotosSerializer)
        lines = {line.pk: line for line in ProposalBudgetLine.objects.filter(proposal=award.proposal_id)}
        if any(row["budget_line"] not in lines for row in body["spending"]):
            raise DjangoValidationError(_("Spending can only be reported on the proposal's own budget lines."))
        spending = {lines[row["budget_line"]]: row["amount"] for row in body["spending"]}
        services.monitoring_report_submit(
            actor=request.user,
            award=award,
            progress=body["progress"],
            spending=spending,
            photos=body["photos"],
            is_final=body["is_final"],
        )
        return self._answer(award)

    @extend_schema(
        parameters=[OpenApiParameter("photo_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The photo.")],
        responses={(200, media_type): OpenApiTypes.BINARY for media_type in sorted(IMAGE_TYPES)},
        description="Download a photo of one of the award's monitoring reports.",
    )
    @action(detail=True, methods=["get"], url_path=r"photos/(?P<photo_pk>[0-9]+)", url_name="photo")
    def photo(self, request, pk=None, photo_pk=None):
        return stored_file_response(get_object_or_404(ReportPhoto, pk=photo_pk, report__award=self.get_object()))

    @award_step(ReportReviewSerializer, "Approve a monitoring report, or send it back with a comment.")
    @action(detail=True, methods=["post"], url_path="review-report")
    def review_report(self, request, pk=None):
        award = self.get_object()
        body = self._body(ReportReviewSerializer)
        report = award.reports.filter(pk=body["report"]).first()
        if report is None:
            raise serializers.ValidationError({"report": [_("Choose a report of this award.")]})
        services.monitoring_report_review(
            actor=request.user, report=report, approve=body["approve"], comment=body["comment"]
        )
        return self._answer(award)

    @award_step(description="Close the grant once its final report is approved.")
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._answer(services.award_complete(actor=request.user, award=self.get_object()))


def register(router) -> None:
    router.register("calls", CallViewSet, basename="call")
    router.register("proposals", ProposalViewSet, basename="proposal")
    router.register("reviews", ReviewViewSet, basename="review")
    router.register("awards", AwardViewSet, basename="award")
