"""What import_outcomes and import_needs share: create the job, run it here with a progress bar."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from imports import services
from imports.models import ImportJob


class ImportCommand(BaseCommand):
    kind = ""
    owner_option = ""
    owner_help = ""

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="CSV（UTF-8/GB18030）、XLSX 或 JSON Lines 文件")
        parser.add_argument(f"--{self.owner_option}", required=True, metavar="CODE", help=self.owner_help)
        parser.add_argument(
            "--background",
            action="store_true",
            help="交给 Celery worker 执行并在此显示进度（默认在本进程内执行）",
        )
        parser.add_argument("--no-match", action="store_true", help="只写入数据，文本处理和匹配留给定时任务")
        parser.add_argument("--report", type=Path, help="把出错行报告写到这个 CSV 文件")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            with path.open("rb") as fh:
                job = services.import_job_create(
                    kind=self.kind,
                    owner_code=options[self.owner_option],
                    file_name=path.name,
                    chunks=iter(lambda: fh.read(1 << 20), b""),
                    created_by=None,
                )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"导入任务 #{job.pk}：{path.name}")
        job = self._follow(job) if options["background"] else self._run(job, match=not options["no_match"])
        self._summary(job, options.get("report"))

    def _bar(self):
        from tqdm import tqdm

        return tqdm(total=None, unit="行", desc="导入", file=self.stderr, dynamic_ncols=True)

    def _run(self, job: ImportJob, *, match: bool) -> ImportJob:
        bar = self._bar()

        def progress(current: ImportJob) -> None:
            if current.total_rows is not None and bar.total != current.total_rows:
                bar.total = current.total_rows
                bar.refresh()
            bar.update(current.rows_done - bar.n)

        try:
            return services.import_run(job=job, progress=progress, match=match)
        finally:
            bar.close()

    def _follow(self, job: ImportJob) -> ImportJob:
        import time

        services.import_job_queue(job)
        bar = self._bar()
        try:
            while True:
                job.refresh_from_db()
                if job.total_rows is not None:
                    bar.total = job.total_rows
                bar.update(job.rows_done - bar.n)
                if job.is_finished():
                    return job
                time.sleep(0.5)
        finally:
            bar.close()

    def _summary(self, job: ImportJob, report: Path | None) -> None:
        line = (
            f"共 {job.total_rows or 0} 行：新增 {job.created_count}，更新 {job.updated_count}，"
            f"未变化 {job.unchanged_count}，出错 {job.failed_count}；匹配批次 {job.match_batches}。"
        )
        if report is not None:
            with report.open("w", encoding="utf-8", newline="") as fh:
                fh.writelines(services.report_csv_lines(job))
            self.stdout.write(f"出错行报告：{report}")
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(f"导入失败：{job.error_message}")
        self.stdout.write(self.style.SUCCESS(line))
        for error in job.row_errors.order_by("row_number", "id")[:20]:
            self.stdout.write(f"  第 {error.row_number} 行 {error.column or '-'}：{error.message}")
        if job.failed_count > 20:
            self.stdout.write("  ……完整列表请用 --report 导出。")
