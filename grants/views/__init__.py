"""Grant pages, one module per group of people: what everyone may read, what applicants fill in,
how coordinators run a call (screening and review), and selection, awards and monitoring."""

from . import pages

app_name = "grants"

urlpatterns = [*pages.urlpatterns]
