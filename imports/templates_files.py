"""The template files users download: CSV shipped in imports/data, XLSX written on request."""

from __future__ import annotations

import io
from pathlib import Path

from imports.columns import COLUMNS

DATA = Path(__file__).resolve().parent / "data"


def template_csv(kind: str) -> bytes:
    return (DATA / f"{kind}_template.csv").read_bytes()


def template_xlsx(kind: str) -> bytes:
    """The same header and example row as the CSV template, plus a sheet explaining each column."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("导入数据")
    sheet.append([c.label for c in COLUMNS[kind]])
    sheet.append([c.example for c in COLUMNS[kind]])
    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "英文列名", "必填", "说明"])
    for column in COLUMNS[kind]:
        notes.append([column.label, column.field, "是" if column.required else "否", column.help])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
