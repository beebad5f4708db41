"""The columns an import file may have, per kind; headers are matched in Chinese or English.

This table is the single source for header matching, the template files and docs/imports.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Column:
    field: str
    label: str  # the Chinese header written in the template
    required: bool
    kind: str  # text, list, modes, chain, int, money, bool, date, status
    example: str
    help: str
    aliases: tuple[str, ...] = ()


OUTCOME_COLUMNS: tuple[Column, ...] = (
    Column(
        "external_id",
        "编号",
        True,
        "text",
        "XJTU-2024-0001",
        "机构内成果编号（≤64字），再次导入时据此更新",
        ("成果编号", "机构内编号"),
    ),
    Column("title", "标题", True, "text", "碳化硅功率模块银烧结封装技术", "成果名称（≤200字）", ("成果名称", "名称")),
    Column(
        "abstract", "摘要", True, "text", "采用纳米银烧结替代传统焊料……", "成果简介（≤5000字）", ("成果简介", "简介")
    ),
    Column("keywords", "关键词", False, "list", "碳化硅;银烧结;功率模块", "多个用 ; ， 、 | 分隔，每个≤50字，最多30个"),
    Column("industry_chain", "产业链", True, "chain", "半导体与集成电路", "产业链代码或中文名称（见下表）"),
    Column("trl", "技术成熟度", True, "int", "6", "1–9 的整数", ("TRL",)),
    Column(
        "transfer_modes",
        "转化方式",
        False,
        "modes",
        "转让;许可",
        "转让/许可/作价入股/合作开发/技术服务（或代码），可多选",
    ),
    Column(
        "asking_price_wan",
        "意向价格",
        False,
        "money",
        "300",
        "万元，≥0，可留空（面议）",
        ("意向价格万元", "价格", "asking_price", "price"),
    ),
    Column("service_invention", "职务科技成果", False, "bool", "是", "是/否，默认“是”"),
    Column("separately_managed", "单列管理", False, "bool", "是", "是/否，默认“否”"),
    Column("patent_numbers", "专利号", False, "list", "ZL202110000001.X", "多个用 ; ， 、 | 分隔，每个≤40字"),
    Column("team", "团队", False, "text", "张教授团队", "≤200字", ("成果团队", "负责人")),
    Column("status", "状态", False, "status", "可转化", "可转化/洽谈中/已转化/已撤回（或代码），默认“可转化”"),
)

NEED_COLUMNS: tuple[Column, ...] = (
    Column(
        "external_id",
        "编号",
        False,
        "text",
        "BJ-2025-007",
        "企业内需求编号（≤64字）；有编号时据此更新，无编号时按需求名称更新",
        ("需求编号",),
    ),
    Column("title", "需求名称", True, "text", "铝合金电池托盘焊缝气孔攻关", "≤200字", ("标题", "名称")),
    Column("description", "需求描述", True, "text", "激光焊接铝合金电池托盘，焊缝气孔多……", "≤5000字", ("描述",)),
    Column("industry_chain", "产业链", True, "chain", "新能源汽车", "产业链代码或中文名称（见下表）"),
    Column("city", "城市", True, "text", "咸阳", "需求所在城市（≤50字）", ("所在城市",)),
    Column("budget_wan", "预算", False, "money", "150", "万元，≥0，可留空", ("预算万元", "budget")),
    Column("min_trl", "最低技术成熟度", False, "int", "6", "1–9 的整数，可留空", ("最低TRL",)),
    Column(
        "cooperation_modes",
        "期望合作方式",
        False,
        "modes",
        "合作开发",
        "转让/许可/作价入股/合作开发/技术服务（或代码），可多选",
        ("合作方式",),
    ),
    Column("deadline", "截止日期", False, "date", "2026-12-31", "YYYY-MM-DD（也接受 2026/12/31、2026年12月31日）"),
    Column("confidential", "保密", False, "bool", "否", "是/否，默认“否”", ("是否保密",)),
    Column("public_title", "公开标题", False, "text", "", "保密需求对外显示的脱敏标题（≤200字）"),
    Column("status", "状态", False, "status", "征集中", "草稿/征集中/已关闭（或代码），默认“征集中”"),
)

COLUMNS = {"outcomes": OUTCOME_COLUMNS, "needs": NEED_COLUMNS}

_PARENS = re.compile(r"[(（\[【].*?[)）\]】]")
_SPACES = re.compile(r"[\s_\-·.:：*]+")


def header_key(text: str) -> str:
    """A header as compared: Simplified script, half-width, lower case, no units in brackets, no spaces."""
    from matchmaker.engine import normalize

    cleaned = _PARENS.sub("", normalize(str(text).replace("\ufeff", "")))
    return _SPACES.sub("", cleaned).strip()


@cache
def header_map(kind: str) -> dict[str, str]:
    """Normalised header → field name, for every spelling a column accepts."""
    mapping: dict[str, str] = {}
    for column in COLUMNS[kind]:
        for spelling in (column.field, column.label, *column.aliases):
            mapping[header_key(spelling)] = column.field
    return mapping


def column(kind: str, field: str) -> Column:
    return next(c for c in COLUMNS[kind] if c.field == field)
