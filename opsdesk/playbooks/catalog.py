"""The playbooks opsdesk has, declared once."""

from .login_recovery import LoginRecovery
from .runner import Playbook

PLAYBOOKS: dict[str, Playbook] = {playbook.name: playbook for playbook in (LoginRecovery(),)}
