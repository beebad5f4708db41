"""The analytics tables as rows, shared by the pages (HTML tables) and the CSV downloads."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from analytics.selectors import Funnel, LeagueRow, RegionalFlows

BOM = "\ufeff"  # Excel opens UTF-8 CSV as UTF-8 only with it


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _num(value: Any) -> Any:
    return "" if value is None else value


def funnel_table(result: Funnel) -> tuple[list[str], list[list[Any]]]:
    header = ["环节", "成果数", "配对数", "较上一步转化率", "占登记成果比例", "上一步→本步中位天数", "计时配对数"]
    rows = [
        [s.label, s.outcomes, _num(s.pairings), _pct(s.conversion), _pct(s.overall), _num(s.median_days), s.timed]
        for s in result.steps
    ]
    return header, rows


def flows_table(flows: RegionalFlows) -> tuple[list[str], list[list[Any]]]:
    header = ["成果方城市", "需求方城市", "配对数（已通过及以后）", "已签约", "是否跨城市"]
    rows = [
        [f.origin, f.destination, f.pairings, f.signed, "是" if f.origin != f.destination else "否"]
        for f in flows.flows
    ]
    return header, rows


def matrix_table(flows: RegionalFlows) -> tuple[list[str], list[list[Any]]]:
    header = ["成果方城市 \\ 需求方城市", *flows.destinations, "合计"]
    rows = [[o, *flows.matrix[i], flows.origin_totals[i]] for i, o in enumerate(flows.origins)]
    rows.append(["合计", *flows.destination_totals, flows.total])
    return header, rows


def league_table(rows: Sequence[LeagueRow]) -> tuple[list[str], list[list[Any]]]:
    header = [
        "技术经理人", "证书编号", "证书状态", "审核数", "通过", "驳回", "待审", "通过后联系", "签约",
        "联系转化率", "签约转化率", "首次决定中位天数", "星级", "计算星级", "人工调整",
        "星级·转化分", "星级·准确分", "星级·速度分",
    ]  # fmt: skip
    body = [
        [
            r.name,
            r.certificate_number,
            "有效" if r.in_force else "失效",
            r.decisions,
            r.approvals,
            r.rejections,
            r.waiting,
            r.contacted,
            r.signed,
            _pct(r.contact_rate),
            _pct(r.signed_rate),
            _num(r.median_decision_days),
            r.star_level,
            _num(r.star_computed),
            "是" if r.star_overridden else "否",
            _num(r.star_conversion),
            _num(r.star_precision),
            _num(r.star_speed),
        ]
        for r in rows
    ]
    return header, body


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(name: str, table: tuple[list[str], Iterable[list[Any]]]) -> HttpResponse:
    """A CSV download in UTF-8 with a BOM, the header on the first line; the file name carries the date."""
    header, rows = table
    writer = csv.writer(_Echo())
    lines = [BOM + writer.writerow(header)]
    lines.extend(writer.writerow(row) for row in rows)
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    filename = f"{name}-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
