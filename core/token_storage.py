"""The migration of stored tokens from a JSON list to one string per row (newline-joined).

Shared by the needs and outcomes migrations; kept apart from the models so the migrations keep
working whatever the engine later becomes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import migrations

_SEPARATOR = "\n"  # matchmaker.engine TOKEN_SEPARATOR when this migration was written
_BATCH = 2000


def _convert(model: Any, source: str, target: str, change: Callable[[Any], Any]) -> None:
    batch = []
    for row in model.objects.only("pk", source).iterator(chunk_size=_BATCH):
        setattr(row, target, change(getattr(row, source)))
        batch.append(row)
        if len(batch) == _BATCH:
            model.objects.bulk_update(batch, [target])
            batch = []
    if batch:
        model.objects.bulk_update(batch, [target])


def _joined(tokens: Any) -> str:
    return _SEPARATOR.join(str(token).replace(_SEPARATOR, " ") for token in tokens or [])


def _listed(stored: str) -> list[str]:
    return stored.split(_SEPARATOR) if stored else []


def operations(app_label: str, model_name: str) -> list[Any]:
    """Operations that turn the model's JSON list `tokens` into newline-joined text, both ways."""
    from django.db import models

    def forward(apps: Any, schema_editor: Any) -> None:
        _convert(apps.get_model(app_label, model_name), "tokens_list", "tokens", _joined)

    def backward(apps: Any, schema_editor: Any) -> None:
        _convert(apps.get_model(app_label, model_name), "tokens", "tokens_list", _listed)

    return [
        migrations.RenameField(model_name, "tokens", "tokens_list"),
        migrations.AddField(model_name, "tokens", models.TextField("分词结果", blank=True, default="", editable=False)),
        migrations.RunPython(forward, backward),
        migrations.RemoveField(model_name, "tokens_list"),
    ]
