"""Structured fit between a need and an outcome: industry chain, TRL, price and region.

Each part is a number in [-1, 1]; 0 means neutral, which is also the value when data is missing.
"""

from __future__ import annotations

from functools import lru_cache

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
