from pathlib import Path

from django.core.management.base import BaseCommand

from imports import bench


class Command(BaseCommand):
    help = "生成合成的科技成果 CSV 并计时导入（写入与文本处理/匹配分别计时）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rows", type=int, default=106_000)
        parser.add_argument("--file", type=Path, default=Path("data/import-bench.csv"))
        parser.add_argument("--match-sample", type=int, default=2000, help="计时文本处理与匹配的行数（0 为不计）")

    def handle(self, *args, **options) -> None:
        bench.run(
            rows=options["rows"], path=options["file"], match_sample=options["match_sample"], out=self.stdout.write
        )
