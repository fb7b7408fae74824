"""Admin for calls and proposals, with language tabs on the calls' translated fields."""

from django.contrib import admin
from modeltranslation.admin import TabbedTranslationAdmin, TranslationTabularInline

from .models import (
    Call,
    EligibilityCheck,
    EligibilityCriterion,
    Proposal,
    ProposalAttachment,
    ProposalBudgetLine,
    ScoringCriterion,
)


class EligibilityCriterionInline(TranslationTabularInline):
    model = EligibilityCriterion
    extra = 0


class ScoringCriterionInline(TranslationTabularInline):
    model = ScoringCriterion
    extra = 0


@admin.register(Call)
class CallAdmin(TabbedTranslationAdmin):
    list_display = ["__str__", "project", "phase", "opens_at", "closes_at", "envelope", "currency"]
    list_filter = ["phase", "project"]
    readonly_fields = ["version", "created_at"]
    inlines = [EligibilityCriterionInline, ScoringCriterionInline]


class ProposalBudgetLineInline(admin.TabularInline):
    model = ProposalBudgetLine
    extra = 0


class ProposalAttachmentInline(admin.TabularInline):
    """Files are read here; they are added through the application form, which checks their content."""

    model = ProposalAttachment
    extra = 0
    readonly_fields = ["file", "description", "content_type", "size", "uploaded_by", "uploaded_at"]

    def has_add_permission(self, request, obj=None):
        return False


class EligibilityCheckInline(admin.TabularInline):
    model = EligibilityCheck
    extra = 0


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["title", "call", "organisation", "status", "requested_amount", "submitted_at"]
    list_filter = ["status", "call"]
    search_fields = ["title", "organisation__name_en"]
    readonly_fields = ["version", "created_at", "updated_at", "submitted_at"]
    inlines = [ProposalBudgetLineInline, ProposalAttachmentInline, EligibilityCheckInline]
