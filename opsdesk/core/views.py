from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from .leases import workers_seen


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers (public): "ok", or "degraded" when no worker has been
    seen lately (jobs and timers wait); 503 when the database does not answer."""
    try:
        seen, last_seen_at = workers_seen()  # one query: the database answers
    except Exception:  # any database failure means unhealthy
        return JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok" if seen else "degraded", "database": "ok",
                         "workers": {"seen": seen, "last_seen_at": last_seen_at}})
