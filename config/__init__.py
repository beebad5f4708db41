# Import the Celery app so that @shared_task binds to it when Django starts.
from config.celery import app as celery_app

__all__ = ("celery_app",)
