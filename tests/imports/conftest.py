"""Helpers for import tests: write files in every format, run a job the way the command does."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from imports import services
from imports.models import ImportJob


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.IMPORT_DIR = tmp_path / "uploads"


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def jsonl_bytes(rows: list[list[str]]) -> bytes:
    header, *body = rows
    return "\n".join(json.dumps(dict(zip(header, r, strict=True)), ensure_ascii=False) for r in body).encode()


def import_file(tmp_path: Path, name: str, content: bytes, *, kind: str = "outcomes", owner: str = "xjtu") -> ImportJob:
    job = services.import_job_create(kind=kind, owner_code=owner, file_name=name, chunks=[content], created_by=None)
    return services.import_run(job=job)


def errors_of(job: ImportJob) -> list[tuple[int, str, str]]:
    return list(job.row_errors.order_by("row_number", "id").values_list("row_number", "field", "message"))
