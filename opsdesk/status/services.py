"""Email subscriptions to the status page: asked for by a form, confirmed by a signed link,
ended by the link in every email.

A request is not stored: the address, components and language travel in the signed
confirmation link, so an address that never confirms leaves nothing behind."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from opsdesk.incidents.models import Component

from .models import Subscription

CONFIRM_SALT = "opsdesk.status.confirm"
UNSUBSCRIBE_SALT = "opsdesk.status.unsubscribe"
CONFIRM_MAX_AGE_SECONDS = 7 * 24 * 3600
# At most this many confirmation emails per address an hour: the form cannot be used to
# flood someone's mailbox.
MAX_REQUESTS_PER_HOUR = 3


@dataclass(frozen=True)
class SubscriptionRequest:
    """What a confirmation link confirms: an address, its components (none: all), a language."""

    email: str
    component_ids: tuple[int, ...]
    language: str


def request_subscription(*, email: str, components: Iterable[Component],
                         language: str) -> None:
    """Email a confirmation link once committed (unless this address asked too often); the
    caller answers the same either way, so the form reveals nothing about an address."""
    from .tasks import send_subscription_confirmation

    email = email.strip().lower()
    if not _within_limit(email):
        return
    transaction.on_commit(partial(
        send_subscription_confirmation.enqueue, email=email,
        component_ids=sorted(c.pk for c in components), language=language))


def _within_limit(email: str) -> bool:
    key = "status-subscribe:" + hashlib.sha256(email.encode()).hexdigest()
    cache.add(key, 0, 3600)
    try:
        return cache.incr(key) <= MAX_REQUESTS_PER_HOUR
    except ValueError:  # expired between add and incr
        return True


def confirmation_token(request: SubscriptionRequest) -> str:
    """The signed, dated token of a confirmation link."""
    return signing.dumps({"e": request.email, "c": list(request.component_ids),
                          "l": request.language}, salt=CONFIRM_SALT, compress=True)


def request_for_token(token: str) -> SubscriptionRequest | None:
    """What a confirmation token asks for, or None when it is forged or too old."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE_SECONDS)
        return SubscriptionRequest(email=str(data["e"]),
                                   component_ids=tuple(int(pk) for pk in data["c"]),
                                   language=str(data["l"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def confirm_subscription(*, request: SubscriptionRequest,
                         at: datetime | None = None) -> Subscription:
    """Store the confirmed subscription; an address subscribed before gets these components."""
    with transaction.atomic():
        subscription, _ = Subscription.objects.update_or_create(
            email=request.email,
            defaults={"language": request.language, "confirmed_at": at or timezone.now()})
        subscription.components.set(Component.objects.filter(pk__in=request.component_ids))
    return subscription


def unsubscribe_token(email: str) -> str:
    """The signed token of an address's unsubscribe link (it does not expire)."""
    return signing.dumps({"e": email}, salt=UNSUBSCRIBE_SALT)


def email_for_unsubscribe_token(token: str) -> str | None:
    """The address an unsubscribe token names, or None when it is forged."""
    try:
        return str(signing.loads(token, salt=UNSUBSCRIBE_SALT)["e"])
    except (signing.BadSignature, KeyError, TypeError):
        return None


def unsubscribe(*, email: str) -> bool:
    """Forget the address's subscription; False if it had none."""
    deleted, _ = Subscription.objects.filter(email=email).delete()
    return deleted > 0
