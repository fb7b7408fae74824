"""A project's participation figures with a chart readable without colour."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.views import View

from projects.selectors import project_visible_to

from .. import selectors

__all__ = ["urlpatterns"]

BAR_HEIGHT = 28
CHART_WIDTH = 560
LABEL_WIDTH = 170


def chart_rows(figures: selectors.ParticipationFigures) -> list[dict]:
    """Bars of participants per category and municipality, scaled to the longest, with their labels."""
    rows = [
        {"label": f"{category.label}: {place.municipality or '—'}", "figure": place.participants, "place": place}
        for category in figures.categories.values()
        for place in category.by_municipality
        if place.participants.is_known
    ]
    longest = max((row["figure"].value for row in rows), default=0)
    for index, row in enumerate(rows):
        row["y"] = index * (BAR_HEIGHT + 12)
        row["width"] = round((CHART_WIDTH - LABEL_WIDTH - 90) * row["figure"].value / longest) if longest else 0
        row["text_y"] = row["y"] + BAR_HEIGHT * 0.65
        row["value_x"] = LABEL_WIDTH + row["width"] + 8
    return rows


class ParticipationView(View):
    template_name = "forums/participation.html"

    def get(self, request, code):
        project = project_visible_to(request.user, code)
        figures = selectors.project_participation(
            project, exact_small_groups=request.user.has_perm("forums.view_small_groups", project)
        )
        rows = chart_rows(figures)
        return render(
            request,
            self.template_name,
            {
                "project": project,
                "figures": figures,
                "chart": {
                    "rows": rows,
                    "height": max(len(rows) * (BAR_HEIGHT + 12), BAR_HEIGHT),
                    "width": CHART_WIDTH,
                    "label_width": LABEL_WIDTH,
                    "bar_height": BAR_HEIGHT,
                },
                "can_log": request.user.has_perm("forums.add_session", project),
                "feedback_figures": selectors.project_feedback(project),
                "feedback_comments": selectors.feedback_comments(project, approved_only=True)[:20],
            },
        )


urlpatterns = [path("projects/<str:code>/participation/", ParticipationView.as_view(), name="participation")]
