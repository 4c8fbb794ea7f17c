"""The postmortems API (API.md)."""

from ninja import Router

router = Router(tags=["postmortems"])
