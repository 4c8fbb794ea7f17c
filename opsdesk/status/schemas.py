"""The status API's answers (API.md: GET /status, GET /status/banner)."""

from datetime import datetime

from ninja import Schema


class UpdateOut(Schema):
    status: str
    body: str  # in the language asked for (`lang`), or as written
    at: datetime


class IncidentOut(Schema):
    id: int
    title: str
    status: str
    cos: str
    components: list[str]
    groups: list[str]
    started_at: datetime
    updates: list[UpdateOut]  # public updates only, newest first


class ComponentOut(Schema):
    name: str
    status: str  # operational | degraded | major_outage


class StatusOut(Schema):
    status: str  # the worst of the components' (and of incidents naming none)
    components: list[ComponentOut]
    incidents: list[IncidentOut]  # active incidents, newest first
    updated_at: datetime


class BannerIncidentOut(Schema):
    id: int
    title: str
    status: str
    status_label: str  # the status in the language asked for
    cos: str
    message: str  # the latest public update's text, or "" before the first
    at: datetime  # of that update, or when the incident started


class BannerOut(Schema):
    group: str
    incidents: list[BannerIncidentOut]  # empty: nothing to show to this group
    status_url: str
    labels: dict[str, str]  # the banner's own words in the language asked for
