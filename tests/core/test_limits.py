"""Limits on what one request may carry: body size, text lengths, page sizes, upload sizes.

Over a limit is a 400/413 with a JSON body (naming the field where there is one), never a 500,
and an oversized body is refused from its declared length, before anything reads it.
"""

from __future__ import annotations

import io
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from imports import tasks
from imports.models import ImportJob
from needs.models import Need
from outcomes.models import Outcome
from tests.factories import NeedFactory
from tests.imports.conftest import csv_bytes, errors_of, import_file

pytestmark = pytest.mark.django_db


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def post_declaring(client, path: str, length: int, content_type: str = "application/json"):
    """A POST whose Content-Length says `length` while its body must never be read."""
    return client.post(path, b"", content_type=content_type, CONTENT_LENGTH=str(length), **{"wsgi.input": Unreadable()})


# --- request body size -----------------------------------------------------------------------


def test_an_api_body_over_the_limit_is_a_413_json_and_nothing_is_written(world, settings):
    settings.REQUEST_MAX_BODY_BYTES = 10_000
    payload = {
        "enterprise": "ent-own",
        "title": "超大请求",
        "description": "文" * 4000,  # 12 kB of UTF-8: a valid need, but over this limit
        "industry_chain": "hydrogen",
        "city": "西安",
    }
    before = Need.objects.count()
    response = world.client("enterprise_member").post("/api/v1/needs/", payload, format="json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert "请求内容过大" in response.json()["detail"]
    assert Need.objects.count() == before
    # The same need under the limit is accepted: only the size was the reason.
    settings.REQUEST_MAX_BODY_BYTES = 20_000
    assert world.client("enterprise_member").post("/api/v1/needs/", payload, format="json").status_code == 201


def test_an_oversized_body_is_refused_before_it_is_read(world):
    client = world.client("enterprise_member")
    response = post_declaring(client, "/api/v1/needs/", 50 * 1024 * 1024)
    assert response.status_code == 413
    assert "detail" in response.json()


def test_the_default_body_limit_is_one_megabyte_and_matches_djangos_form_limit():
    from django.conf import settings

    from config.settings import base

    assert base.REQUEST_MAX_BODY_BYTES == 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.REQUEST_MAX_BODY_BYTES


def test_a_page_form_body_over_the_limit_is_a_413_page(settings):
    settings.REQUEST_MAX_BODY_BYTES = 1000
    response = Client().post("/login/", {"username": "x" * 2000, "password": "y"})
    assert response.status_code == 413
    assert "请求内容过大" in response.content.decode()


def test_django_form_limits_inside_the_api_are_json_not_500(world, settings):
    client = world.client("enterprise_member")
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    many = "&".join(f"f{i}=1" for i in range(20))
    response = client.post("/api/v1/match/preview/", many, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "detail" in response.json()
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = client.post("/api/v1/match/preview/", {"text": "焊" * 200}, format="multipart")
    assert response.status_code == 413 and "detail" in response.json()


# --- text lengths ----------------------------------------------------------------------------

NEED = {"enterprise": "ent-own", "title": "需求", "description": "描述", "industry_chain": "hydrogen", "city": "西安"}
OUTCOME = {
    "institution": "inst-own",
    "external_id": "LIM-1",
    "title": "成果",
    "abstract": "简介",
    "industry_chain": "hydrogen",
    "trl": 5,
}
ENTERPRISE = {"code": "ent-lim", "name": "企业", "credit_code": "", "city": "西安", "industry_chain": "hydrogen"}
INSTITUTION = {"code": "inst-lim", "name": "研究院", "kind": "institute", "city": "西安"}

# (path, role, valid body, field, value just over its limit)
TOO_LONG = [
    ("needs", "enterprise_member", NEED, "title", "题" * 201),
    ("needs", "enterprise_member", NEED, "public_title", "题" * 201),
    ("needs", "enterprise_member", NEED, "description", "文" * 5001),
    ("needs", "enterprise_member", NEED, "city", "城" * 51),
    ("outcomes", "institution_member", OUTCOME, "external_id", "A" * 65),
    ("outcomes", "institution_member", OUTCOME, "title", "题" * 201),
    ("outcomes", "institution_member", OUTCOME, "abstract", "文" * 5001),
    ("outcomes", "institution_member", OUTCOME, "team", "团" * 201),
    ("outcomes", "institution_member", OUTCOME, "keywords", ["词" * 51]),
    ("outcomes", "institution_member", OUTCOME, "keywords", [f"词{i}" for i in range(31)]),
    ("outcomes", "institution_member", OUTCOME, "patent_numbers", ["Z" * 41]),
    ("outcomes", "institution_member", OUTCOME, "patent_numbers", [f"ZL{i}" for i in range(51)]),
    ("enterprises", "staff", ENTERPRISE, "name", "企" * 201),
    ("enterprises", "staff", ENTERPRISE, "contact_name", "人" * 51),
    ("enterprises", "staff", ENTERPRISE, "contact_phone", "1" * 31),
    ("institutions", "staff", INSTITUTION, "name", "院" * 201),
    ("institutions", "staff", INSTITUTION, "city", "城" * 51),
    ("institutions", "staff", INSTITUTION, "contact_name", "人" * 51),
]


@pytest.mark.parametrize(
    ("path", "role", "body", "field", "value"),
    TOO_LONG,
    ids=[f"{p}-{f}-{'items' if isinstance(v, list) and len(v) > 1 else 'length'}" for p, _, _, f, v in TOO_LONG],
)
def test_every_free_text_field_refuses_text_over_its_limit_naming_it(world, path, role, body, field, value):
    if path == "enterprises":
        from tests.factories import valid_uscc

        body = {**body, "credit_code": valid_uscc(5151)}
    model = {"needs": Need, "outcomes": Outcome}.get(path)
    before = model.objects.count() if model else None
    response = world.client(role).post(f"/api/v1/{path}/", {**body, field: value}, format="json")
    assert response.status_code == 400, response.content.decode()
    assert field in response.json(), response.json()
    if model:
        assert model.objects.count() == before
    # The same body without the long value is accepted, so the length was the reason.
    assert world.client(role).post(f"/api/v1/{path}/", body, format="json").status_code == 201


def _request_components(schema: dict) -> dict[str, dict]:
    return {name: c for name, c in schema["components"]["schemas"].items() if name.endswith("Request")}


def _unbounded(component: dict, path: str = "") -> list[str]:
    """Strings without maxLength (free text) and arrays without maxItems, anywhere in a request body."""
    found = []
    for name, prop in (component.get("properties") or {}).items():
        here = f"{path}.{name}" if path else name
        kinds = prop.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if prop.get("readOnly") or "enum" in prop or "$ref" in prop or "allOf" in prop or "oneOf" in prop:
            continue
        if "string" in kinds and "format" not in prop and "maxLength" not in prop:
            found.append(here)
        if "array" in kinds:
            if "maxItems" not in prop:
                found.append(f"{here}[]")
            items = prop.get("items") or {}
            free_text = items.get("type") == "string" and "enum" not in items and "format" not in items
            if free_text and "maxLength" not in items:
                found.append(f"{here}[item]")
    return found


def test_every_string_and_list_a_client_can_send_has_a_maximum():
    """Generated from the live OpenAPI schema, so a new request field without a limit fails here."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    requests = _request_components(schema)
    assert {"NeedRequest", "OutcomeRequest", "PatchedNeedRequest", "EnterpriseRequest"} <= set(requests)
    unbounded = {name: _unbounded(component) for name, component in requests.items()}
    assert {name: fields for name, fields in unbounded.items() if fields} == {}


@pytest.fixture
def _import_dir(settings, tmp_path):
    settings.IMPORT_DIR = tmp_path / "uploads"


OUTCOME_HEADER = ["external_id", "title", "abstract", "keywords", "industry_chain", "trl", "team", "patent_numbers"]
OUTCOME_ROW = ["L-1", "成果", "简介", "词", "hydrogen", "5", "团队", "ZL1"]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("external_id", "A" * 65),
        ("title", "题" * 201),
        ("abstract", "文" * 5001),
        ("keywords", "词" * 51),
        ("team", "团" * 201),
        ("patent_numbers", "Z" * 41),
    ],
)
def test_an_imported_row_over_a_text_limit_is_refused_naming_the_field(tmp_path, _import_dir, column, value):
    from tests.factories import InstitutionFactory

    InstitutionFactory(code="xjtu")
    row = list(OUTCOME_ROW)
    row[OUTCOME_HEADER.index(column)] = value
    with mock.patch.object(tasks.prepare_and_match_imported, "delay", autospec=True):
        job = import_file(tmp_path, "o.csv", csv_bytes([OUTCOME_HEADER, row, ["L-2", *OUTCOME_ROW[1:]]]))
    assert job.failed_count == 1 and job.created_count == 1
    assert [(number, field) for number, field, _message in errors_of(job)] == [(2, column)]


# --- page sizes ------------------------------------------------------------------------------


@pytest.fixture
def many_needs(world):
    NeedFactory.create_batch(30, enterprise=world.enterprise)
    return world


def test_a_huge_page_size_is_capped_at_the_maximum(many_needs, settings):
    settings.API_MAX_PAGE_SIZE = 7
    body = many_needs.client("anonymous").get("/api/v1/needs/?page_size=100000").json()
    assert len(body["results"]) == 7
    assert body["count"] > 7 and body["next"]


def test_the_default_maximum_page_size_is_100(many_needs):
    from config.settings import base

    assert base.API_MAX_PAGE_SIZE == 100
    body = many_needs.client("anonymous").get("/api/v1/needs/?page_size=100000").json()
    assert len(body["results"]) == body["count"] <= 100


@pytest.mark.parametrize("query", ["page_size=0", "page_size=-5", "page_size=abc", "page_size="])
def test_a_nonsense_page_size_falls_back_to_the_default(many_needs, query):
    response = many_needs.client("anonymous").get(f"/api/v1/needs/?{query}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 20


@pytest.mark.parametrize("page", ["9999", "abc", "0", "-1", "1.5", "%00"])
def test_a_bad_page_number_is_a_404_json(many_needs, page):
    response = many_needs.client("anonymous").get(f"/api/v1/needs/?page={page}")
    assert response.status_code == 404
    assert "detail" in response.json()


# --- upload sizes ----------------------------------------------------------------------------


@pytest.fixture
def no_worker(_import_dir):
    with mock.patch.object(tasks.run_import, "delay", autospec=True):
        yield


def test_an_upload_over_the_limit_is_refused_naming_the_file_before_it_is_read(world, settings, no_worker):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    client = world.client("institution_member")
    response = post_declaring(client, "/api/v1/imports/", 50 * 1024 * 1024, "multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert "文件过大" in response.json()["file"][0]
    assert ImportJob.objects.count() == 0


def test_an_upload_just_over_the_limit_is_a_400_naming_the_file(world, settings, no_worker):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10_000
    content = b"external_id,title\n" + b"A-1,x\n" * 3000  # 18 kB
    data = {"kind": "outcomes", "institution": "inst-own", "file": SimpleUploadedFile("o.csv", content)}
    response = world.client("institution_member").post("/api/v1/imports/", data, format="multipart")
    assert response.status_code == 400
    assert "上限" in response.json()["file"][0]
    assert ImportJob.objects.count() == 0


def test_an_upload_may_be_larger_than_other_bodies(world, settings, no_worker):
    """The import route has its own limit (IMPORT_MAX_UPLOAD_BYTES), above the general body limit."""
    settings.REQUEST_MAX_BODY_BYTES = 10_000
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    header = "编号,标题,摘要,产业链,技术成熟度\n"
    content = (header + "".join(f"B-{i},成果{i},简介{i},hydrogen,5\n" for i in range(1500))).encode()
    assert len(content) > 40_000
    data = {"kind": "outcomes", "institution": "inst-own", "file": SimpleUploadedFile("o.csv", content)}
    response = world.client("institution_member").post("/api/v1/imports/", data, format="multipart")
    assert response.status_code == 202, response.content.decode()
    assert ImportJob.objects.get().file_size == len(content)


def test_limits_are_settings_read_from_the_environment():
    """Each limit has an env reader and a line in .env.example (listed in docs/security.md)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    base = (root / "config" / "settings" / "base.py").read_text(encoding="utf-8")
    example = (root / ".env.example").read_text(encoding="utf-8")
    security = (root / "docs" / "security.md").read_text(encoding="utf-8")
    for variable in (
        "REQUEST_MAX_BODY_BYTES",
        "API_MAX_PAGE_SIZE",
        "IMPORT_MAX_UPLOAD_BYTES",
        "NUM_PROXIES",
        "THROTTLE_LOGIN",
        "THROTTLE_LOGIN_USERNAME",
        "THROTTLE_PREVIEW",
        "THROTTLE_PREVIEW_ADDRESS",
        "THROTTLE_IMPORT",
        "THROTTLE_IMPORT_ADDRESS",
        "LOGIN_LOCKOUT_FAILURES",
        "LOGIN_LOCKOUT_WINDOW_SECONDS",
        "LOGIN_LOCKOUT_SECONDS",
    ):
        assert f'"{variable}"' in base, variable
        assert f"\n{variable}=" in example, variable
        assert variable in security, variable
