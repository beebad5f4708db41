"""Length-preserving text normalisation: Traditional→Simplified, full-width→half-width, Han
look-alikes (Kangxi radicals, compatibility ideographs) → their Han character, lower case."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

import numpy as np

# tw2sp also rewrites Taiwan vocabulary (矽→硅, 晶片→芯片, 雷射→激光), which plain t2s leaves alone.
_OPENCC_CONFIG = "tw2sp"
# Share of Han characters that must change under tw2sp before a text is treated as Traditional. Applying
# tw2sp to Simplified text rewrites valid Simplified words (程序→进程, 介面→界面), so a stray variant
# character in a Simplified text must not switch it on; one changed character in a short title does.
_TRADITIONAL_SHARE = 0.02
# Of the ten characters tw2sp maps but t2s and s2t leave alone, only 著 is also ordinary Simplified
# (显著, 著作), so it says nothing about the script.
_ALSO_SIMPLIFIED = frozenset("著")
# Longest window tried when a clause has to be converted piecewise; OpenCC phrases are rarely longer.
_WINDOW = 8

_converters: dict[str, Any] = {}
_converter_lock = threading.Lock()

# Han characters: CJK extension A, the unified ideographs, the compatibility ideographs.
_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_HAN_CLASS = "".join(f"{chr(first)}-{chr(last)}" for first, last in _HAN_RANGES)
# Clauses are converted independently: a phrase never crosses punctuation, spaces or a script change,
# so a length change in one clause cannot disturb the conversion of its neighbours.
_CLAUSE = re.compile(f"[{_HAN_CLASS}]+|[^{_HAN_CLASS}]+")
_HAN = re.compile(f"[{_HAN_CLASS}]")


def _han_look_alikes() -> dict[int, int]:
    """Code points NFKC folds onto one unified Han character: the Kangxi radicals (PDF text
    extraction often gives "⼯程" for 工程, and they look the same on screen), the CJK radicals that
    have such a form, and the compatibility ideographs (豈 U+F900 is 豈 U+8C48). One code point
    for one keeps offsets valid; a fold onto a character outside extension A and the unified
    ideographs (a few land in extension B, which nothing here counts as Han) is left out."""
    import unicodedata

    folds = {}
    for code in (*range(0x2E80, 0x2FE0), *range(0xF900, 0xFB00)):
        folded = unicodedata.normalize("NFKC", chr(code))
        # _HAN_RANGES[:2]: extension A and the unified ideographs, not the compatibility block.
        if len(folded) == 1 and any(first <= ord(folded) <= last for first, last in _HAN_RANGES[:2]):
            folds[code] = ord(folded)
    return folds


# One code point for another, before the case and the script: full-width ASCII, the ideographic
# space, and Han look-alikes.
_FOLDS = {0x3000: 0x20, **{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}, **_han_look_alikes()}
_FOLDABLE = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_FOLDS)) + "]")


def _opencc(config: str = _OPENCC_CONFIG) -> Any:
    converter = _converters.get(config)
    if converter is None:
        with _converter_lock:
            converter = _converters.get(config)
            if converter is None:
                import opencc

                converter = _converters[config] = opencc.OpenCC(config)
    return converter


def is_traditional(text: str) -> bool:
    """Guess whether `text` is written in Traditional script (Taiwan usage included)."""
    return _detect(text)[0]


def _detect(text: str) -> tuple[bool, str]:
    """(Traditional?, tw2sp of the whole text — or `text` itself when no conversion was needed)."""
    # Evidence needs a character OpenCC converts on its own (see _is_traditional_evidence); most texts
    # are Simplified and hold none, which this per-character check (cached) finds without converting
    # the whole text twice. A length-changing phrase made only of shared characters is Taiwan
    # vocabulary, not Traditional script, so it is no reason to convert either.
    codes = _code_points(text)
    if not _may_hold_evidence(codes):
        return False, text
    converted = _opencc().convert(text)
    plain = _opencc("t2s").convert(text)
    if len(converted) != len(text) or len(plain) != len(text):
        return True, converted
    # Compare code points as arrays: only the changed positions reach Python, and only until they
    # are evidence enough (a Traditional abstract changes ~55 characters and needs ~6: counting
    # them all was a third of normalising it).
    enough = _TRADITIONAL_SHARE * _han_count(codes)
    changed = 0
    for i in np.flatnonzero(codes != _code_points(converted)).tolist():
        if _is_traditional_evidence(text[i], plain[i]):
            changed += 1
            if changed >= enough:
                return True, converted
    return False, converted


def _han_count(codes: Any) -> int:
    """How many of `codes` are Han characters, as _HAN counts them."""
    return sum(int(np.count_nonzero((codes >= first) & (codes <= last))) for first, last in _HAN_RANGES)


def _code_points(text: str) -> Any:
    # surrogatepass: a lone surrogate (JSON allows "\ud800") is a code point like any other here.
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


# What each code point says about the script, learned the first time it is seen: 0 not seen yet,
# 1 no evidence, 2 may be evidence. Looking the text's code points up in this table replaced a
# set of its characters (making one-character strings of every CJK character was most of the
# check: 21 → 6 µs a text, on every text normalised). Writes are idempotent, so threads may race.
_UNSEEN, _NO_EVIDENCE, _MAY_BE_EVIDENCE = 0, 1, 2
_char_kind = np.zeros(0x110000, dtype=np.uint8)


def _may_hold_evidence(codes: Any) -> bool:
    """Whether any of the text's code points (`_code_points`) may be evidence of Traditional script."""
    kinds = _char_kind[codes]
    if not kinds.all():
        for code in np.unique(codes[kinds == _UNSEEN]).tolist():
            ch = chr(code)
            evidence = ch not in _ALSO_SIMPLIFIED and _convert_char(ch) != ch and not _is_simplified_form(ch)
            _char_kind[code] = _MAY_BE_EVIDENCE if evidence else _NO_EVIDENCE
        kinds = _char_kind[codes]
    return bool((kinds == _MAY_BE_EVIDENCE).any())


def _is_traditional_evidence(ch: str, t2s_in_context: str) -> bool:
    # Not evidence: a phrase-only change (程序→进程 is Taiwan vocabulary in characters Simplified uses
    # too); a Simplified character that doubles as a rare variant (坏→坯); and a character that t2s
    # changes alone but keeps in its context. Taiwan-only characters (矽→硅) are evidence.
    if ch in _ALSO_SIMPLIFIED or _convert_char(ch) == ch or _is_simplified_form(ch):
        return False
    return t2s_in_context != ch or _t2s_char(ch) == ch


@lru_cache(maxsize=65536)
def _t2s_char(ch: str) -> str:
    out = _opencc("t2s").convert(ch)
    return out if len(out) == 1 else ch


@lru_cache(maxsize=65536)
def _is_simplified_form(ch: str) -> bool:
    return bool(_opencc("s2t").convert(ch) != ch)


def _fold(match: re.Match[str]) -> str:
    return chr(_FOLDS[ord(match.group())])


def _width_and_case(ch: str) -> str:
    ch = chr(_FOLDS.get(ord(ch), ord(ch)))
    low = ch.lower()
    # A few letters (e.g. "İ") lower-case to two code points; keeping the original keeps offsets valid.
    return low if len(low) == 1 else ch


@lru_cache(maxsize=65536)
def _convert_char(ch: str) -> str:
    out = _opencc().convert(ch)
    return out if len(out) == 1 else ch


def _convert_piecewise(clause: str) -> str:
    # Greedy longest window whose conversion keeps its length; phrases that would change the length
    # (記憶體→内存) end up converted character by character, which still simplifies every character.
    out: list[str] = []
    i = 0
    n = len(clause)
    while i < n:
        for size in range(min(_WINDOW, n - i), 1, -1):
            piece = clause[i : i + size]
            converted = _opencc().convert(piece)
            if len(converted) == size:
                out.append(converted)
                i += size
                break
        else:
            out.append(_convert_char(clause[i]))
            i += 1
    return "".join(out)


def _convert_clause(clause: str) -> str:
    if not _HAN.search(clause):
        return clause
    converted = str(_opencc().convert(clause))
    if len(converted) == len(clause):
        return converted
    return _convert_piecewise(clause)


def normalize(text: str) -> str:
    """Return `text` in Simplified script, half-width and lower case, with exactly the same length.

    Offsets computed on the result are valid on the input, which is how explanation spans are found.
    """
    if not text:
        return ""
    folded = _FOLDABLE.sub(_fold, text).lower()
    if len(folded) != len(text):
        folded = "".join(_width_and_case(ch) for ch in text)
    # Simplified text is left alone: its output is then Simplified, which also makes the function idempotent.
    traditional, converted = _detect(folded)
    if not traditional:
        return folded
    # A whole-text conversion that keeps the length is the clause-by-clause one (no OpenCC phrase
    # spans two clauses; checked on 23 000 abstracts); the clauses are needed only when it does not.
    if len(converted) == len(folded):
        return converted
    return _convert_clauses(folded)


def _convert_clauses(text: str) -> str:
    """`text` with each clause converted on its own (`_convert_clause`), the Han clauses in one OpenCC
    call: joined by newlines, which no OpenCC phrase holds, so each converts as it would alone (a
    call per clause was ~16 calls of ~8 µs each for a Traditional abstract)."""
    clauses = _CLAUSE.findall(text)
    han = [i for i, clause in enumerate(clauses) if _HAN.match(clause)]
    converted = str(_opencc().convert("\n".join(clauses[i] for i in han))).split("\n")
    if len(converted) != len(han):  # no Han clause at all, or a newline came out of OpenCC
        return "".join(map(_convert_clause, clauses))
    for i, out in zip(han, converted, strict=True):
        # A phrase that changes the clause's length (記憶體→内存) is converted piece by piece.
        clauses[i] = out if len(out) == len(clauses[i]) else _convert_piecewise(clauses[i])
    return "".join(clauses)
