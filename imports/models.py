"""Bulk import jobs, the rows they refused, and the external ids of imported needs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from needs.models import Enterprise, Need
from outcomes.models import Institution


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        OUTCOMES = "outcomes", "科技成果"
        NEEDS = "needs", "产业需求"

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "导入中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("导入类型", max_length=16, choices=Kind.choices)
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="import_jobs",
        verbose_name="高校院所",
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, null=True, blank=True, related_name="import_jobs", verbose_name="企业"
    )
    file_name = models.CharField("文件名", max_length=255)
    file_format = models.CharField("文件格式", max_length=8)
    file_size = models.PositiveBigIntegerField("文件大小（字节）", default=0)
    stored_path = models.CharField("存储路径", max_length=500, editable=False)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField("总行数", null=True, blank=True)
    rows_done = models.PositiveIntegerField("已处理行数", default=0)
    created_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("未变化", default=0)
    failed_count = models.PositiveIntegerField("出错", default=0)
    match_batches = models.PositiveIntegerField("匹配批次", default=0)
    ignored_columns = models.JSONField("未识别的列", default=list, blank=True)
    error_message = models.TextField("失败原因", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导入任务"
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="outcomes", institution__isnull=False, enterprise__isnull=True)
                    | models.Q(kind="needs", enterprise__isnull=False, institution__isnull=True)
                ),
                name="import_job_owner_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}导入 #{self.pk} {self.file_name}"

    def owner(self) -> Institution | Enterprise:
        return self.institution if self.kind == self.Kind.OUTCOMES else self.enterprise

    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def progress(self) -> float | None:
        """Share of rows processed, 0–1; None until the rows were counted."""
        if not self.total_rows:
            return 1.0 if self.status == self.Status.DONE else None
        return min(1.0, self.rows_done / self.total_rows)


class ImportRowError(models.Model):
    """One refused row (or one field of it), in the words shown to the user."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField("行号")
    external_id = models.CharField("编号", max_length=64, blank=True)
    field = models.CharField("字段", max_length=64, blank=True)
    column = models.CharField("列名", max_length=64, blank=True)
    value = models.CharField("原值", max_length=200, blank=True)
    message = models.CharField("原因", max_length=500)

    class Meta:
        verbose_name = verbose_name_plural = "导入错误"
        ordering = ("job", "row_number", "id")

    def __str__(self) -> str:
        return f"第{self.row_number}行 {self.column}：{self.message}"


class NeedImportKey(models.Model):
    """An enterprise's own id for a need, so a re-import updates the need instead of adding it again."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField("需求编号", max_length=64)
    need = models.OneToOneField(Need, on_delete=models.CASCADE, related_name="import_key")

    class Meta:
        verbose_name = verbose_name_plural = "需求导入编号"
        constraints = [
            models.UniqueConstraint(fields=("enterprise", "external_id"), name="uniq_need_import_key"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise.code}:{self.external_id}"
