"""Public updates told to the status page's email subscribers."""

from functools import partial

from django.db import transaction
from django.db.models import Q, QuerySet

from opsdesk.incidents.models import Incident, IncidentUpdate

from .models import Subscription


def queue_subscriber_notices(*, update: IncidentUpdate) -> None:
    """Email a public update to the incident's subscribers once committed; an internal
    note is never told to anyone here."""
    if not update.public:
        return
    from .tasks import send_subscriber_notices

    transaction.on_commit(partial(send_subscriber_notices.enqueue, update_id=update.pk))


def subscribers_of(incident: Incident) -> QuerySet[Subscription]:
    """Those subscribed to a component the incident names, or to every component."""
    named = incident.components.values_list("pk", flat=True)
    return Subscription.objects.filter(
        Q(components__in=list(named)) | Q(components=None)).distinct().order_by("pk")
