"""Idempotency-Key for API writes: a repeated request returns the first result, creates nothing."""

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from opsdesk.accounts.services import user_for_token

from .api_errors import api_error
from .models import IdempotencyKey

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEY_LIFETIME = timedelta(hours=24)


def _error(status: int, code: str, message: str) -> HttpResponse:
    return api_error(status, code, message)


def _credentials_valid(request: HttpRequest) -> bool:
    kind, _, raw = request.headers.get("Authorization", "").partition(" ")
    return kind.lower() == "bearer" and user_for_token(raw.strip()) is not None


class IdempotencyMiddleware:
    """Stores the first successful response per (credentials, key) and replays it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or request.method not in WRITE_METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not _credentials_valid(request):
            return self.get_response(request)  # refused by the API itself; nothing to replay
        if len(key) > 200:
            return _error(400, "invalid", "Idempotency-Key is longer than 200 characters.")
        scope = hashlib.sha256(request.headers.get("Authorization", "").encode()).hexdigest()
        fingerprint = hashlib.sha256(
            b"\0".join([request.method.encode(), request.path.encode(), request.body])
        ).hexdigest()
        IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEY_LIFETIME).delete()
        existing = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if existing is not None:
            return self._replay(existing, fingerprint)
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    scope=scope, key=key, method=request.method or "",
                    path=request.path, request_hash=fingerprint,
                )
        except IntegrityError:
            return _error(409, "conflict", "A request with this Idempotency-Key is in progress.")
        response = self.get_response(request)
        if 200 <= response.status_code < 300:
            record.status = response.status_code
            record.response_body = response.content
            record.content_type = response.get("Content-Type", "")
            record.save(update_fields=["status", "response_body", "content_type"])
        else:
            record.delete()  # a refused request changed nothing, so it may be retried as is
        return response

    def _replay(self, existing: IdempotencyKey, fingerprint: str) -> HttpResponse:
        if existing.request_hash != fingerprint:
            return _error(
                422, "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
            )
        if existing.status is None:
            return _error(409, "conflict", "A request with this Idempotency-Key is in progress.")
        response = HttpResponse(
            bytes(existing.response_body or b""),
            status=existing.status,
            content_type=existing.content_type or "application/json",
        )
        response["Idempotent-Replayed"] = "true"
        return response

