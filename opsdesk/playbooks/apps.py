from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "opsdesk.playbooks"
    verbose_name = "Playbooks"
