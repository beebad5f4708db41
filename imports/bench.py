"""Time a synthetic 106,000-outcome import: the write phase and the preparation/matching phase apart.

    python manage.py import_bench --rows 106000 --match-sample 2000

Writes a CSV of synthetic outcomes (varied chains, TRLs, prices, keywords, some Traditional
script), imports it into the institution `bench` with matching deferred, imports it again
(nothing may change), then prepares and matches a sample of chunks the way the chunk task
does and extrapolates that phase to all rows.
"""

from __future__ import annotations

import csv
import random
import time
from pathlib import Path

from django.db import connection

from core.taxonomy import industry_chains
from imports import services
from imports.columns import OUTCOME_COLUMNS
from imports.models import ImportJob
from outcomes.models import Institution, Outcome

_TOPICS = (
    ("碳化硅功率模块", "银烧结封装降低热阻，提升高温可靠性"),
    ("质子交换膜", "全氟磺酸膜增强改性，提高燃料电池耐久性"),
    ("钛合金增材制造", "激光选区熔化成形复杂构件，致密度高"),
    ("旱区节水灌溉", "土壤墒情感知与智能滴灌控制"),
    ("锂电池热管理", "相变材料与液冷耦合，抑制热失控"),
    ("工业视觉检测", "深度学习识别表面缺陷，漏检率低"),
    ("煤焦油加氢", "高效催化剂提升轻质油收率"),
    ("中药指纹图谱", "多成分质量控制方法"),
    ("碳化矽晶圓缺陷檢測", "以雷射散射檢測微管缺陷"),  # Traditional script
)


def write_synthetic_csv(path: Path, rows: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    chains = [c.name for c in industry_chains()]
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.label for c in OUTCOME_COLUMNS])
        for i in range(rows):
            topic, detail = rng.choice(_TOPICS)
            writer.writerow(
                [
                    f"B-{i:06d}",
                    f"{topic}关键技术研究{i}",
                    f"{detail}。成果编号{i}，已完成小试，正在开展中试验证。",
                    f"{topic};{rng.choice(['中试', '产业化', '工艺'])}",
                    rng.choice(chains),
                    rng.randint(1, 9),
                    rng.choice(["转让", "许可;转让", "合作开发", "作价入股、技术服务"]),
                    rng.choice(["", "50", "300", "1200.5"]),
                    rng.choice(["是", "否"]),
                    rng.choice(["是", "否"]),
                    f"ZL2021{i:08d}.X",
                    f"第{i % 500}课题组",
                    "可转化",
                ]
            )
    return path


def run(*, rows: int, path: Path, match_sample: int, out=print) -> dict:
    institution, _ = Institution.objects.get_or_create(
        code="bench", defaults={"name": "基准测试大学", "kind": "university", "city": "西安"}
    )
    Outcome.objects.filter(institution=institution).delete()
    started = time.perf_counter()
    write_synthetic_csv(path, rows)
    out(f"database: {connection.vendor}; file {path} ({path.stat().st_size / 1048576:.1f} MB, {rows} rows)")
    out(f"generate: {time.perf_counter() - started:.1f}s")
    times = {}
    for label in ("first import", "second import (same file)"):
        started = time.perf_counter()
        with path.open("rb") as fh:
            job = services.import_job_create(
                kind=ImportJob.Kind.OUTCOMES,
                owner_code="bench",
                file_name=path.name,
                chunks=iter(lambda fh=fh: fh.read(1 << 20), b""),
                created_by=None,
            )
        services.import_run(job=job, match=False)
        times[label] = time.perf_counter() - started
        out(
            f"{label}: {times[label]:.1f}s — status {job.status}, created {job.created_count}, "
            f"updated {job.updated_count}, unchanged {job.unchanged_count}, failed {job.failed_count}"
        )
    if match_sample:
        ids = list(Outcome.objects.filter(institution=institution).order_by("pk").values_list("pk", flat=True))
        sample = ids[:match_sample]
        started = time.perf_counter()
        for i in range(0, len(sample), 1000):
            services.imported_rows_prepare_and_match(kind="outcomes", ids=sample[i : i + 1000])
        seconds = time.perf_counter() - started
        per_row = seconds / max(len(sample), 1)
        times["prepare+match sample"] = seconds
        out(
            f"prepare+match {len(sample)} rows in chunks of 1000: {seconds:.1f}s "
            f"({per_row * 1000:.2f} ms/row; all {rows} rows ≈ {per_row * rows / 60:.1f} min on one worker)"
        )
    return times
