from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class MatchmakerConfig(AppConfig):
    name = "matchmaker"
    verbose_name = "智能对接"

    def ready(self) -> None:
        # Every web and worker process starts here: a typo in the matcher's settings stops it at
        # once, instead of failing the first match (or matching quietly with a default).
        from matchmaker.index_store import engine_settings

        try:
            engine_settings()
        except ValueError as error:
            raise ImproperlyConfigured(f"MATCHMAKER_ENGINE_SETTINGS: {error}") from None
