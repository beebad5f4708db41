"""Write outcomes as JSON Lines in import_outcomes' columns: a copy of the library to measure on.

The matcher's abstention thresholds are cosines in the library's own LSA space; the evaluate command
recalibrates them with the library as distractors (`python -m matchmaker.evaluate BENCH
--distractors FILE.jsonl --calibrate 0.08`, docs/deployment.md). The lines also re-import
(`import_outcomes FILE.jsonl --institution CODE` for the lines of one institution).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from imports.columns import OUTCOME_COLUMNS
from outcomes.models import Institution, Outcome


def outcome_line(outcome: Outcome) -> dict[str, Any]:
    """One outcome under the import columns' field names, plus its institution's code."""
    line: dict[str, Any] = {"institution": outcome.institution.code}
    for column in OUTCOME_COLUMNS:
        value = getattr(outcome, column.field)
        line[column.field] = str(value) if column.kind == "money" and value is not None else value
    return line


class Command(BaseCommand):
    help = "把科技成果导出为 JSON Lines（与 import_outcomes 的列相同），默认只导出可转化的成果（匹配所用的成果库）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="写入的 .jsonl 文件")
        parser.add_argument("--institution", metavar="CODE", help="只导出这个高校院所的成果")
        parser.add_argument("--all", action="store_true", help="导出所有状态的成果（默认只导出可转化的）")

    def handle(self, *args, **options) -> None:
        from tqdm import tqdm

        rows = Outcome.objects.all() if options["all"] else Outcome.objects.available()
        code = options["institution"]
        if code:
            if not Institution.objects.filter(code=code).exists():
                raise CommandError(f"没有代码为“{code}”的高校院所")
            rows = rows.filter(institution__code=code)
        rows = rows.select_related("institution").order_by("pk")
        path: Path = options["file"]
        # Written beside the target and renamed: an interrupted export leaves no half file.
        partial = path.with_name(f".{path.name}.partial")
        written = 0
        try:
            with partial.open("w", encoding="utf-8") as fh:
                for outcome in tqdm(rows.iterator(chunk_size=2000), total=rows.count(), unit="条", file=self.stderr):
                    fh.write(json.dumps(outcome_line(outcome), ensure_ascii=False) + "\n")
                    written += 1
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(path)
        self.stdout.write(f"已导出 {written} 条成果：{path}")
