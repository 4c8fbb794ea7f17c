"""The demo's connectors: the fake HR directory on :8091 and the fake LMS on :8092.

`opsdesk demo` starts the fakes (`fake_commands()`) and calls `ensure_demo_connectors()`.
"""

import sys
from pathlib import Path

from .models import ConnectorConfig, ConnectorKind

HR_URL = "http://127.0.0.1:8091"
LMS_URL = "http://127.0.0.1:8092"
DEMO_DATA = Path(__file__).resolve().parent.parent / "demo" / "data" / "login-recovery.json"


def ensure_demo_connectors() -> list[ConnectorConfig]:
    """Point the HR and LMS connectors at the local fakes, unless one of that kind exists."""
    configs = []
    for kind, name, url in [(ConnectorKind.HR, "Demo HR directory (local fake)", HR_URL),
                            (ConnectorKind.LMS, "Demo LMS (local fake)", LMS_URL)]:
        existing = ConnectorConfig.objects.filter(kind=kind).order_by("-enabled", "pk").first()
        configs.append(existing or ConnectorConfig.objects.create(
            kind=kind, name=name, base_url=url, timeout_seconds=5, retries=2))
    return configs


def fake_commands(data: Path = DEMO_DATA) -> list[list[str]]:
    """The command lines that run the two fakes with the scenario's people and accounts."""
    return [
        [sys.executable, "-m", "opsdesk.connectors.hr.fake", "--port", "8091", "--data", str(data)],
        [sys.executable, "-m", "opsdesk.connectors.lms.fake", "--port", "8092",
         "--data", str(data)],
    ]
