"""Check a test-client response against the project's own OpenAPI schema, as schemathesis does live."""

from __future__ import annotations

import functools
import json
import re

import requests
import schemathesis
from rest_framework.test import APIClient


@functools.cache
def _schema_dict() -> str:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.content.decode()


def live_schema():
    return schemathesis.openapi.from_dict(json.loads(_schema_dict()))


def assert_documented(response, method: str, path_template: str, url: str) -> None:
    """Status, content type and body of `response` are what the schema says `method path_template` answers."""
    checks = [
        schemathesis.checks.status_code_conformance,
        schemathesis.checks.content_type_conformance,
        schemathesis.checks.response_schema_conformance,
    ]
    operation = live_schema()[path_template][method]
    prepared = requests.Request(method, f"http://testserver{url}").prepare()
    wrapped = schemathesis.Response(
        status_code=response.status_code,
        headers={name.lower(): [value] for name, value in response.items()},
        content=response.content,
        request=prepared,
        elapsed=0.0,
        verify=True,
    )
    pattern = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(path_template))
    found = re.match(pattern, url.split("?")[0])
    assert found, (url, path_template)
    case = operation.Case(path_parameters=found.groupdict() or None)
    case.validate_response(wrapped, checks=checks)
