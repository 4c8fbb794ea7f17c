from django.apps import AppConfig


class DuplicatesConfig(AppConfig):
    name = "opsdesk.duplicates"
    verbose_name = "Duplicate check"
