"""Structured fit between a need and an outcome: industry chain, TRL, price and region.

Each part is a number in [-1, 1]; 0 means neutral, which is also the value when data is missing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

import numpy as np

from ._growable import GrowableRows
from ._jit import compiled
from ._settings import MatchSettings

# Prefecture-level cities of Shaanxi (the platform's province) and Yangling district; other cities
# only ever compare as "same city" or "other".
_PROVINCE_OF = {
    city: "陕西" for city in ("西安", "咸阳", "宝鸡", "渭南", "铜川", "延安", "榆林", "汉中", "安康", "商洛", "杨凌")
}
_CITY_SUFFIXES = ("市", "区", "县", "示范区")


@lru_cache(maxsize=4096)
def _city(raw: str | None) -> str | None:
    from ._normalize import normalize

    if not raw:
        return None
    city = normalize(raw).strip()
    for prefix in ("陕西省", "陕西"):
        if city.startswith(prefix) and len(city) > len(prefix):
            city = city[len(prefix) :]
    for suffix in _CITY_SUFFIXES:
        if city.endswith(suffix) and len(city) > len(suffix) + 1:
            city = city[: -len(suffix)]
            break
    return city or None


def industry_part(need_chain: str | None, outcome_chain: str | None, settings: MatchSettings) -> float:
    """+1 on the same industry chain, `industry_mismatch` on different chains, 0 when either is unknown."""
    if not need_chain or not outcome_chain:
        return 0.0
    return 1.0 if need_chain.strip() == outcome_chain.strip() else settings.industry_mismatch


def trl_part(min_trl: int | None, trl: int | None) -> float:
    """+1 when the outcome is as mature as required, −0.5 one level short, −1 two or more short."""
    if min_trl is None or trl is None:
        return 0.0
    gap = min_trl - trl
    if gap <= 0:
        return 1.0
    return -0.5 if gap == 1 else -1.0


def price_part(budget_wan: float | None, asking_price_wan: float | None, settings: MatchSettings) -> float:
    """+1 within budget, 0 up to `price_tolerance` × budget, then falling to −1 at twice that."""
    if budget_wan is None or asking_price_wan is None or budget_wan <= 0 or asking_price_wan < 0:
        return 0.0
    ratio = asking_price_wan / budget_wan
    if ratio <= 1.0:
        return 1.0
    tolerance = settings.price_tolerance
    if ratio <= tolerance:
        return 0.0
    return max(-1.0, -(ratio - tolerance) / tolerance)


def region_part(need_city: str | None, outcome_city: str | None) -> float:
    """+1 in the same city, +0.5 in the same province, 0 otherwise or when unknown."""
    a, b = _city(need_city), _city(outcome_city)
    if a is None or b is None:
        return 0.0
    if a == b:
        return 1.0
    pa, pb = _PROVINCE_OF.get(a), _PROVINCE_OF.get(b)
    return 0.5 if pa is not None and pa == pb else 0.0


Fields = tuple[str | None, int | None, float | None, str | None]  # chain, TRL, money, city


class StructuredColumns:
    """The structured fields of every row of an index as arrays, to score a query's candidates at once.

    Per row: industry chain and city as integer codes (-1 unknown), TRL and money as floats (NaN
    unknown), the city's province as a code (-1 none). `fit` gives exactly what the four part
    functions above give, row by row (the same float operations in the same order), for the
    hundred-odd candidates that can still reach a query's top k: a Python call per candidate
    was a tenth of a query at 106,000 outcomes.
    """

    _COLUMNS = (
        ("chain", np.int32),
        ("level", np.float64),
        ("money", np.float64),
        ("city", np.int32),
        ("province", np.int32),
    )

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}  # stripped chain, normalised city, province → code
        self.chain = np.zeros(0, dtype=np.int32)
        self.level = np.zeros(0, dtype=np.float64)
        self.money = np.zeros(0, dtype=np.float64)
        self.city = np.zeros(0, dtype=np.int32)
        self.province = np.zeros(0, dtype=np.int32)
        self._growth: dict[str, GrowableRows] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_growth"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._growth = {}

    def __len__(self) -> int:
        return len(self.chain)

    def _code(self, key: str | None, *, add: bool) -> int:
        if key is None:
            return -1
        code = self._codes.get(key)
        if code is None:
            if not add:
                return -2  # known, but no row has it: equal to nothing
            code = self._codes[key] = len(self._codes)
        return code

    def encode(self, fields: Fields, *, add: bool = False) -> tuple[int, float, float, int, int]:
        """(chain, level, money, city, province) codes of one row's or one query's fields."""
        chain, level, money, raw_city = fields
        city = _city(raw_city)
        province = _PROVINCE_OF.get(city) if city is not None else None
        return (
            self._code("chain:" + chain.strip() if chain else None, add=add),
            math.nan if level is None else float(level),
            math.nan if money is None else float(money),
            self._code("city:" + city if city is not None else None, add=add),
            self._code("province:" + province if province is not None else None, add=add),
        )

    def extend(self, rows: Sequence[Fields]) -> None:
        """Append rows' fields (into buffers with spare room, as the index's matrices: earlier
        readers keep the arrays they hold)."""
        if not rows:
            return
        # Column by column (a Python tuple per row was 0.3 s of a build at 106,000 outcomes).
        # Libraries repeat a few chains and cities thousands of times: each distinct one is coded once.
        chains, levels, moneys, cities = (list(map(itemgetter(i), rows)) for i in range(4))
        chain_codes = {chain: self.encode((chain, None, None, None), add=True)[0] for chain in dict.fromkeys(chains)}
        city_codes = {city: self.encode((None, None, None, city), add=True)[3:] for city in dict.fromkeys(cities)}
        coded = {
            "chain": list(map(chain_codes.__getitem__, chains)),
            "level": levels,  # None becomes NaN
            "money": moneys,
            "city": [city_codes[city][0] for city in cities],
            "province": [city_codes[city][1] for city in cities],
        }
        for name, dtype in self._COLUMNS:
            grown = self._growth.setdefault(name, GrowableRows()).append_dense(
                getattr(self, name), np.asarray(coded[name], dtype=dtype)
            )
            setattr(self, name, grown)

    def fit(self, query: Fields, rows: Any, query_is_need: bool, s: MatchSettings) -> Any:
        """(industry, trl, price, region, factor) of each row in `rows` for `query`: a 5 × len(rows) array."""
        chain, level, money, city, province = self.encode(query)
        return _fit_rows(
            self.chain,
            self.level,
            self.money,
            self.city,
            self.province,
            np.asarray(rows, dtype=np.int64),
            chain,
            float(level),
            float(money),
            city,
            province,
            query_is_need,
            s.industry_mismatch,
            s.price_tolerance,
            np.array([s.industry_weight, s.trl_weight, s.price_weight, s.region_weight]),
        )


@compiled
def _fit_rows(
    their_chain: Any,
    their_level: Any,
    their_money: Any,
    their_city: Any,
    their_province: Any,
    rows: Any,
    chain: int,
    level: float,
    money: float,
    city: int,
    province: int,
    query_is_need: bool,
    mismatch: float,
    tolerance: float,
    weights: Any,
) -> Any:
    """StructuredColumns.fit's parts row by row, the same float operations in the same order as the
    part functions. As NumPy expressions over the rows it took ~40 array operations a query (0.2–0.4
    ms, holding the GIL); here one pass."""
    out = np.empty((5, rows.shape[0]))
    for r in range(rows.shape[0]):
        i = rows[r]
        industry = 0.0
        if chain != -1 and their_chain[i] != -1:
            industry = 1.0 if their_chain[i] == chain else mismatch
        gap = level - their_level[i] if query_is_need else their_level[i] - level
        trl = 0.0 if np.isnan(gap) else (1.0 if gap <= 0 else (-0.5 if gap == 1 else -1.0))
        budget, asking = (money, their_money[i]) if query_is_need else (their_money[i], money)
        price = 0.0
        # NaN (unknown) fails both comparisons.
        if budget > 0 and asking >= 0:
            ratio = asking / budget
            if ratio <= 1.0:
                price = 1.0
            elif ratio <= tolerance:
                price = 0.0
            else:
                price = max(-1.0, -(ratio - tolerance) / tolerance)
        region = 0.0
        if city != -1 and their_city[i] != -1:
            if their_city[i] == city:
                region = 1.0
            elif province != -1 and their_province[i] == province:
                region = 0.5
        out[0, r] = industry
        out[1, r] = trl
        out[2, r] = price
        out[3, r] = region
        out[4, r] = (
            (1 + weights[0] * industry) * (1 + weights[1] * trl) * (1 + weights[2] * price) * (1 + weights[3] * region)
        )
    return out
