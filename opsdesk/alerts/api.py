"""The alerts API (API.md)."""

from ninja import Router

router = Router(tags=["alerts"])
