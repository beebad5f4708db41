"""Reading import files as a stream of rows, refusing files that are not what they claim.

Nothing here holds a whole file in memory: CSV and JSON Lines are read line by line, XLSX
through openpyxl's read-only mode after the archive's declared sizes were checked, and
every reader stops at the row limit.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from core.exceptions import ApplicationError

FORMATS = ("csv", "xlsx", "jsonl")
_SNIFF_BYTES = 64 * 1024
_XLSX_MAGIC = b"PK\x03\x04"


class ImportRefused(ApplicationError):
    """The whole file is refused (format, size, archive, row count); nothing was imported."""

    def __init__(self, message: str, *, field: str | None = "file") -> None:
        super().__init__(message, field=field)


@dataclass(frozen=True)
class Sheet:
    """A file ready to be read: its format, text encoding (CSV), and header cells."""

    path: Path
    fmt: str
    encoding: str = ""


def format_from_name(name: str) -> str:
    """csv, xlsx or jsonl from a file name; anything else is refused."""
    suffix = Path(name).suffix.lower().lstrip(".")
    fmt = {"csv": "csv", "txt": "csv", "xlsx": "xlsx", "jsonl": "jsonl", "ndjson": "jsonl"}.get(suffix)
    if fmt is None:
        raise ImportRefused(f"不支持的文件类型“.{suffix}”：请上传 CSV、XLSX 或 JSON Lines（.jsonl）文件。")
    return fmt


def check_size(size: int) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise ImportRefused(f"文件大小 {size / 1048576:.1f} MB 超过上限 {limit / 1048576:.0f} MB，请拆分后分批导入。")
    if size == 0:
        raise ImportRefused("文件是空的。")


def _detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030; a file with NUL bytes is not text at all."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused("文件是 UTF-16 编码：请另存为“CSV UTF-8（逗号分隔）”后重新上传。")
    if b"\x00" in head:
        raise ImportRefused("文件不是文本格式的 CSV（含有二进制内容），请检查文件是否损坏或选错了文件。")
    try:
        # final=False: the sniffed block may end inside a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise ImportRefused("无法识别文件编码：请保存为 UTF-8 或 GB18030（GBK）编码的 CSV。") from exc
    return "gb18030"


def _check_xlsx_archive(path: Path) -> None:
    """Refuse a zip bomb before openpyxl inflates anything: declared sizes and ratios are read first."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > settings.IMPORT_XLSX_MAX_MEMBERS:
                raise ImportRefused("XLSX 文件内部结构异常（文件数过多），已拒绝。")
            total = 0
            for member in members:
                total += member.file_size
                ratio = member.file_size / max(member.compress_size, 1)
                if member.file_size > 1_000_000 and ratio > settings.IMPORT_XLSX_MAX_RATIO:
                    raise ImportRefused(
                        f"XLSX 文件压缩比异常（{member.filename} 解压后放大 {ratio:.0f} 倍），疑似压缩炸弹，已拒绝。"
                    )
            if total > settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES:
                raise ImportRefused(
                    f"XLSX 文件解压后达 {total / 1048576:.0f} MB，超过上限 "
                    f"{settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES / 1048576:.0f} MB，请拆分后分批导入。"
                )
            if "xl/workbook.xml" not in {m.filename for m in members}:
                raise ImportRefused("文件不是有效的 XLSX 工作簿（缺少 workbook），请用 Excel 另存为 .xlsx。")
    except zipfile.BadZipFile as exc:
        raise ImportRefused("文件不是有效的 XLSX 工作簿（无法解压），请检查文件是否损坏或选错了文件。") from exc


def open_sheet(path: Path, fmt: str) -> Sheet:
    """Check that the file is what its name claims; refuse it with a clear message otherwise."""
    check_size(path.stat().st_size)
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if fmt == "xlsx":
        if not head.startswith(_XLSX_MAGIC):
            raise ImportRefused("文件扩展名是 .xlsx，但内容不是 Excel 工作簿，请检查文件是否损坏或选错了文件。")
        _check_xlsx_archive(path)
        return Sheet(path, fmt)
    if head.startswith(_XLSX_MAGIC) or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused("文件内容是 Excel 工作簿：请以 .xlsx 扩展名上传（旧版 .xls 请先另存为 .xlsx）。")
    encoding = _detect_encoding(head)
    if fmt == "jsonl":
        first = next((line for line in head.decode(encoding, errors="replace").splitlines() if line.strip()), "")
        if not first.lstrip().startswith("{"):
            raise ImportRefused('文件不是 JSON Lines 格式：每行应是一个 JSON 对象，例如 {"title": "…"}。')
    return Sheet(path, fmt, encoding)


def _too_many_rows() -> ImportRefused:
    return ImportRefused(f"文件超过 {settings.IMPORT_MAX_ROWS} 行的上限，已拒绝整个文件；请拆分后分批导入。")


def read_rows(sheet: Sheet) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number as the user sees it, {header: cell}) for every non-empty data row.

    Row numbers are spreadsheet rows (the header is row 1) for CSV and XLSX, and line
    numbers for JSON Lines. Raises ImportRefused past IMPORT_MAX_ROWS.
    """
    reader = {"csv": _csv_rows, "xlsx": _xlsx_rows, "jsonl": _jsonl_rows}[sheet.fmt]
    limit = settings.IMPORT_MAX_ROWS
    count = 0
    try:
        for number, row in reader(sheet):
            count += 1
            if count > limit:
                raise _too_many_rows()
            yield number, row
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            f"第 {count + 2} 行附近的字节不是 {sheet.encoding} 编码，文件可能混用了编码或已损坏。"
        ) from exc


def headers(sheet: Sheet) -> list[str]:
    """The header cells (CSV, XLSX) or the keys seen in the first lines (JSON Lines)."""
    if sheet.fmt == "jsonl":
        keys: dict[str, None] = {}
        for _number, row in zip(range(50), _jsonl_rows(sheet), strict=False):
            keys.update(dict.fromkeys(k for k in row[1] if not k.startswith("_")))
        return list(keys)
    if sheet.fmt == "csv":
        with _csv_text(sheet) as fh:
            try:
                return next(csv.reader(fh), [])
            except (csv.Error, UnicodeDecodeError) as exc:
                raise ImportRefused(f"无法读取表头：{exc}") from exc
    workbook = _open_workbook(sheet)
    try:
        return [("" if v is None else str(v)) for v in next(workbook.active.iter_rows(values_only=True), ())]
    finally:
        workbook.close()


def _csv_text(sheet: Sheet) -> io.TextIOWrapper:
    return io.TextIOWrapper(sheet.path.open("rb"), encoding=sheet.encoding, newline="")


def _csv_rows(sheet: Sheet) -> Iterator[tuple[int, dict[str, Any]]]:
    with _csv_text(sheet) as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, [])
            for cells in reader:
                if any(c.strip() for c in cells):
                    yield reader.line_num, dict(zip(header, cells, strict=False))
        except csv.Error as exc:
            raise ImportRefused(f"第 {reader.line_num} 行 CSV 格式错误：{exc}") from exc


def _open_workbook(sheet: Sheet):
    import openpyxl

    try:
        return openpyxl.load_workbook(sheet.path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ImportRefused(f"无法打开 XLSX 工作簿：{type(exc).__name__}。请用 Excel 另存为 .xlsx 后重试。") from exc


def _xlsx_rows(sheet: Sheet) -> Iterator[tuple[int, dict[str, Any]]]:
    workbook = _open_workbook(sheet)
    try:
        rows = workbook.active.iter_rows(values_only=True)
        header = [("" if v is None else str(v)) for v in next(rows, ())]
        for number, cells in enumerate(rows, start=2):
            if any(c is not None and str(c).strip() for c in cells):
                yield number, dict(zip(header, cells, strict=False))
    finally:
        workbook.close()


def _jsonl_rows(sheet: Sheet) -> Iterator[tuple[int, dict[str, Any]]]:
    with _csv_text(sheet) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                value = None
            if not isinstance(value, dict):
                # Reported as a row error by the importer, not a refusal of the whole file.
                value = {"_invalid": "该行不是合法的 JSON 对象。"}
            yield number, value
