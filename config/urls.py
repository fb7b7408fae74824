"""URL routing: pages under a language prefix (/en/, /mk/, /bg/, /sq/), the API and admin beside them."""

from csp.decorators import csp_update
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .api import TokenView, router
from .health import healthz

# Swagger UI (drf-spectacular-sidecar) is a third-party page: the split view serves its start-up script as a
# file, but the page and Swagger's widgets style elements inline. Only this page's policy allows that.
api_docs = csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(router.urls)),
    path("api/v1/", include("forums.api")),  # routes a router cannot express: a project's participation figures
    path("api/v1/", include("reports.api.summary")),  # a project's executive summary figures
    path("api/v1/", include("reports.api.iati")),  # projects as an IATI file
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
]

urlpatterns += i18n_patterns(
    path("", RedirectView.as_view(pattern_name="projects:list", permanent=False), name="home"),
    path("accounts/", include("accounts.urls")),
    path("projects/", include("projects.urls")),
    path("", include("forums.urls")),
    path("", include("grants.views")),
    path("", include("reports.urls")),
    path("", include("audit.urls")),
    path("admin/", admin.site.urls),
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
