"""Grant pages, one module per group of people: what everyone may read, what applicants fill in,
how coordinators run a call (screening and review), and selection, awards and monitoring."""

from . import applicant, awards, calls, pages, review, selection

app_name = "grants"

urlpatterns = [
    *pages.urlpatterns,
    *applicant.urlpatterns,
    *calls.urlpatterns,
    *review.urlpatterns,
    *selection.urlpatterns,
    *awards.urlpatterns,
]
