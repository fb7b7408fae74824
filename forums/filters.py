"""Filters of the session lists and calendar. Municipal staff start with the municipalities they serve."""

import django_filters
from django.utils.translation import gettext_lazy as _

from projects.models import Municipality
from projects.widgets import QuickSelect

from .models import Category, ForumSession, Kind


class SessionFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(label=_("Category"), choices=Category.choices, method="in_category")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ForumSession.Status.choices)
    municipality = django_filters.ModelChoiceFilter(
        label=_("Municipality"), queryset=Municipality.objects.none(), widget=QuickSelect
    )
    mine = django_filters.BooleanFilter(
        label=_("Only the municipalities I serve"), method="in_served", widget=django_filters.widgets.BooleanWidget()
    )

    class Meta:
        model = ForumSession
        fields = ["category", "kind", "status", "municipality", "mine"]

    def __init__(self, data=None, *args, served: set[int] = frozenset(), **kwargs):
        self.served = served
        if data is None and served:
            data = {"mine": "true"}  # staff first see their own municipalities' sessions
        super().__init__(data, *args, **kwargs)
        self.filters["municipality"].queryset = Municipality.objects.filter(
            pk__in=self.queryset.values("municipality")
        ).select_related("country")
        if not served:
            del self.filters["mine"]

    def in_category(self, queryset, name, value):
        return queryset.filter(kind__in=Kind.of_category(value))

    def in_served(self, queryset, name, value):
        return queryset.filter(municipality__in=self.served) if value else queryset
