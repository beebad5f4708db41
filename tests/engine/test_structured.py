"""The structured fit of many candidates at once equals the part functions applied one by one."""

import itertools
import random

import numpy as np
import pytest

from matchmaker.engine import MatchSettings
from matchmaker.engine._structured import StructuredColumns, industry_part, price_part, region_part, trl_part

CHAINS = [None, "", "新能源汽车", " 新能源汽车 ", "航空航天", "  "]
LEVELS = [None, 1, 3, 4, 5, 9]
MONEY = [None, -5.0, 0.0, 30.0, 100.0, 120.0, 150.0, 299.5, 1000.0]
CITIES = [None, "", "西安", "西安市", "陕西省咸阳市", "宝鸡", "北京", "上海市", "杨凌示范区"]


def _one_by_one(need, outcome, s):
    industry = industry_part(need[0], outcome[0], s)
    trl = trl_part(need[1], outcome[1])
    price = price_part(need[2], outcome[2], s)
    region = region_part(need[3], outcome[3])
    factor = (
        (1 + s.industry_weight * industry)
        * (1 + s.trl_weight * trl)
        * (1 + s.price_weight * price)
        * (1 + s.region_weight * region)
    )
    return [industry, trl, price, region, factor]


@pytest.mark.parametrize("query_is_need", [True, False], ids=["need asks outcomes", "outcome asks needs"])
def test_columns_fit_equals_the_part_functions_bit_for_bit(query_is_need):
    rng = random.Random(5)
    s = MatchSettings()
    rows = [(rng.choice(CHAINS), rng.choice(LEVELS), rng.choice(MONEY), rng.choice(CITIES)) for _ in range(400)]
    columns = StructuredColumns()
    columns.extend(rows[:250])
    columns.extend(rows[250:])  # appended later, as the incremental add does
    assert len(columns) == 400
    # Queries include values no row has (a chain, a city, a province of their own).
    queries = list(itertools.product([*CHAINS, "生物医药"], LEVELS, MONEY, [*CITIES, "汉中", "深圳"]))
    for query in rng.sample(queries, 300):
        fit = columns.fit(query, np.arange(len(rows)), query_is_need, s)
        expected = [_one_by_one(query, row, s) if query_is_need else _one_by_one(row, query, s) for row in rows]
        assert fit.T.tolist() == expected, query


def test_columns_fit_only_the_rows_asked_for():
    s = MatchSettings()
    columns = StructuredColumns()
    columns.extend([("航空航天", 9, 50.0, "西安"), ("新能源汽车", 2, 900.0, "北京"), (None, None, None, None)])
    fit = columns.fit(("新能源汽车", 5, 100.0, "咸阳"), np.array([2, 0]), True, s)
    assert fit.shape == (5, 2)
    assert fit[:4, 0].tolist() == [0.0, 0.0, 0.0, 0.0]  # nothing known: neutral
    assert fit[:4, 1].tolist() == [s.industry_mismatch, 1.0, 1.0, 0.5]  # other chain, mature, cheap, same province
