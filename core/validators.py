"""Validators shared by several apps."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from core.taxonomy import is_industry_chain

# GB 32100-2015: the unified social credit code (统一社会信用代码) uses 31 symbols (no I, O, S, V, Z).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """The check character for the first 17 characters of a credit code."""
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    """Reject a unified social credit code whose shape or check digit is wrong."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError("统一社会信用代码应为18位。", code="uscc_length")
    if any(ch not in USCC_ALPHABET for ch in code):
        raise ValidationError("统一社会信用代码含有非法字符。", code="uscc_charset")
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError("统一社会信用代码校验位不正确。", code="uscc_check_digit")


def validate_industry_chain(value: str) -> None:
    if not is_industry_chain(value):
        raise ValidationError(f"未知的产业链代码：{value}", code="unknown_industry_chain")


def validate_industry_chain_list(values: Iterable[str]) -> None:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValidationError("应为产业链代码列表。", code="invalid_list")
    for value in values:
        validate_industry_chain(value)


def validate_string_list(values: object) -> None:
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValidationError("应为非空字符串列表。", code="invalid_list")


@deconstructible
class ChoiceListValidator:
    """A JSON list whose items must all come from `choices`."""

    def __init__(self, choices: Iterable[str]) -> None:
        self.choices = tuple(choices)

    def __call__(self, values: object) -> None:
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValidationError("应为列表。", code="invalid_list")
        unknown = sorted(set(values) - set(self.choices))
        if unknown:
            raise ValidationError(f"未知的取值：{', '.join(unknown)}", code="invalid_choice")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChoiceListValidator) and other.choices == self.choices
