"""The fake HR directory and fake LMS on free ports, loaded with the login-recovery scenario,
and clients pointed at them with test-sized time-outs."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opsdesk.connectors.hr.client import HrClient
from opsdesk.connectors.hr.fake import FakeHrServer
from opsdesk.connectors.lms.client import LmsClient
from opsdesk.connectors.lms.fake import FakeLmsServer

SCENARIO_FILE = Path(__file__).resolve().parents[2] / "demo" / "data" / "login-recovery.json"
SCENARIO: dict[str, Any] = json.loads(SCENARIO_FILE.read_text(encoding="utf-8"))
TOKEN = "connector-test-token"
TIMEOUT = 0.3  # seconds; the fakes' `delay` goes beyond it to cause time-outs
RETRIES = 2


@pytest.fixture
def hr_fake() -> Iterator[FakeHrServer]:
    with FakeHrServer(SCENARIO_FILE, token=TOKEN) as fake:
        yield fake


@pytest.fixture
def lms_fake() -> Iterator[FakeLmsServer]:
    with FakeLmsServer(SCENARIO_FILE, token=TOKEN) as fake:
        yield fake


@pytest.fixture
def hr(hr_fake: FakeHrServer) -> HrClient:
    return HrClient(hr_fake.url, TOKEN, TIMEOUT, retries=RETRIES, backoff=0.01)


@pytest.fixture
def lms(lms_fake: FakeLmsServer) -> LmsClient:
    return LmsClient(lms_fake.url, TOKEN, TIMEOUT, retries=RETRIES, backoff=0.01)
