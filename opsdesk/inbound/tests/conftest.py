from pathlib import Path
from typing import Any

import pytest

from opsdesk.sla import services as sla_services


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    """Attachments are written under a fresh MEDIA_ROOT for each test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def failing_ticket_creation(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Opening a ticket fails (a step of the workflow raises) until `monkeypatch.undo()`."""
    def boom(**kwargs: Any) -> None:
        raise RuntimeError("the classifier is down")

    monkeypatch.setattr(sla_services, "start_clocks", boom)
    return monkeypatch
