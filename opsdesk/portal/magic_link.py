"""Sign-in by emailed link: one-time tokens that live 15 minutes, and asking for one."""

import hashlib
from functools import partial

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from opsdesk.accounts.models import Role, User

MAX_AGE_SECONDS = 15 * 60
# At most this many links per address in MAX_AGE_SECONDS: the form cannot be used to flood
# someone's mailbox. Counted in Django's cache (per process with the default cache).
MAX_LINKS_PER_WINDOW = 5


class MagicLinkTokenGenerator(PasswordResetTokenGenerator):
    """A password-reset style token with its own salt; signing in changes last_login, which
    invalidates it, so each link works once."""

    key_salt = "opsdesk.portal.MagicLinkTokenGenerator"

    def check_token(self, user: User | None, token: str | None) -> bool:
        """Valid for this user, unused, and younger than MAX_AGE_SECONDS."""
        if user is None or not token or not super().check_token(user, token):
            return False
        try:
            issued = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        return self._num_seconds(self._now()) - issued <= MAX_AGE_SECONDS


magic_link_tokens = MagicLinkTokenGenerator()


def link_path(user: User) -> str:
    """The path of a fresh sign-in link for this user."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("portal:login_link", args=[uidb64, magic_link_tokens.make_token(user)])


def user_for_link(uidb64: str, token: str) -> User | None:
    """The active requester a link signs in, or None when it is unknown, used or expired."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    user = User.objects.filter(pk=pk, role=Role.REQUESTER, is_active=True).first()
    return user if magic_link_tokens.check_token(user, token) else None


def _within_limit(user: User) -> bool:
    key = "portal-link:" + hashlib.sha256(user.email.lower().encode()).hexdigest()
    cache.add(key, 0, MAX_AGE_SECONDS)
    try:
        return cache.incr(key) <= MAX_LINKS_PER_WINDOW
    except ValueError:  # expired between add and incr
        return True


def request_link(*, email: str, next_url: str = "", language: str = "en") -> None:
    """Email a sign-in link if an active requester has this address; otherwise do nothing.

    The caller shows the same page either way, so the form reveals no accounts.
    """
    from .tasks import send_sign_in_link

    user = User.objects.filter(email__iexact=email.strip(), role=Role.REQUESTER,
                               is_active=True).first()
    if user is None or not _within_limit(user):
        return
    transaction.on_commit(partial(send_sign_in_link.enqueue, user_id=user.pk,
                                  next_url=next_url, language=language))
