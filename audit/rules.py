"""Who may read a project's history: its coordinators and the platform's staff."""

import rules

from projects.rules import is_coordinator, is_platform_staff

rules.add_perm("audit.view_history", is_coordinator | is_platform_staff)
