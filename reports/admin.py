"""Admin for report requests: read-only, since requests are made on the Reports page or through the API."""

from django.contrib import admin

from .models import ReportRequest


@admin.register(ReportRequest)
class ReportRequestAdmin(admin.ModelAdmin):
    list_display = ["project", "kind", "language", "status", "error", "attempts", "requested_at", "finished_at"]
    list_filter = ["status", "kind", "language"]
    search_fields = ["project__code", "fingerprint"]
    list_select_related = ["project"]
    date_hierarchy = "requested_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
