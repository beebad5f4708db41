"""Turning spreadsheet cells into the values the API serializers take, with reasons in Chinese."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import cache
from typing import Any

from core.models import TransferMode
from core.taxonomy import industry_chains
from imports.columns import COLUMNS, Column, header_key
from needs.models import Need
from outcomes.models import Outcome

LIST_SEPARATORS = re.compile(r"[;；,，、|｜\n]+")
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "对", "有"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "无", "不"}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class CellError(ValueError):
    """A cell that cannot be read as its column's type."""


def _key(value: str) -> str:
    return header_key(value)


@cache
def _chain_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for chain in industry_chains():
        lookup[_key(chain.code)] = chain.code
        lookup[_key(chain.name)] = chain.code
    return lookup


@cache
def _mode_lookup() -> dict[str, str]:
    lookup = {_key(code): code for code in TransferMode.values}
    lookup.update({_key(str(label)): code for code, label in TransferMode.choices})
    return lookup


@cache
def _status_lookup(kind: str) -> dict[str, str]:
    status = Outcome.Status if kind == "outcomes" else Need.Status
    lookup = {_key(code): code for code in status.values}
    lookup.update({_key(str(label)): code for code, label in status.choices})
    return lookup


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 1001 as 1001.0
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return str(value).strip()


def _split(value: Any) -> list[str]:
    if isinstance(value, list):
        return [_text(v) for v in value if not is_blank(v)]
    return [part.strip() for part in LIST_SEPARATORS.split(_text(value)) if part.strip()]


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = _key(_text(value))
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise CellError(f"应填“是”或“否”，而不是“{_text(value)[:20]}”。")


def _int(value: Any) -> Any:
    if isinstance(value, bool):
        raise CellError("应为整数。")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    if re.fullmatch(r"\d+\.0+", text):
        return int(float(text))
    return text


def _money(value: Any) -> Any:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return _text(value).replace(",", "").replace("，", "").removesuffix("万元").removesuffix("万").strip()


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _text(value)
    found = _DATE.match(text)
    if found:
        try:
            return dt.date(*(int(g) for g in found.groups())).isoformat()
        except ValueError as exc:
            raise CellError(f"日期“{text}”不存在。") from exc
    return text


def convert_cell(kind: str, column: Column, value: Any) -> Any:
    """The cell as the serializer expects it; names are turned into codes, unknown ones left for it to refuse."""
    if column.kind == "text":
        return _text(value)
    if column.kind == "list":
        return _split(value)
    if column.kind == "modes":
        return [_mode_lookup().get(_key(item), item) for item in _split(value)]
    if column.kind == "chain":
        text = _text(value)
        return _chain_lookup().get(_key(text), text)
    if column.kind == "status":
        text = _text(value)
        return _status_lookup(kind).get(_key(text), text)
    if column.kind == "int":
        return _int(value)
    if column.kind == "money":
        return _money(value)
    if column.kind == "bool":
        return _bool(value)
    if column.kind == "date":
        return _date(value)
    raise AssertionError(column.kind)


def blank_value(column: Column) -> Any:
    """What an empty cell in a present column sets the field to."""
    if column.kind in ("list", "modes"):
        return []
    if column.kind in ("int", "money", "date"):
        return None
    if column.kind == "bool":
        return {"service_invention": True}.get(column.field, False)
    if column.kind == "status":
        return None  # the model default, applied by the importer
    return ""


def columns_by_field(kind: str) -> dict[str, Column]:
    return {c.field: c for c in COLUMNS[kind]}
