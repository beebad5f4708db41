"""The unified social credit code (统一社会信用代码) check of GB 32100-2015."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from core.validators import USCC_ALPHABET, uscc_check_char, validate_uscc

# The first 17 characters of a few codes; the 18th is computed below.
BODIES = ("91610131000000001", "91110000600037341", "12100000400000431", "52610000MJY000008", "93610000XXWYUU0A1")


def with_check_char(body: str) -> str:
    return body + uscc_check_char(body)


def test_it_computes_the_check_character_of_a_well_known_valid_code():
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_it_accepts_the_well_known_valid_example():
    validate_uscc("91350100M000100Y43")


@pytest.mark.parametrize("body", BODIES)
def test_it_accepts_codes_with_a_computed_check_character(body):
    code = with_check_char(body)

    validate_uscc(code)

    assert len(code) == 18
    assert code[-1] in USCC_ALPHABET


def test_it_accepts_surrounding_spaces_and_lower_case_letters():
    validate_uscc("  91350100m000100y43 ")


def test_the_alphabet_has_31_symbols_and_none_of_i_o_s_v_z():
    assert len(USCC_ALPHABET) == len(set(USCC_ALPHABET)) == 31
    assert not set("IOSVZ") & set(USCC_ALPHABET)


@pytest.mark.parametrize(
    "code",
    ["", "91350100M000100Y4", "91350100M000100Y433", "9135", "91350100M000100Y43" * 2],
)
def test_it_rejects_a_code_of_the_wrong_length(code):
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(code)

    assert excinfo.value.code == "uscc_length"


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_it_rejects_letters_outside_the_alphabet(letter):
    code = "91350100M000100" + letter + "43"

    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(code)

    assert excinfo.value.code == "uscc_charset"


@pytest.mark.parametrize("code", ["91350100M000100Y4-", "９１350100M000100Y43", "91350100M000100Y4 3"])
def test_it_rejects_punctuation_and_full_width_digits(code):
    with pytest.raises(ValidationError):
        validate_uscc(code)


@pytest.mark.parametrize("body", [*BODIES, "91350100M000100Y4"])
def test_it_rejects_every_wrong_check_character(body):
    right = uscc_check_char(body)
    for wrong in USCC_ALPHABET.replace(right, ""):
        with pytest.raises(ValidationError) as excinfo:
            validate_uscc(body + wrong)
        assert excinfo.value.code == "uscc_check_digit"


def test_a_single_changed_digit_breaks_the_check():
    code = "91350100M000100Y43"
    changed = code[:5] + ("2" if code[5] != "2" else "3") + code[6:]

    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(changed)

    assert excinfo.value.code == "uscc_check_digit"
