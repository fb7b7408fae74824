"""Translated content of the forums app: titles, agendas and minutes are written in one language
and read in four; codes, counts and dates are not translated."""

from modeltranslation.translator import TranslationOptions, register

from .models import Forum, ForumSession, ReportedParticipation, VulnerableGroup


@register(Forum)
class ForumTranslation(TranslationOptions):
    fields = ("title",)


@register(ForumSession)
class ForumSessionTranslation(TranslationOptions):
    fields = ("title", "agenda", "minutes")


@register(VulnerableGroup)
class VulnerableGroupTranslation(TranslationOptions):
    fields = ("name",)


@register(ReportedParticipation)
class ReportedParticipationTranslation(TranslationOptions):
    fields = ("source",)
