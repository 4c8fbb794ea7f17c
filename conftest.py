"""Shared fixtures: the personas of STYLE.md and an API client that speaks as one of them."""

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from opsdesk.accounts.models import Role, Team, User
from opsdesk.accounts.services import create_token, create_user
from opsdesk.tickets.models import Ticket


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache(request: Any) -> None:
    """Each test that uses the database starts with nothing cached (the cache lives there),
    and no configuration kept from an earlier test's (rolled back) rows."""
    from opsdesk.core.config_cache import clear_config_cache

    clear_config_cache()
    uses_db = request.node.get_closest_marker("django_db") or {
        "db", "transactional_db", "live_server"} & set(request.fixturenames)
    if uses_db:
        from django.core.cache import cache

        request.getfixturevalue("db") if "transactional_db" not in request.fixturenames \
            else None
        cache.clear()


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Each test starts in English, whatever an earlier request switched to."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def manual_timeline(settings: Any) -> None:
    """No automatic ACK, notices, alerts or close-out (OPSDESK_AUTO_NOTIFY off), for a test
    that writes those messages itself; tests otherwise run as production does, with them on.
    Whoever asks for it says why."""
    settings.OPSDESK_AUTO_NOTIFY = False


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    """Tests marked `postgres` run only when DATABASE_URL points at PostgreSQL."""
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


class ApiClient:
    """A Django test client that sends JSON with a bearer token."""

    def __init__(self) -> None:
        self.client = Client()
        self.token: str | None = None

    def as_(self, user: User | None) -> "ApiClient":
        other = ApiClient()
        other.token = create_token(user=user)[1] if user is not None else None
        return other

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.client.get(path, params or {}, headers=self._headers(kw.get("headers")))

    def _send(self, method: str, path: str, body: Any, headers: dict[str, str] | None) -> Any:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return getattr(self.client, method)(
            path, data, content_type="application/json", headers=self._headers(headers)
        )

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self._send("post", path, body if body is not None else {}, headers)

    def patch(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        return self._send("patch", path, body, headers)


@pytest.fixture
def api() -> ApiClient:
    return ApiClient()


def _user(email: str, role: str, name: str) -> User:
    return create_user(email=email, role=role, name=name, password="a-long-test-password")


@pytest.fixture
def agent(db: None) -> User:
    return _user("lan.nguyen@support.example.edu.vn", Role.AGENT, "Nguyen Ngoc Lan")


@pytest.fixture
def manager(db: None) -> User:
    return _user("manager@support.example.edu.vn", Role.MANAGER, "Tran Quoc Bao")


@pytest.fixture
def engineer(db: None) -> User:
    return _user("dev@dev.example.edu.vn", Role.ENGINEER, "Pham Duc Anh")


@pytest.fixture
def admin_user(db: None) -> User:
    return _user("admin@support.example.edu.vn", Role.ADMIN, "Admin")


@pytest.fixture
def requester(db: None) -> User:
    return _user("ngoc.a.le@campus.example.edu.vn", Role.REQUESTER, "Le Ngoc A")


@pytest.fixture
def other_requester(db: None) -> User:
    return _user("ha.nguyen@campus.example.edu.vn", Role.REQUESTER, "Nguyen Thi Ha")


@pytest.fixture
def dev_team(db: None, engineer: User) -> Team:
    team, _ = Team.objects.get_or_create(name="Dev Team")  # shipped by a migration
    team.members.add(engineer)
    return team


@pytest.fixture
def make_ticket(agent: User, requester: User) -> Any:
    """Create tickets through the service: by the agent, for the requester, unless told."""

    def make(**fields: Any) -> Ticket:
        from opsdesk.tickets.services import TicketDraft
        from opsdesk.workflows.tickets import open_ticket

        actor = fields.pop("actor", agent)
        fields.setdefault("requester", requester)
        fields.setdefault("title", "Cannot open the WEB102 exam")
        return open_ticket(actor=actor, draft=TicketDraft(**fields))

    return make


@pytest.fixture
def ticket_of_requester(make_ticket: Any) -> Ticket:
    return make_ticket()


@pytest.fixture
def run_tasks(db: None) -> Any:
    """Run the queued background jobs once each, as `opsdesk worker` would."""
    from django_tasks import TaskContext
    from django_tasks_db.models import DBTaskResult

    from opsdesk.core.jobs import running_job

    def run() -> int:
        ran = 0
        for row in DBTaskResult.objects.ready().order_by("enqueued_at"):
            row.claim("test")
            result = row.task_result
            context = (TaskContext(task_result=result),) if row.task.takes_context else ()
            try:
                with running_job():
                    row.set_successful(row.task.call(*context, *result.args, **result.kwargs))
            except Exception as exc:  # recorded on the row, as the worker does
                row.set_failed(exc)
            ran += 1
        return ran

    return run


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Any:
    """Headless Chromium (Debian's), driven by Playwright."""
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still synchronous, so Django's async-safety check does not apply to them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


SHIPPED_DATA = (  # data migrations whose rows the product needs (each is idempotent)
    ("opsdesk.tickets.migrations.0002_default_cos_rules", "add_rules"),
    ("opsdesk.sla.migrations.0002_default_policies", "add_defaults"),
    ("opsdesk.communications.migrations.0002_default_templates", "add_defaults"),
    ("opsdesk.communications.migrations.0004_incident_templates", "add_defaults"),
)


@pytest.fixture
def shipped_data(transactional_db: None) -> None:
    """Put back what migrations ship: a live server's database is flushed between tests."""
    import importlib

    from django.apps import apps

    for module, function in SHIPPED_DATA:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture
def page(browser: Any, live_server: Any, shipped_data: None, settings: Any) -> Any:
    """A fresh browser tab on the live test server, in English."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(base_url=live_server.url, locale="en-US",
                                  viewport={"width": 1360, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture
def sign_in(page: Any) -> Any:
    """Sign a persona in through the real login form."""

    def go(user: User, password: str = "a-long-test-password") -> Any:
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        return page

    return go
