"""Search and filters of the project list, shared by the page and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .i18n import per_language
from .models import Country, Municipality, Organisation, Partner, Project
from .widgets import QuickSelect


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    code = django_filters.CharFilter(label=_("Code"), field_name="code", lookup_expr="iexact")
    country = django_filters.ModelChoiceFilter(
        label=_("Country"),
        field_name="countries",
        queryset=Country.objects.all(),
        to_field_name="code",
        widget=QuickSelect,
    )
    municipality = django_filters.ModelChoiceFilter(
        label=_("Municipality"),
        field_name="target_municipalities",
        queryset=Municipality.objects.all(),
        widget=QuickSelect,
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Project.Status.choices, widget=QuickSelect)
    funder = django_filters.ModelChoiceFilter(
        label=_("Funder"),
        widget=QuickSelect,
        queryset=Organisation.objects.filter(
            Q(contributions__isnull=False) | Q(partnerships__role=Partner.Role.FUNDER)
        ).distinct(),
        method="funded_by",
    )

    class Meta:
        model = Project
        fields = ["q", "code", "country", "municipality", "status", "funder"]

    def search(self, queryset, name, value):
        terms = Q(code__icontains=value)
        for field in per_language("title", "summary"):
            terms |= Q(**{f"{field}__icontains": value})
        return queryset.filter(terms)

    def funded_by(self, queryset, name, value: int):
        return queryset.filter(
            Q(contributions__funder=value) | Q(partners__organisation=value, partners__role=Partner.Role.FUNDER)
        ).distinct()
