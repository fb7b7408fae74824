"""URLs of the forums app: each view module brings its own patterns."""

from .views import feedback, participation, sessions, sign_in

app_name = "forums"

urlpatterns = [*sessions.urlpatterns, *participation.urlpatterns, *sign_in.urlpatterns, *feedback.urlpatterns]
