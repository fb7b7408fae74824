"""REST API of the project registry under /api/v1/.

Every queryset is scoped by ``Project.objects.visible_to``; every write goes through the same
service as the pages, so the API enforces the same permissions and validation.
"""

from __future__ import annotations

import django_filters
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets

from accounts.permissions import ActionPermissions

from . import selectors, services
from .filters import ProjectFilter
from .i18n import localized, per_language
from .models import (
    Activity,
    BudgetLine,
    Country,
    Expenditure,
    FundingContribution,
    Municipality,
    Objective,
    Organisation,
    Partner,
    Project,
    Result,
    TargetGroup,
)
from .translation import ProjectTranslation


@extend_schema_field(OpenApiTypes.STR)
class LocalizedField(serializers.Field):
    """A translated field in the request's language (falling back to the original language)."""

    def __init__(self, field: str, **kwargs):
        self.translated_field = field
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj) -> str:
        return localized(obj, self.translated_field).text


class CurrencyField(serializers.CharField):
    """An ISO 4217 code; lower case is accepted and stored upper case."""

    def to_internal_value(self, data):
        return super().to_internal_value(data).strip().upper()


class MunicipalitySerializer(serializers.ModelSerializer):
    name = LocalizedField("name")
    country = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Municipality
        fields = ["id", "country", "name", *per_language("name")]


class OrganisationSerializer(serializers.ModelSerializer):
    name = LocalizedField("name")
    country = serializers.SlugRelatedField(
        slug_field="code", queryset=Country.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            *per_language("name"),
            "acronym",
            "kind",
            "country",
            "municipality",
            "website",
            "iati_identifier",
        ]


class ProjectPartSerializer(serializers.ModelSerializer):
    """Base of the rows a project owns: ``project`` is chosen among visible projects, on create only."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if "project" in fields and request is not None:
            if self.instance is not None:
                fields["project"].read_only = True
            else:
                fields["project"].queryset = Project.objects.visible_to(request.user)
        return fields


class PartnerSerializer(ProjectPartSerializer):
    organisation_name = serializers.SerializerMethodField()

    class Meta:
        model = Partner
        fields = ["id", "project", "organisation", "organisation_name", "role", "order"]

    def get_organisation_name(self, partner) -> str:
        return localized(partner.organisation, "name").text


class FundingContributionSerializer(ProjectPartSerializer):
    currency = CurrencyField(max_length=3, required=False, allow_blank=True)

    class Meta:
        model = FundingContribution
        fields = ["id", "project", "funder", "kind", "amount", "currency", "value_date", "order"]


def text_serializer(model_class, *extra_fields: str) -> type[ProjectPartSerializer]:
    """A serializer for an ordered translated statement (objective, target group, result, activity)."""
    meta = type(
        "Meta",
        (),
        {"model": model_class, "fields": ["id", "project", *extra_fields, "text", *per_language("text"), "order"]},
    )
    return type(
        f"{model_class.__name__}Serializer", (ProjectPartSerializer,), {"Meta": meta, "text": LocalizedField("text")}
    )


ObjectiveSerializer = text_serializer(Objective, "level")
TargetGroupSerializer = text_serializer(TargetGroup)
ResultSerializer = text_serializer(Result, "kind")
ActivitySerializer = text_serializer(Activity)


class BudgetLineSerializer(ProjectPartSerializer):
    description = LocalizedField("description")
    currency = CurrencyField(max_length=3)

    class Meta:
        model = BudgetLine
        fields = [
            "id",
            "project",
            "category",
            "description",
            *per_language("description"),
            "amount",
            "currency",
            "order",
        ]


class ExpenditureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Expenditure
        fields = ["id", "budget_line", "spent_on", "amount", "description"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["budget_line"].queryset = BudgetLine.objects.filter(
                project__in=Project.objects.visible_to(request.user)
            )
        return fields


class EurSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    rate = serializers.DecimalField(
        source="rate.units_per_eur", max_digits=18, decimal_places=6, allow_null=True, default=None
    )
    rate_date = serializers.DateField(source="rate.valid_from", allow_null=True, default=None)


class ContributionFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="contribution.id")
    funder = serializers.SerializerMethodField()
    kind = serializers.CharField(source="contribution.kind")
    amount = serializers.DecimalField(source="contribution.amount", max_digits=14, decimal_places=2, allow_null=True)
    currency = serializers.CharField(source="contribution.currency")
    share_percent = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    eur = EurSerializer()

    def get_funder(self, figures) -> str | None:
        funder = figures.contribution.funder
        return localized(funder, "name").text if funder else None


class CurrencyTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    eur = EurSerializer()


class FundingFiguresSerializer(serializers.Serializer):
    contributions = ContributionFiguresSerializer(many=True)
    totals = CurrencyTotalSerializer(many=True)
    total_eur = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    has_unknown_amounts = serializers.BooleanField()
    share_basis = serializers.CharField(allow_null=True)


class BudgetTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    planned = serializers.DecimalField(max_digits=16, decimal_places=2)
    spent = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)


class ProjectSerializer(serializers.ModelSerializer):
    """A project with its partners, funding, objectives and budget; figures come from the selectors."""

    page_url = serializers.SerializerMethodField()
    title = LocalizedField("title")
    summary = LocalizedField("summary")
    countries = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Country.objects.all(), required=False
    )
    target_municipalities = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Municipality.objects.all(), required=False
    )
    total_budget_currency = CurrencyField(max_length=3, required=False, allow_blank=True)
    version = serializers.IntegerField(
        required=False, help_text="The version the edit started from; required when updating."
    )
    partners = PartnerSerializer(many=True, read_only=True)
    contributions = FundingContributionSerializer(many=True, read_only=True)
    objectives = ObjectiveSerializer(many=True, read_only=True)
    target_groups = TargetGroupSerializer(many=True, read_only=True)
    results = ResultSerializer(many=True, read_only=True)
    activities = ActivitySerializer(many=True, read_only=True)
    budget_lines = BudgetLineSerializer(many=True, read_only=True)
    funding = serializers.SerializerMethodField()
    budget_totals = serializers.SerializerMethodField()
    duration_months_computed = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "page_url",
            "title",
            "summary",
            *per_language(*ProjectTranslation.fields),
            "original_language",
            "status",
            "is_public",
            "start_date",
            "start_precision",
            "end_date",
            "end_precision",
            "duration_months",
            "duration_months_computed",
            "countries",
            "target_municipalities",
            "target_municipality_count",
            "total_budget_amount",
            "total_budget_currency",
            "total_budget_basis",
            "website",
            "version",
            "partners",
            "contributions",
            "funding",
            "objectives",
            "target_groups",
            "results",
            "activities",
            "budget_lines",
            "budget_totals",
        ]

    def get_page_url(self, project) -> str:
        url = reverse("projects:detail", kwargs={"code": project.code})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    @extend_schema_field(FundingFiguresSerializer)
    def get_funding(self, project) -> dict:
        # The context is shared by every project of a list page: read the rates once for all of them.
        if "rates" not in self.context:
            self.context["rates"] = selectors.RateBook.everything()
        figures = selectors.project_funding(project, list(project.contributions.all()), rates=self.context["rates"])
        return FundingFiguresSerializer(figures).data

    @extend_schema_field(BudgetTotalSerializer(many=True))
    def get_budget_totals(self, project) -> list:
        figures = selectors.project_budget(project, list(project.budget_lines.all()))
        return BudgetTotalSerializer(figures.totals, many=True).data

    def get_duration_months_computed(self, project) -> int | None:
        return selectors.project_duration_months(project)

    def validate(self, attrs):
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError({"version": "Send the version the edit started from."})
        return attrs


class IsAuthenticatedToWrite(permissions.IsAuthenticatedOrReadOnly):
    """Anyone may read what they can see; writes need a signed-in user (roles are checked by services)."""


@extend_schema_view(
    update=extend_schema(
        responses={200: ProjectSerializer, 409: OpenApiResponse(description="Edited by someone else since `version`.")}
    ),
    partial_update=extend_schema(
        responses={200: ProjectSerializer, 409: OpenApiResponse(description="Edited by someone else since `version`.")}
    ),
)
class ProjectViewSet(
    ActionPermissions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Projects the user may see. Filter by ``?code=``, ``?country=MK``, ``?status=``, ``?funder=``, ``?q=``."""

    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    permission_classes = [IsAuthenticatedToWrite]
    action_permissions = dict.fromkeys(["update", "partial_update"], "projects.change_project")

    def get_queryset(self):
        return selectors.project_with_details(Project.objects.visible_to(self.request.user)).order_by("code")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        countries = data.pop("countries", [])
        municipalities = data.pop("target_municipalities", [])
        data.pop("version", None)
        serializer.instance = services.project_create(
            actor=self.request.user,
            project=Project(**data),
            countries=countries,
            target_municipalities=municipalities,
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        countries = data.pop("countries", None)
        municipalities = data.pop("target_municipalities", None)
        version = data.pop("version")
        project = serializer.instance
        for name, value in data.items():
            setattr(project, name, value)
        services.project_update(
            actor=self.request.user,
            project=project,
            expected_version=version,
            countries=countries,
            target_municipalities=municipalities,
        )
        serializer.instance = self.get_queryset().get(pk=project.pk)


def visible_projects(request):
    """Choices of a ``?project=`` filter: a project the user cannot see is as unknown as a missing one."""
    return Project.objects.visible_to(request.user) if request is not None else Project.objects.none()


def visible_budget_lines(request):
    return BudgetLine.objects.filter(project__in=visible_projects(request))


class ProjectPartFilter(django_filters.FilterSet):
    project = django_filters.ModelChoiceFilter(queryset=visible_projects)


class ExpenditureFilter(django_filters.FilterSet):
    budget_line = django_filters.ModelChoiceFilter(queryset=visible_budget_lines)


class ProjectPartViewSet(ActionPermissions, viewsets.ModelViewSet):
    """Rows a project owns, in projects the user may see; writes go through ``project_parts_update``."""

    permission_classes = [IsAuthenticatedToWrite]
    project_lookup = "project"
    filterset_class = ProjectPartFilter

    @property
    def action_permissions(self) -> dict[str, str]:
        permission = services.PART_PERMISSIONS[self.get_serializer_class().Meta.model]
        return dict.fromkeys(["update", "partial_update", "destroy"], permission)

    def permission_object(self, instance):
        return self.project_of(instance)

    def get_queryset(self):
        model = self.get_serializer_class().Meta.model
        visible = Project.objects.visible_to(self.request.user)
        return model.objects.filter(**{f"{self.project_lookup}__in": visible}).order_by("pk")

    def project_of(self, instance):
        return instance.project

    def perform_create(self, serializer):
        instance = serializer.Meta.model(**serializer.validated_data)
        services.project_parts_update(actor=self.request.user, project=self.project_of(instance), saved=[instance])
        serializer.instance = instance

    def perform_update(self, serializer):
        instance = serializer.instance
        # The project the row belongs to before the edit: permission is checked on it, and the service
        # refuses a row moved to another project (an expenditure's budget line can be changed).
        project = self.project_of(instance)
        for name, value in serializer.validated_data.items():
            setattr(instance, name, value)
        services.project_parts_update(actor=self.request.user, project=project, saved=[instance])

    def perform_destroy(self, instance):
        services.project_parts_update(actor=self.request.user, project=self.project_of(instance), deleted=[instance])


def part_viewset(serializer_class) -> type[ProjectPartViewSet]:
    return type(
        f"{serializer_class.Meta.model.__name__}ViewSet", (ProjectPartViewSet,), {"serializer_class": serializer_class}
    )


class ExpenditureViewSet(ProjectPartViewSet):
    serializer_class = ExpenditureSerializer
    project_lookup = "budget_line__project"
    filterset_class = ExpenditureFilter

    def project_of(self, instance):
        return instance.budget_line.project


class MunicipalityViewSet(viewsets.ReadOnlyModelViewSet):
    """Municipalities, filterable by ``?country=MK``."""

    serializer_class = MunicipalitySerializer
    queryset = Municipality.objects.select_related("country").order_by("country__code", "name_en")
    filterset_fields = {"country__code": ["exact"]}


class OrganisationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Organisations; coordinators may register new ones."""

    serializer_class = OrganisationSerializer
    queryset = Organisation.objects.select_related("country").order_by("name_en")
    permission_classes = [IsAuthenticatedToWrite]
    filterset_fields = ["kind"]

    def perform_create(self, serializer):
        serializer.instance = services.organisation_create(
            actor=self.request.user, organisation=Organisation(**serializer.validated_data)
        )


def register(router) -> None:
    router.register("projects", ProjectViewSet, basename="project")
    router.register("partners", part_viewset(PartnerSerializer), basename="partner")
    router.register(
        "funding-contributions", part_viewset(FundingContributionSerializer), basename="fundingcontribution"
    )
    router.register("objectives", part_viewset(ObjectiveSerializer), basename="objective")
    router.register("target-groups", part_viewset(TargetGroupSerializer), basename="targetgroup")
    router.register("results", part_viewset(ResultSerializer), basename="result")
    router.register("activities", part_viewset(ActivitySerializer), basename="activity")
    router.register("budget-lines", part_viewset(BudgetLineSerializer), basename="budgetline")
    router.register("expenditures", ExpenditureViewSet, basename="expenditure")
    router.register("municipalities", MunicipalityViewSet, basename="municipality")
    router.register("organisations", OrganisationViewSet, basename="organisation")
