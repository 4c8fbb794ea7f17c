from pathlib import Path
from typing import Any

import pytest

from opsdesk.tickets import signals


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    """Attachments are written under a fresh MEDIA_ROOT for each test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def failing_ticket_creation() -> Any:
    """Creating a ticket fails (a receiver of tickets_created raises) until disconnected."""
    def boom(**kwargs: Any) -> None:
        raise RuntimeError("the classifier is down")

    signals.tickets_created.connect(boom, dispatch_uid="test.boom")
    yield
    signals.tickets_created.disconnect(dispatch_uid="test.boom")
