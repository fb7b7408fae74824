"""``GET /api/v1/projects/{id}/summary/``: the figures an executive summary prints, as JSON.

The answer is ``reports.figures.executive_summary`` written out, so the API and the PDF can never
disagree. Amounts and averages are decimal strings, counts carry their qualifier, unknown is null.
Included from ``config/urls.py`` under ``/api/v1/``.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from forums.api import CategoryField, CountFigureSerializer, DecimalFigureSerializer, LanguageField, QualifierField
from projects.api import IsAuthenticatedToWrite
from projects.i18n import LANGUAGE_CODES
from projects.models import FundingContribution, Project
from reports.figures import executive_summary


def amount_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


class SummaryEurSerializer(serializers.Serializer):
    """A euro equivalent and the dated rate behind it; ``amount`` null where no rate is stored."""

    amount = amount_field(allow_null=True)
    rate = serializers.DecimalField(
        max_digits=18, decimal_places=6, allow_null=True, help_text="Units of the currency per euro."
    )
    rate_date = serializers.DateField(allow_null=True, help_text="The day the rate is valid from.")
    rate_is_fixed = serializers.BooleanField(help_text="A pegged currency (BGN, BAM): valid whatever the date.")


class SummaryMoneyTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    amount = amount_field()
    qualifier = QualifierField(help_text="`at_least` when the amount of a contribution is unknown.")
    basis = serializers.CharField(help_text="`planned`, `actual` (actually spent) or empty when not stated.")
    eur = SummaryEurSerializer()


@extend_schema_field(
    {"type": "string", "enum": FundingContribution.Kind.values, "description": "What kind of funder contributes."},
    component_name="FundingKindEnum",
)
class FundingKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=FundingContribution.Kind.choices, **kwargs)


class SummaryContributionSerializer(serializers.Serializer):
    funder = serializers.CharField(source="funder.name.text", allow_null=True, help_text="`null`: not named.")
    kind = FundingKindField()
    amount = amount_field(allow_null=True)
    currency = serializers.CharField(help_text="Empty when the amount is unknown.")
    share_percent = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    eur = SummaryEurSerializer()


class SummaryBudgetSerializer(serializers.Serializer):
    totals = SummaryMoneyTotalSerializer(
        many=True, help_text="Per currency: the stated total budget, else the contributions added up."
    )
    contributions = SummaryContributionSerializer(many=True)
    total_eur = amount_field(allow_null=True, help_text="`null` unless every part has a euro rate.")
    share_basis = serializers.CharField(
        allow_null=True, help_text="What the shares are of: `stated_total`, `sum` or `eur`; `null`: no shares."
    )


class SummaryPlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="name.text")


class SummaryMunicipalitySerializer(serializers.Serializer):
    municipality = SummaryPlaceSerializer(allow_null=True, help_text="`null`: the place is not recorded.")
    sessions = serializers.IntegerField(help_text="Held sessions.")
    participants = CountFigureSerializer()
    average_per_session = DecimalFigureSerializer(help_text="Over the sessions with figures only.")


class SummaryCategorySerializer(serializers.Serializer):
    category = CategoryField()
    sessions = serializers.IntegerField(help_text="Held sessions.")
    participants = CountFigureSerializer()
    average_per_session = DecimalFigureSerializer(help_text="Over the sessions with figures only.")
    by_municipality = SummaryMunicipalitySerializer(many=True)


class SummaryGrantsSerializer(serializers.Serializer):
    """The project's small-grant calls added up within one currency."""

    currency = serializers.CharField()
    calls = serializers.IntegerField()
    submitted = serializers.IntegerField(help_text="Proposals submitted.")
    selected = serializers.IntegerField(help_text="Proposals selected for a grant.")
    requested = amount_field(help_text="Requested by the submitted proposals.")
    awarded = amount_field(help_text="Signed in grant agreements.")
    paid = amount_field()


class SummarySerializer(serializers.Serializer):
    """The figures of a project's executive summary; texts in ``language``."""

    code = serializers.CharField()
    title = serializers.CharField(source="title.text")
    language = LanguageField()
    start = serializers.DateField(source="period.start", allow_null=True)
    start_precision = serializers.CharField(source="period.start_precision", help_text="`day`, `month` or `year`.")
    end = serializers.DateField(source="period.end", allow_null=True)
    end_precision = serializers.CharField(source="period.end_precision", help_text="`day`, `month` or `year`.")
    duration_months = serializers.IntegerField(
        source="period.duration_months", allow_null=True, help_text="Published, else computed from the dates."
    )
    budget = SummaryBudgetSerializer()
    participation = SummaryCategorySerializer(help_text="Forum sessions.")
    trainings = SummaryCategorySerializer()
    events = SummaryCategorySerializer(help_text="Public events: consultations, round tables, conferences.")
    participants_total = CountFigureSerializer(help_text="Every held gathering.")
    grants = SummaryGrantsSerializer(many=True, help_text="Per currency of the calls.")


class SummaryQuerySerializer(serializers.Serializer):
    language = LanguageField(required=False)


class ProjectSummaryView(APIView):
    """The executive summary's figures of a project the user may see (404 otherwise)."""

    permission_classes = [IsAuthenticatedToWrite]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "language",
                OpenApiTypes.STR,
                enum=LANGUAGE_CODES,
                description="Language of the texts; the request's language by default.",
            )
        ],
        responses={200: SummarySerializer, 404: OpenApiResponse(description="No such project.")},
    )
    def get(self, request, pk: int):
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        language = query.validated_data.get("language") or get_language()
        project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
        return Response(SummarySerializer(executive_summary(project, language)).data)


urlpatterns = [
    path("projects/<int:pk>/summary/", ProjectSummaryView.as_view(), name="project-summary"),
]
