from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "opsdesk.playbooks"
    verbose_name = "Playbooks"

    def ready(self) -> None:
        from opsdesk.automation.actions import register_action

        from . import receivers
        from .rule_action import RUN_PLAYBOOK

        receivers.connect()
        register_action("run_playbook", **RUN_PLAYBOOK)  # rules can run a playbook
