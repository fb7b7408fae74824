"""Who may request and download a project's PDF reports and its IATI file: its coordinators and donors, and
platform staff.

Lists come from ``ReportRequest.objects.visible_to(user)``, which tests keep consistent with
``reports.request_report``.
"""

import rules

from projects.rules import has_role, is_platform_staff

from .exports import rules as export_rules  # noqa: F401  (registers the exports' permissions)
from .models import REPORT_ROLES


@rules.predicate
def may_request_project_report(user, report) -> bool:
    """The user may request reports of the project the report request belongs to."""
    return report is not None and user.has_perm("reports.request_report", report.project)


# Takes the project.
rules.add_perm("reports.request_report", has_role(*REPORT_ROLES) | is_platform_staff)
# Takes the project: the IATI file donors publish, for the same people as its reports.
rules.add_perm("reports.export_iati", has_role(*REPORT_ROLES) | is_platform_staff)
# Takes the report request.
rules.add_perm("reports.download_report", may_request_project_report)
