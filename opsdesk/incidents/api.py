"""The incidents API (API.md "Incidents and status")."""

from ninja import Router

router = Router(tags=["incidents"])
