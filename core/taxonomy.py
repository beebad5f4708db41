"""The industry-chain taxonomy, shipped as data in core/data/industry_chains.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data" / "industry_chains.json"


@dataclass(frozen=True)
class IndustryChain:
    code: str
    name: str
    group: str


@cache
def industry_chains() -> tuple[IndustryChain, ...]:
    """All chains in display order."""
    with _DATA.open(encoding="utf-8") as fh:
        return tuple(IndustryChain(**row) for row in json.load(fh))


def industry_chain_choices() -> list[tuple[str, str]]:
    """(code, Chinese name) pairs for model and serializer choices."""
    return [(chain.code, chain.name) for chain in industry_chains()]


def industry_chain_name(code: str) -> str:
    """The Chinese name of a code, or the code itself when unknown."""
    return {chain.code: chain.name for chain in industry_chains()}.get(code, code)


def is_industry_chain(code: str) -> bool:
    return any(chain.code == code for chain in industry_chains())
