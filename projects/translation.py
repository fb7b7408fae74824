"""Which content fields are translated (en, mk, bg, sq). Codes, amounts and dates never are."""

from modeltranslation.translator import TranslationOptions, register

from .models import Activity, BudgetLine, Country, Municipality, Objective, Organisation, Project, Result, TargetGroup


@register(Country)
class CountryTranslation(TranslationOptions):
    fields = ("name",)


@register(Municipality)
class MunicipalityTranslation(TranslationOptions):
    fields = ("name",)


@register(Organisation)
class OrganisationTranslation(TranslationOptions):
    fields = ("name",)


@register(Project)
class ProjectTranslation(TranslationOptions):
    fields = ("title", "summary", "general_goal", "area", "programme", "funding_instrument", "source")
    required_languages = {"default": ()}


@register(TargetGroup)
@register(Objective)
@register(Result)
@register(Activity)
class ProjectTextTranslation(TranslationOptions):
    fields = ("text",)


@register(BudgetLine)
class BudgetLineTranslation(TranslationOptions):
    fields = ("description",)
