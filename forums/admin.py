"""Admin for the forums app, with language tabs on translated fields."""

from django.contrib import admin
from modeltranslation.admin import TabbedTranslationAdmin

from .models import (
    Attachment,
    Attendance,
    Feedback,
    Forum,
    ForumSession,
    GroupCount,
    Participant,
    ReportedParticipation,
    ResidenceCount,
    VulnerableGroup,
)


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    readonly_fields = ["content_type", "size", "uploaded_by", "uploaded_at"]


@admin.register(ForumSession)
class ForumSessionAdmin(TabbedTranslationAdmin):
    list_display = ["__str__", "project", "kind", "municipality", "date", "status"]
    list_filter = ["status", "kind", "project"]
    search_fields = ["project__code", "venue", "title_en", "title_mk", "title_bg", "title_sq"]
    readonly_fields = ["version", "created_by", "created_at", "updated_at"]
    autocomplete_fields = ["project", "municipality"]
    inlines = [AttachmentInline]


class GroupCountInline(admin.TabularInline):
    model = GroupCount
    extra = 0


class ResidenceCountInline(admin.TabularInline):
    model = ResidenceCount
    extra = 0
    autocomplete_fields = ["municipality"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["session", "participants", "participants_qualifier"]
    inlines = [GroupCountInline, ResidenceCountInline]


@admin.register(Forum)
class ForumAdmin(TabbedTranslationAdmin):
    list_display = ["__str__", "project", "municipality"]


@admin.register(VulnerableGroup)
class VulnerableGroupAdmin(TabbedTranslationAdmin):
    list_display = ["name", "is_active", "order"]


@admin.register(ReportedParticipation)
class ReportedParticipationAdmin(TabbedTranslationAdmin):
    list_display = ["project", "category", "municipality", "sessions_covered", "participants", "qualifier"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["session", "satisfaction", "was_useful", "moderation", "created_at"]
    list_filter = ["moderation"]
    readonly_fields = ["device_hash"]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["full_name", "session", "municipality", "consent_recorded_at"]
