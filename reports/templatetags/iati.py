"""The IATI panel of a project page: the download for those who may export, or what the project lacks."""

from django import template

from reports.iati import iati_problems

register = template.Library()


@register.inclusion_tag("reports/partials/_iati_panel.html", takes_context=True)
def iati_panel(context, project):
    """Empty for those who may not export; ``project`` must come with its details prefetched."""
    user = context["user"]
    if not user.has_perm("reports.export_iati", project):
        return {"may_export": False}
    return {"may_export": True, "project": project, "problems": iati_problems(project)}
