"""Portal fixtures: a fresh media folder and cache per test, clients signed in as a persona."""

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from opsdesk.accounts.models import User


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    """Attachments are written under a fresh MEDIA_ROOT for each test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """The sign-in link limit counts in the cache; each test starts from zero."""
    cache.clear()


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def portal(requester: User) -> Client:
    """The requester's browser, signed in."""
    return client_for(requester)


def stored_files(media_root: Path) -> list[Path]:
    """Every file written under the media folder."""
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []
