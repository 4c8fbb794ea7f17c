"""The fake HR directory and LMS (real local servers) and the login-recovery tickets, as the
playbook tests make them: the workspace's automation pages are tested against them."""

from opsdesk.playbooks.tests.conftest import (  # noqa: F401 - fixtures
    connectors,
    hr_fake,
    lms_fake,
    scenario_ticket,
)
