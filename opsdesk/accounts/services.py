"""State changes for people, teams and tokens."""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .models import SYSTEM_EMAIL, ApiToken, Role, User, hash_token

TOKEN_PREFIX = "odk_"  # noqa: S105 - a marker that makes leaked tokens easy to find


class UnknownUser(Exception):
    """No user has that email address."""


def system_user() -> User:
    """The identity automations and the system act as."""
    user, _ = User.objects.get_or_create(
        email=SYSTEM_EMAIL, defaults={"name": "opsdesk", "role": Role.SYSTEM}
    )
    return user


def create_user(
    *,
    email: str,
    role: str,
    name: str = "",
    password: str | None = None,
    requester_role: str = "",
    language: str = "en",
    joined_at: datetime | None = None,
) -> User:
    """Create a user with a role, joined `joined_at` (now if None); admins may also use the
    admin site."""
    is_admin = role == Role.ADMIN
    return User.objects.create_user(
        email,
        password,
        name=name,
        role=role,
        requester_role=requester_role,
        language=language,
        is_staff=is_admin,
        is_superuser=is_admin,
        date_joined=joined_at or timezone.now(),
    )


def find_or_create_requester(
    *, email: str, name: str = "", requester_role: str = "", language: str = "en",
    at: datetime | None = None,
) -> User:
    """The requester with this email, created on first contact (`at`, now if None)."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        try:
            with transaction.atomic():
                return create_user(
                    email=email.strip(), role=Role.REQUESTER, name=name,
                    requester_role=requester_role, language=language, joined_at=at,
                )
        except IntegrityError:  # the same person wrote in twice at once
            user = User.objects.get(email__iexact=email.strip())
    changed: list[str] = []
    if name and not user.name:
        user.name = name
        changed.append("name")
    if requester_role and not user.requester_role:
        user.requester_role = requester_role
        changed.append("requester_role")
    if changed:
        user.save(update_fields=changed)
    return user


@dataclass(frozen=True)
class Contact:
    """A requester's contact details as a message gives them: address, name, language."""

    email: str
    name: str = ""
    language: str = "en"


def find_or_create_requesters(*, contacts: Iterable[Contact]) -> dict[str, User]:
    """The requester of each contact by lower-case address, as `find_or_create_requester`
    gives it, in a few queries for all: one read, one insert of those new (another process
    creating the same person meanwhile is no error), one read of them."""
    wanted = {c.email.strip().lower(): c for c in contacts}
    found = {u.email.lower(): u for u in User.objects.filter(email__in=wanted)}
    new = []
    for address, contact in wanted.items():
        if address not in found:
            person = User(email=address, name=contact.name, role=Role.REQUESTER,
                          language=contact.language)
            person.set_unusable_password()
            new.append(person)
    if new:
        User.objects.bulk_create(new, ignore_conflicts=True)
        found |= {u.email.lower(): u for u in User.objects.filter(email__in=[u.email for u in new])}
    for address, contact in wanted.items():
        user = found.get(address)
        if user is None or (contact.name and not user.name):  # stored otherwise, or unnamed
            found[address] = find_or_create_requester(email=contact.email, name=contact.name,
                                                      language=contact.language)
    return found


def create_token(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue an API token; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:10], key_hash=hash_token(raw)
    )
    return token, raw


def revoke_token(*, token: ApiToken) -> ApiToken:
    """Revoke a token; requests that present it are refused from now on."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


TOKEN_TOUCH = timedelta(minutes=1)  # last_used_at is written at most this often


def user_for_token(raw: str) -> User | None:
    """The active user holding this active token, or None."""
    now = timezone.now()
    found = User.objects.raw(_token_holder_sql(), [now - TOKEN_TOUCH, hash_token(raw)])
    holder = next(iter(found), None)
    if holder is None:
        return None
    token = vars(holder)  # the token's columns, beside the user's
    if token["token_touch_due"]:  # a write per request would cost throughput
        with transaction.atomic():
            ApiToken.objects.filter(pk=token["token_id"]).update(last_used_at=now)
    return holder


def _token_holder_sql() -> str:
    # Written out: every API request runs it, and composing it with the ORM (a join over
    # the user's columns) cost four times what running it does.
    users, tokens = (connection.ops.quote_name(model._meta.db_table) for model in (User, ApiToken))
    return (f"SELECT u.*, t.id AS token_id, (t.last_used_at IS NULL OR t.last_used_at < %s) "  # noqa: S608
            f"AS token_touch_due FROM {tokens} t JOIN {users} u ON u.id = t.user_id "
            f"WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active")


def get_user_by_email(email: str) -> User:
    """The user with this email address."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise UnknownUser(email)
    return user
