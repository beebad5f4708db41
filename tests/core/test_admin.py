"""Every model has an admin page that lists, searches and filters without error."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"needs", "outcomes", "brokers", "matchmaker"}


def test_every_project_model_is_registered_in_the_admin():
    from django.apps import apps

    models = {m for app in PROJECT_APPS for m in apps.get_app_config(app).get_models()}
    assert models <= set(admin.site._registry)


@pytest.mark.parametrize(
    "model_admin",
    [ma for m, ma in admin.site._registry.items() if m._meta.app_label in PROJECT_APPS],
    ids=lambda ma: ma.model.__name__,
)
def test_admin_changelist_searches_and_filters(client, world, model_admin):
    client.force_login(UserFactory(username="admin-user", is_staff=True, is_superuser=True))
    meta = model_admin.model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    assert client.get(url).status_code == 200
    if model_admin.search_fields:
        assert client.get(url, {"q": "焊接"}).status_code == 200
    first = model_admin.model.objects.first()
    if first is not None:
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
        assert client.get(change).status_code == 200
