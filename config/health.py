"""``GET /healthz/``: the process is up and answers. Touches no database, so a load balancer's probe costs
nothing; it is also the floor of ``make bench``: the whole middleware stack and nothing else."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
