"""The status API (API.md)."""

from ninja import Router

router = Router(tags=["status"])
