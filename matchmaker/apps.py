from django.apps import AppConfig


class MatchmakerConfig(AppConfig):
    name = "matchmaker"
    verbose_name = "智能对接"
