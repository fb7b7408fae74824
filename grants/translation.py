"""Translated content of calls. Proposals are written in their applicant's language and kept so."""

from modeltranslation.translator import TranslationOptions, register

from .models import Call, EligibilityCriterion, ScoringCriterion


@register(Call)
class CallTranslation(TranslationOptions):
    fields = ("title", "description")


@register(EligibilityCriterion)
class EligibilityCriterionTranslation(TranslationOptions):
    fields = ("text",)


@register(ScoringCriterion)
class ScoringCriterionTranslation(TranslationOptions):
    fields = ("name",)
