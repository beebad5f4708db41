"""REST API for bulk import: upload a file (202 + job), follow its progress, download its report."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from core.access import request_roles
from core.throttling import IMPORT_THROTTLES
from imports import services
from imports.models import ImportJob
from imports.parsers import ImportRefused
from imports.templates_files import template_csv, template_xlsx
from needs.models import Enterprise
from outcomes.models import Institution

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CSVRenderer(renderers.BaseRenderer):
    """Lets `/imports/{id}/report.csv` route to the report; errors on that route are still JSON text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class ImportJobSerializer(serializers.ModelSerializer):
    institution = serializers.SlugRelatedField(slug_field="code", read_only=True)
    enterprise = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    progress = serializers.FloatField(read_only=True, allow_null=True, help_text="已处理行数 / 总行数（0–1）")
    status_url = serializers.SerializerMethodField()
    report_url = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField(help_text="前 20 条出错行；完整报告见 report_url。")

    class Meta:
        model = ImportJob
        fields = (
            "id",
            "kind",
            "institution",
            "enterprise",
            "file_name",
            "file_format",
            "file_size",
            "status",
            "status_display",
            "total_rows",
            "rows_done",
            "progress",
            "created_count",
            "updated_count",
            "unchanged_count",
            "failed_count",
            "match_batches",
            "ignored_columns",
            "error_message",
            "errors",
            "status_url",
            "report_url",
            "created_at",
            "started_at",
            "finished_at",
        )
        read_only_fields = fields

    def get_status_url(self, job: ImportJob) -> str:
        return reverse("import-detail", args=[job.pk])

    def get_report_url(self, job: ImportJob) -> str:
        return reverse("import-detail", args=[job.pk]) + "report.csv"

    def get_errors(self, job: ImportJob) -> list[dict]:
        rows = job.row_errors.order_by("row_number", "id")[:20]
        return [
            {
                "row": e.row_number,
                "external_id": e.external_id,
                "column": e.column,
                "field": e.field,
                "message": e.message,
            }
            for e in rows
        ]


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV（UTF-8 / UTF-8 BOM / GB18030）、XLSX 或 JSON Lines")
    kind = serializers.ChoiceField(choices=ImportJob.Kind.choices)
    institution = serializers.CharField(required=False, max_length=32, help_text="导入科技成果时：高校院所代码")
    enterprise = serializers.CharField(required=False, max_length=32, help_text="导入产业需求时：企业代码")

    def validate(self, attrs: dict) -> dict:
        owner_field = "institution" if attrs["kind"] == ImportJob.Kind.OUTCOMES else "enterprise"
        if not attrs.get(owner_field, "").strip():
            raise serializers.ValidationError({owner_field: ["导入该类型时必须填写所属单位代码。"]})
        if "\x00" in attrs[owner_field]:
            raise serializers.ValidationError({owner_field: ["代码含有非法字符。"]})
        attrs["owner_code"] = attrs[owner_field].strip()
        return attrs


class ImportTemplateQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportJob.Kind.choices)
    filetype = serializers.ChoiceField(choices=(("csv", "CSV"), ("xlsx", "XLSX")), default="csv")


def jobs_visible_to(roles):
    """Staff see every job; members see the jobs of their institutions and enterprises."""
    jobs = ImportJob.objects.select_related("institution", "enterprise")
    if roles.staff:
        return jobs
    from django.db.models import Q

    return jobs.filter(Q(institution_id__in=roles.institution_ids) | Q(enterprise_id__in=roles.enterprise_ids))


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """批量导入：高校院所成员导入本机构科技成果，企业成员导入本企业需求，平台管理员可为任何单位导入。
    上传后立即返回 202 与任务地址；任务在后台逐块导入，可查询进度并下载出错行报告（CSV）。"""

    serializer_class = ImportJobSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ("kind", "status")
    ordering_fields = ("created_at",)

    def get_queryset(self):
        return jobs_visible_to(request_roles(self.request))

    def get_permissions(self):
        if self.action == "template":
            return [AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        # Uploads are the expensive part (a file of up to IMPORT_MAX_UPLOAD_BYTES, then a job).
        if self.action == "create":
            return [throttle() for throttle in IMPORT_THROTTLES]
        return super().get_throttles()

    @extend_schema(request={"multipart/form-data": ImportCreateSerializer}, responses={202: ImportJobSerializer})
    def create(self, request, *args, **kwargs):
        # Refuse an oversized upload from its declared length, before Django spools it to disk.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.IMPORT_MAX_UPLOAD_BYTES + 64 * 1024:
            raise ImportRefused(
                f"文件超过 {settings.IMPORT_MAX_UPLOAD_BYTES / 1048576:.0f} MB 上限，请拆分后分批导入。"
            )
        query = ImportCreateSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        self._check_owner(data["kind"], data["owner_code"])
        upload = data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise ImportRefused(
                f"文件超过 {settings.IMPORT_MAX_UPLOAD_BYTES / 1048576:.0f} MB 上限，请拆分后分批导入。"
            )
        job = services.import_job_create(
            kind=data["kind"],
            owner_code=data["owner_code"],
            file_name=upload.name,
            chunks=upload.chunks(),
            created_by=request.user,
        )
        services.import_job_queue(job)
        body = ImportJobSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["status_url"]})

    def finalize_response(self, request, response, *args, **kwargs):
        # An error on the CSV report route is a JSON body: label it application/json, not text/csv.
        if response.status_code >= 400 and isinstance(getattr(request, "accepted_renderer", None), CSVRenderer):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def _check_owner(self, kind: str, code: str) -> None:
        roles = request_roles(self.request)
        if roles.staff:
            return
        if kind == ImportJob.Kind.OUTCOMES:
            if not Institution.objects.filter(code=code, pk__in=roles.institution_ids).exists():
                raise PermissionDenied("只能为本机构导入科技成果。")
        elif not Enterprise.objects.filter(code=code, pk__in=roles.enterprise_ids).exists():
            raise PermissionDenied("只能为本企业导入需求。")

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"], renderer_classes=[CSVRenderer, renderers.JSONRenderer])
    def report(self, request, pk=None, format=None):
        """出错行报告（CSV，带 BOM，Excel 可直接打开）：行号、编号、列名、字段、原值、原因。"""
        job = self.get_object()
        response = StreamingHttpResponse(services.report_csv_lines(job), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.csv"'
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=["outcomes", "needs"], required=True),
            OpenApiParameter("filetype", str, enum=["csv", "xlsx"]),
        ],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, (200, XLSX_TYPE): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def template(self, request):
        """下载导入模板（含表头与一行示例）；XLSX 模板另有“填写说明”工作表。"""
        query = ImportTemplateQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        kind, filetype = query.validated_data["kind"], query.validated_data["filetype"]
        if filetype == "xlsx":
            response = HttpResponse(template_xlsx(kind), content_type=XLSX_TYPE)
        else:
            response = HttpResponse(template_csv(kind), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{kind}_template.{filetype}"'
        return response
