"""Admin: the jobs, their refused rows, an upload form, the report and the templates."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html

from core.exceptions import ApplicationError
from imports import services
from imports.models import ImportJob, ImportRowError
from imports.templates_files import template_csv, template_xlsx
from needs.models import Enterprise
from outcomes.models import Institution


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label="导入类型", choices=ImportJob.Kind.choices)
    institution = forms.ModelChoiceField(
        label="高校院所（导入科技成果时）", queryset=Institution.objects.all(), required=False
    )
    enterprise = forms.ModelChoiceField(
        label="企业（导入产业需求时）", queryset=Enterprise.objects.all(), required=False
    )
    file = forms.FileField(label="文件", help_text="CSV（UTF-8 / GB18030）、XLSX 或 JSON Lines")

    def clean(self):
        data = super().clean()
        owner_field = "institution" if data.get("kind") == ImportJob.Kind.OUTCOMES else "enterprise"
        if not data.get(owner_field):
            self.add_error(owner_field, "请选择所属单位。")
        return data


class ImportRowErrorInline(admin.TabularInline):
    model = ImportRowError
    extra = 0
    max_num = 0
    can_delete = False
    fields = ("row_number", "external_id", "column", "value", "message")
    readonly_fields = fields
    ordering = ("row_number", "id")

    def get_queryset(self, request):
        # A job may have thousands of refused rows; the full list is the CSV report.
        ids = super().get_queryset(request).order_by("row_number", "id").values_list("pk", flat=True)
        return super().get_queryset(request).filter(pk__in=list(ids[:200]))


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "owner_name",
        "file_name",
        "status",
        "rows_done",
        "total_rows",
        "created_count",
        "updated_count",
        "unchanged_count",
        "failed_count",
        "created_at",
    )
    list_filter = ("kind", "status")
    search_fields = ("file_name", "institution__name", "enterprise__name")
    readonly_fields = [f.name for f in ImportJob._meta.fields] + ["report_link"]
    inlines = (ImportRowErrorInline,)
    change_list_template = "admin/imports/importjob/change_list.html"

    @admin.display(description="所属单位")
    def owner_name(self, job: ImportJob) -> str:
        return str(job.owner())

    @admin.display(description="出错行报告")
    def report_link(self, job: ImportJob) -> str:
        url = reverse("admin:imports_importjob_report", args=[job.pk])
        return format_html('<a href="{}">下载 CSV（{} 行出错）</a>', url, job.failed_count)

    def has_add_permission(self, request) -> bool:
        return False  # jobs come from the upload form

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="imports_importjob_upload"),
            path("<int:pk>/report.csv", view(self.report_view), name="imports_importjob_report"),
            path("template/<str:kind>.<str:filetype>", view(self.template_view), name="imports_importjob_template"),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        if not request.user.is_staff:
            return redirect("admin:login")
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            owner = data["institution"] if data["kind"] == ImportJob.Kind.OUTCOMES else data["enterprise"]
            upload = data["file"]
            try:
                if upload.size > services.settings.IMPORT_MAX_UPLOAD_BYTES:
                    services.parsers.check_size(upload.size)
                job = services.import_job_create(
                    kind=data["kind"],
                    owner_code=owner.code,
                    file_name=upload.name,
                    chunks=upload.chunks(),
                    created_by=request.user,
                )
            except ApplicationError as exc:
                form.add_error("file" if exc.field in (None, "file") else None, exc.message)
            else:
                services.import_job_queue(job)
                messages.success(request, f"已提交导入任务 #{job.pk}，正在后台导入。")
                return redirect("admin:imports_importjob_change", job.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "上传导入文件",
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/imports/importjob/upload.html", context)

    def report_view(self, request, pk: int):
        job = get_object_or_404(ImportJob, pk=pk)
        response = StreamingHttpResponse(services.report_csv_lines(job), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.csv"'
        return response

    def template_view(self, request, kind: str, filetype: str):
        if kind not in ImportJob.Kind.values or filetype not in ("csv", "xlsx"):
            return HttpResponse(status=404)
        if filetype == "xlsx":
            body, content_type = (
                template_xlsx(kind),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        else:
            body, content_type = template_csv(kind), "text/csv; charset=utf-8"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{kind}_template.{filetype}"'
        return response
