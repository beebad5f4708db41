"""Workflows of bulk import: accept a file, run the job in chunks, report the refused rows.

A job reads its file twice: once to count the rows (and refuse a file past the row limit
before anything lands), once to write. Rows are validated with the API's serializers,
written with bulk_create/bulk_update in chunks of IMPORT_CHUNK_SIZE in one transaction
each, and each chunk's new or changed rows are handed to one preparation-and-matching
task after the chunk commits. Unchanged rows are not written at all, so importing the
same file twice changes nothing.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from rest_framework import serializers

from core.exceptions import ApplicationError
from imports import parsers
from imports.columns import COLUMNS, header_key, header_map
from imports.models import ImportJob, ImportRowError, NeedImportKey
from imports.parsers import ImportRefused
from imports.row_serializers import NeedRowSerializer, OutcomeRowSerializer, flatten_errors
from imports.values import CellError, blank_value, columns_by_field, convert_cell, is_blank
from needs.models import Enterprise, Need
from outcomes.models import Institution, Outcome

logger = logging.getLogger(__name__)

Progress = Callable[[ImportJob], None]


def import_dir() -> Path:
    path = Path(settings.IMPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- columns --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMap:
    by_header: dict[str, str]  # the file's header → field
    ignored: list[str]

    def header_of(self, field_name: str) -> str:
        return next((h for h, f in self.by_header.items() if f == field_name), field_name)


def map_columns(kind: str, headers: Iterable[str]) -> ColumnMap:
    """Match the file's headers to fields; refuse a file without the required columns."""
    known = header_map(kind)
    by_header: dict[str, str] = {}
    seen: dict[str, str] = {}
    ignored: list[str] = []
    for header in headers:
        if not str(header).strip():
            continue
        field_name = known.get(header_key(header))
        if field_name is None:
            ignored.append(str(header))
            continue
        if field_name in seen:
            raise ImportRefused(f"列“{seen[field_name]}”和“{header}”是同一字段，请删去其中一列。")
        seen[field_name] = str(header)
        by_header[str(header)] = field_name
    missing = [c for c in COLUMNS[kind] if c.required and c.field not in seen]
    if missing:
        names = "、".join(f"{c.label}（{c.field}）" for c in missing)
        if not by_header:
            raise ImportRefused(
                f"没有识别出任何列名：第一行应为表头，例如“{COLUMNS[kind][1].label}”。请下载导入模板对照填写。"
            )
        raise ImportRefused(f"缺少必需的列：{names}。请下载导入模板对照填写。")
    return ColumnMap(by_header, ignored)


# --- accepting a file -------------------------------------------------------------------------------


def _owner(kind: str, code: str) -> Institution | Enterprise:
    if kind == ImportJob.Kind.OUTCOMES:
        owner = Institution.objects.filter(code=code).first()
        if owner is None:
            raise ApplicationError(f"未找到代码为“{code}”的高校院所。", field="institution")
        return owner
    if kind == ImportJob.Kind.NEEDS:
        owner = Enterprise.objects.filter(code=code).first()
        if owner is None:
            raise ApplicationError(f"未找到代码为“{code}”的企业。", field="enterprise")
        return owner
    raise ApplicationError("导入类型应为 outcomes（科技成果）或 needs（产业需求）。", field="kind")


def import_job_create(
    *,
    kind: str,
    owner_code: str,
    file_name: str,
    chunks: Iterable[bytes],
    created_by: AbstractBaseUser | None,
) -> ImportJob:
    """Store an uploaded file and create its job, after checking it is what it claims to be.

    Only cheap checks run here (size, format, archive, headers); the row count and the
    rows themselves are checked by the job.
    """
    owner = _owner(kind, owner_code)
    fmt = parsers.format_from_name(file_name)
    path = import_dir() / f"{uuid.uuid4().hex}.{fmt}"
    size = 0
    try:
        with path.open("wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > settings.IMPORT_MAX_UPLOAD_BYTES:
                    parsers.check_size(size)
                out.write(chunk)
        sheet = parsers.open_sheet(path, fmt)
        columns = map_columns(kind, parsers.headers(sheet))
        job = ImportJob.objects.create(
            kind=kind,
            institution=owner if kind == ImportJob.Kind.OUTCOMES else None,
            enterprise=owner if kind == ImportJob.Kind.NEEDS else None,
            file_name=Path(file_name).name[:255],
            file_format=fmt,
            file_size=size,
            stored_path=str(path),
            ignored_columns=columns.ignored,
            created_by=created_by,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return job


def import_job_queue(job: ImportJob) -> None:
    """Run the job on a worker once the job row is committed."""
    from imports import tasks

    transaction.on_commit(lambda: tasks.run_import.delay(job.pk), robust=True)


# --- running a job ----------------------------------------------------------------------------------


@dataclass
class _Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    done: int = 0
    batches: int = 0


@dataclass
class _Row:
    number: int
    key: str
    attrs: dict[str, Any]


@dataclass
class _Chunk:
    valid: list[_Row] = field(default_factory=list)
    errors: list[ImportRowError] = field(default_factory=list)
    rows: int = 0


class _Importer(ABC):
    """Validates and writes one job's rows; subclasses know the model and its upsert key."""

    kind: str
    serializer_class: type[serializers.Serializer]
    model: type[Outcome] | type[Need]

    def __init__(self, job: ImportJob, columns: ColumnMap, *, match: bool) -> None:
        self.job = job
        self.owner = job.owner()
        self.columns = columns
        self.fields = columns_by_field(self.kind)
        self.serializer = self.serializer_class(partial=True, context={})
        self.match = match
        self.counts = _Counts()
        self.seen: dict[str, int] = {}  # key → first row number, to catch duplicates within the file

    # -- validation --

    def _error(self, number: int, field_name: str, message: str, *, key: str = "", value: Any = "") -> ImportRowError:
        header = self.columns.header_of(field_name) if field_name else ""
        return ImportRowError(
            job=self.job,
            row_number=number,
            external_id=str(key)[:64],
            field=field_name,
            column=header[:64],
            value=("" if value is None else str(value))[:200],
            message=message[:500],
        )

    def validate(self, number: int, raw: dict[str, Any]) -> tuple[_Row | None, list[ImportRowError]]:
        if "_invalid" in raw:
            return None, [self._error(number, "", raw["_invalid"])]
        data: dict[str, Any] = {}
        errors: list[ImportRowError] = []
        raw_by_field: dict[str, Any] = {}
        for header, value in raw.items():
            field_name = self.columns.by_header.get(header) if header is not None else None
            if field_name is None:
                # JSON Lines rows may name a column their first lines did not use.
                field_name = header_map(self.kind).get(header_key(header)) if header else None
                if field_name is None:
                    continue
            column = self.fields[field_name]
            raw_by_field[field_name] = value
            if is_blank(value):
                if column.required:
                    errors.append(self._error(number, field_name, "必填项，不能为空。"))
                elif column.kind != "status":
                    data[field_name] = blank_value(column)
                continue
            try:
                data[field_name] = convert_cell(self.kind, column, value)
            except CellError as exc:
                errors.append(self._error(number, field_name, str(exc), value=value))
        key = self.key_of(data)
        try:
            attrs = self.serializer.run_validation(data)
        except serializers.ValidationError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {"": exc.detail}
            errors += [
                self._error(number, name, message, value=raw_by_field.get(name, ""))
                for name, message in flatten_errors(detail)
            ]
        if errors:
            for error in errors:
                error.external_id = key[:64]
            # Report the fields in the file's column order, whichever check found them.
            order = {name: i for i, name in enumerate(self.fields)}
            errors.sort(key=lambda e: order.get(e.field, len(order)))
            return None, errors
        first = self.seen.get(key)
        if first is not None:
            return None, [
                self._error(
                    number,
                    self.key_field(data),
                    f"与第 {first} 行重复，本行未导入。",
                    key=key,
                    value=data.get(self.key_field(data), ""),
                )
            ]
        self.seen[key] = number
        return _Row(number, key, dict(attrs)), []

    def key_field(self, data: dict[str, Any]) -> str:
        return "external_id"

    def key_of(self, data: dict[str, Any]) -> str:
        return str(data.get("external_id") or "")

    # -- writing --

    @abstractmethod
    def existing(self, keys: list[str]) -> dict[str, Any]:
        """The rows already stored under these upsert keys."""

    @abstractmethod
    def new_row(self, row: _Row) -> Any:
        """An unsaved model instance for a validated row."""

    def after_create(self, created: list[tuple[_Row, Any]]) -> None:  # noqa: B027 (an optional hook)
        """Hook for rows created in this chunk (needs record their import key)."""

    def write_chunk(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        chunk = _Chunk(rows=len(batch))
        for number, raw in batch:
            row, errors = self.validate(number, raw)
            if row is None:
                chunk.errors.extend(errors)
            else:
                chunk.valid.append(row)
        before = dataclasses.replace(self.counts)
        try:
            with transaction.atomic():
                changed = self._write(chunk.valid, chunk.errors)
        except IntegrityError:
            for name, value in dataclasses.asdict(before).items():
                setattr(self.counts, name, value)
            # Someone registered one of these rows through the API meanwhile: retry row by row,
            # so only the clashing rows fail.
            logger.warning("import job %s: chunk clashed, retrying row by row", self.job.pk, exc_info=True)
            changed = self._write_one_by_one(chunk)
        self.counts.failed += len({e.row_number for e in chunk.errors})
        self.counts.done += chunk.rows
        if changed and self.match:
            self.counts.batches += 1
            from imports import tasks

            ids, kind = list(changed), self.kind
            transaction.on_commit(lambda: tasks.prepare_and_match_imported.delay(kind, ids), robust=True)

    def _write_one_by_one(self, chunk: _Chunk) -> list[int]:
        changed: list[int] = []
        for row in chunk.valid:
            try:
                with transaction.atomic():
                    changed += self._write([row], [])
            except IntegrityError:
                chunk.errors.append(self._error(row.number, "external_id", "与已有记录冲突，本行未导入。", key=row.key))
        ImportRowError.objects.bulk_create(chunk.errors)
        return changed

    def _write(self, rows: list[_Row], errors: list[ImportRowError]) -> list[int]:
        existing = self.existing([r.key for r in rows])
        to_create: list[tuple[_Row, Any]] = []
        to_update: list[Any] = []
        fields: set[str] = set()
        now = timezone.now()
        for row in rows:
            obj = existing.get(row.key)
            if obj is None:
                to_create.append((row, self.new_row(row)))
                continue
            diff = {name: value for name, value in row.attrs.items() if getattr(obj, name) != value}
            if not diff:
                self.counts.unchanged += 1
                continue
            for name, value in diff.items():
                setattr(obj, name, value)
            obj.updated_at = now  # bulk_update does not apply auto_now
            fields.update(diff)
            to_update.append(obj)
        created = self.model.objects.bulk_create([obj for _row, obj in to_create])
        self.after_create(list(zip([r for r, _o in to_create], created, strict=True)))
        if to_update:
            self.model.objects.bulk_update(to_update, [*sorted(fields), "updated_at"])
        ImportRowError.objects.bulk_create(errors)
        self.counts.created += len(created)
        self.counts.updated += len(to_update)
        return [obj.pk for obj in created] + [obj.pk for obj in to_update]


class _OutcomeImporter(_Importer):
    kind = ImportJob.Kind.OUTCOMES
    serializer_class = OutcomeRowSerializer
    model = Outcome

    def existing(self, keys: list[str]) -> dict[str, Outcome]:
        rows = Outcome.objects.filter(institution=self.owner, external_id__in=keys)
        return {o.external_id: o for o in rows}

    def new_row(self, row: _Row) -> Outcome:
        return Outcome(institution=self.owner, created_by=self.job.created_by, **row.attrs)


class _NeedImporter(_Importer):
    """Needs are keyed by the file's 编号 when it has one, otherwise by their title within the enterprise."""

    kind = ImportJob.Kind.NEEDS
    serializer_class = NeedRowSerializer
    model = Need

    def key_field(self, data: dict[str, Any]) -> str:
        return "external_id" if data.get("external_id") else "title"

    def key_of(self, data: dict[str, Any]) -> str:
        external_id = str(data.get("external_id") or "")
        return f"id:{external_id}" if external_id else f"title:{data.get('title') or ''}"

    def validate(self, number, raw):
        row, errors = super().validate(number, raw)
        for error in errors:
            error.external_id = error.external_id.removeprefix("id:").removeprefix("title:")[:64]
        if row is not None:
            row.attrs.pop("external_id", None)
        return row, errors

    def existing(self, keys: list[str]) -> dict[str, Need]:
        ids = [k[3:] for k in keys if k.startswith("id:")]
        titles = [k[6:] for k in keys if k.startswith("title:")]
        found: dict[str, Need] = {}
        for key in NeedImportKey.objects.filter(enterprise=self.owner, external_id__in=ids).select_related("need"):
            found[f"id:{key.external_id}"] = key.need
        if titles:
            # The oldest need of that title is the one a title-keyed file updates.
            for need in Need.objects.filter(enterprise=self.owner, title__in=titles).order_by("-created_at", "-id"):
                found[f"title:{need.title}"] = need
        return found

    def new_row(self, row: _Row) -> Need:
        attrs = {"status": Need.Status.OPEN, **row.attrs}
        return Need(enterprise=self.owner, created_by=self.job.created_by, **attrs)

    def after_create(self, created: list[tuple[_Row, Any]]) -> None:
        keys = [
            NeedImportKey(enterprise=self.owner, external_id=row.key[3:], need=need)
            for row, need in created
            if row.key.startswith("id:")
        ]
        NeedImportKey.objects.bulk_create(keys)


def _save_progress(job: ImportJob, counts: _Counts, **extra: Any) -> None:
    values = {
        "rows_done": counts.done,
        "created_count": counts.created,
        "updated_count": counts.updated,
        "unchanged_count": counts.unchanged,
        "failed_count": counts.failed,
        "match_batches": counts.batches,
        **extra,
    }
    ImportJob.objects.filter(pk=job.pk).update(**values)
    for name, value in values.items():
        setattr(job, name, value)


def import_run(*, job: ImportJob, progress: Progress | None = None, match: bool = True) -> ImportJob:
    """Import the job's file: count, validate and write its rows in chunks, then mark the job done or failed.

    `match=False` leaves preparation and matching to the periodic sweep (the benchmark
    times the two phases apart). ImportRefused marks the job failed with its message.
    """
    with translation.override("zh-hans"):
        job.row_errors.all().delete()  # a rerun (worker lost) starts a fresh report
        started = timezone.now()
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, started_at=started)
        job.status, job.started_at = ImportJob.Status.RUNNING, started
        counts = _Counts()
        try:
            sheet = parsers.open_sheet(Path(job.stored_path), job.file_format)
            columns = map_columns(job.kind, parsers.headers(sheet))
            total = sum(1 for _ in parsers.read_rows(sheet))
            _save_progress(job, counts, total_rows=total, ignored_columns=columns.ignored)
            if progress:
                progress(job)
            importer_class = _OutcomeImporter if job.kind == ImportJob.Kind.OUTCOMES else _NeedImporter
            importer = importer_class(job, columns, match=match)
            counts = importer.counts
            batch: list[tuple[int, dict[str, Any]]] = []
            for number, raw in parsers.read_rows(sheet):
                batch.append((number, raw))
                if len(batch) >= settings.IMPORT_CHUNK_SIZE:
                    importer.write_chunk(batch)
                    batch = []
                    _save_progress(job, counts)
                    if progress:
                        progress(job)
            if batch:
                importer.write_chunk(batch)
            _save_progress(job, counts, status=ImportJob.Status.DONE, finished_at=timezone.now())
        except ImportRefused as exc:
            _save_progress(
                job, counts, status=ImportJob.Status.FAILED, error_message=exc.message, finished_at=timezone.now()
            )
        except Exception:
            logger.exception("import job %s failed", job.pk)
            _save_progress(
                job,
                counts,
                status=ImportJob.Status.FAILED,
                error_message="导入时发生内部错误，已导入的行保留；请联系平台管理员。",
                finished_at=timezone.now(),
            )
            raise
        finally:
            if progress:
                progress(job)
    return job


# --- preparing and matching imported rows ----------------------------------------------------------


def imported_rows_prepare_and_match(*, kind: str, ids: list[int]) -> dict[str, int]:
    """Prepare the text of one chunk's rows in one transaction, then match the ones in the market."""
    from matchmaker.services import match_refresh_for_need, match_refresh_for_outcome, text_prepare

    if kind == ImportJob.Kind.OUTCOMES:
        rows = list(Outcome.objects.select_related("institution").filter(pk__in=ids))
    else:
        rows = list(Need.objects.select_related("enterprise").filter(pk__in=ids))
    with transaction.atomic():
        for row in rows:
            text_prepare(row)
    matched = 0
    for row in rows:
        if isinstance(row, Outcome) and row.is_available():
            match_refresh_for_outcome(outcome=row)
            matched += 1
        elif isinstance(row, Need) and row.is_open():
            match_refresh_for_need(need=row)
            matched += 1
    return {"prepared": len(rows), "matched": matched}


# --- the report --------------------------------------------------------------------------------------

REPORT_HEADER = ("行号", "编号", "列名", "字段", "原值", "原因")


def report_csv_lines(job: ImportJob) -> Iterable[str]:
    """The refused rows as CSV text, starting with a BOM so Excel reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff"
    writer.writerow(REPORT_HEADER)
    if job.status == ImportJob.Status.FAILED and job.error_message:
        writer.writerow(("", "", "", "", "", job.error_message))
    yield flush()
    rows = job.row_errors.order_by("row_number", "id").values_list(
        "row_number", "external_id", "column", "field", "value", "message"
    )
    for row in rows.iterator(chunk_size=2000):
        writer.writerow(row)
        if buffer.tell() > 64 * 1024:
            yield flush()
    yield flush()
