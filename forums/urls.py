"""URLs of the forums app: each view module brings its own patterns."""

from .views import participation, sessions

app_name = "forums"

urlpatterns = [*sessions.urlpatterns, *participation.urlpatterns]
