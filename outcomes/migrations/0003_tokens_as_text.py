"""Stored tokens become one newline-joined string per row instead of a JSON list: a rebuild of
106,000 outcomes then reads 106,000 strings, not ten million (see core.token_storage)."""

from django.db import migrations

from core import token_storage


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0002_freshness_indexes"),
    ]

    operations = token_storage.operations("outcomes", "outcome")
