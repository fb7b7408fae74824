"""Admin for every registry model, with one tab per language on translated fields."""

from django.contrib import admin
from modeltranslation.admin import TabbedTranslationAdmin, TranslationStackedInline, TranslationTabularInline

from .models import (
    Activity,
    BudgetLine,
    Country,
    ExchangeRate,
    Expenditure,
    FundingContribution,
    Membership,
    Municipality,
    Objective,
    Organisation,
    Partner,
    Project,
    Result,
    TargetGroup,
)


@admin.register(Country)
class CountryAdmin(TabbedTranslationAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Municipality)
class MunicipalityAdmin(TabbedTranslationAdmin):
    list_display = ["name", "country"]
    list_filter = ["country"]
    search_fields = ["name_en", "name_mk", "name_bg", "name_sq"]


@admin.register(Organisation)
class OrganisationAdmin(TabbedTranslationAdmin):
    list_display = ["name", "acronym", "kind", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name_en", "name_mk", "name_bg", "name_sq", "acronym"]
    autocomplete_fields = ["municipality"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "valid_from", "units_per_eur", "is_fixed", "source"]
    list_filter = ["currency", "is_fixed"]


class PartnerInline(admin.TabularInline):
    model = Partner
    extra = 0
    autocomplete_fields = ["organisation"]


class FundingContributionInline(admin.TabularInline):
    model = FundingContribution
    extra = 0
    autocomplete_fields = ["funder"]


class TextInline(TranslationStackedInline):
    extra = 0


class TargetGroupInline(TextInline):
    model = TargetGroup


class ObjectiveInline(TextInline):
    model = Objective


class ResultInline(TextInline):
    model = Result


class ActivityInline(TextInline):
    model = Activity


class BudgetLineInline(TranslationTabularInline):
    model = BudgetLine
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "organisation"]
    filter_horizontal = ["municipalities"]


@admin.register(Project)
class ProjectAdmin(TabbedTranslationAdmin):
    list_display = ["code", "title", "status", "start_date", "end_date", "is_public"]
    list_filter = ["status", "is_public", "countries"]
    search_fields = ["code", "title_en", "title_mk", "title_bg", "title_sq"]
    filter_horizontal = ["countries", "target_municipalities"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [
        PartnerInline,
        FundingContributionInline,
        BudgetLineInline,
        ObjectiveInline,
        TargetGroupInline,
        ResultInline,
        ActivityInline,
        MembershipInline,
    ]


class ExpenditureInline(admin.TabularInline):
    model = Expenditure
    extra = 0


@admin.register(BudgetLine)
class BudgetLineAdmin(TabbedTranslationAdmin):
    list_display = ["project", "category", "description", "amount", "currency"]
    list_filter = ["category", "currency"]
    inlines = [ExpenditureInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "role", "organisation"]
    list_filter = ["role"]
    autocomplete_fields = ["user", "project", "organisation"]
    filter_horizontal = ["municipalities"]


admin.site.register([Partner, FundingContribution, Expenditure])
admin.site.register([TargetGroup, Objective, Result, Activity], TabbedTranslationAdmin)
