from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "opsdesk.postmortems"
    verbose_name = "Postmortems"
