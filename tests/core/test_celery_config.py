"""Every periodic job names a task that exists, and tasks are acknowledged late."""

from __future__ import annotations

from django.conf import settings

from config.celery import app


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"{name}: {entry['task']} is not a task"


def test_a_killed_worker_does_not_lose_its_task():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
