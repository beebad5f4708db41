"""Word tokenisation with jieba and the active lexicon, plus character n-grams."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

from ._lexicon import Lexicon
from ._normalize import normalize

# jieba's HMM guesses new words from character statistics; with a platform dictionary it mostly glues
# verbs onto nouns (下托盘), which hurts matching more than the recall it adds. Character n-grams cover
# unknown words instead.
_USE_HMM = False
# Terms without a frequency (synonyms and related terms missing from dictionary.txt, operator
# additions) get the shipped dictionary's own default: high enough to keep a term whole, low enough
# not to swallow a neighbouring character. jieba's suggest_freq would need a segmentation per term.
_DEFAULT_TERM_FREQ = 3000

_PUNCT_OR_SPACE = re.compile(r"^[\W_]+$")
# Pure numbers, decimals, percentages, ranges and signed values carry no topic.
_NUMBER = re.compile(r"^[+\-~±]?\d[\d.,:/~\-]*%?$")
# Runs of Han characters, or Latin words, for character n-grams.
_CHAR_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[a-z][a-z0-9+\-]*[a-z0-9+]|[a-z]")
_LATIN_RUN = re.compile(r"[a-z0-9]+")
_UNIT = re.compile(r"^[a-zμ°Ω]{1,4}[0-9]?$")


@dataclass
class _State:
    lexicon: Lexicon
    tokenizer: Any = None
    phrases: Any = None  # regex of multi-word variants ("silicon carbide"), which jieba cannot keep whole


_lock = threading.RLock()
_state: _State | None = None


def _active() -> _State:
    global _state
    state = _state
    if state is None:
        with _lock:
            if _state is None:
                _state = _State(Lexicon.default())
            state = _state
    return state


def active_lexicon() -> Lexicon:
    """The process-wide lexicon used by tokenize()."""
    return _active().lexicon


def use_lexicon(lexicon: Lexicon) -> None:
    """Make `lexicon` the process-wide lexicon; jieba is rebuilt lazily on the next tokenize()."""
    global _state
    with _lock:
        # Re-activating the same content keeps the warmed-up jieba instead of rebuilding it.
        if _state is not None and _state.lexicon.version == lexicon.version:
            return
        _state = _State(lexicon)


def lexicon_version() -> str:
    """Version of the active lexicon; store it beside tokens so stale tokens are recomputed."""
    return active_lexicon().version


def _build_tokenizer(lexicon: Lexicon) -> Any:
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for term, freq in lexicon.terms.items():
        if " " in term:
            continue
        tokenizer.add_word(term, freq or _DEFAULT_TERM_FREQ)
    return tokenizer


def _phrase_pattern(lexicon: Lexicon) -> Any:
    phrases = sorted((v for v in lexicon.synonyms if " " in v), key=len, reverse=True)
    if not phrases:
        return None
    body = "|".join(re.escape(p) for p in phrases)
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")


def _ready() -> _State:
    state = _active()
    if state.tokenizer is None:
        with _lock:
            if state.tokenizer is None:
                state.phrases = _phrase_pattern(state.lexicon)
                state.tokenizer = _build_tokenizer(state.lexicon)
    return state


def warm_up() -> None:
    """Build jieba and OpenCC now (about a second) instead of on the first request."""
    tokenize("预热 warm-up 預熱")


def _keep(token: str, stopwords: frozenset[str]) -> bool:
    if not token or token in stopwords:
        return False
    if _PUNCT_OR_SPACE.match(token) or _NUMBER.match(token):
        return False
    # A lone Latin letter is a variable name or a unit, never a topic.
    return not (len(token) == 1 and token.isascii())


def _cut(tokenizer: Any, text: str) -> list[str]:
    """jieba precise mode, except that a Latin word is never cut into pieces.

    With short acronyms in the dictionary jieba finds "ic" and "ar" inside "silicon" and "carbide";
    pieces that fall strictly inside one run of Latin letters and digits are glued back together.
    Mixed dictionary terms (3d打印, igbt模块) reach outside the run and are kept as jieba cut them.
    """
    runs = {m.start(): m.end() for m in _LATIN_RUN.finditer(text)}
    run_of = [0] * len(text)
    for start, end in runs.items():
        for i in range(start, end):
            run_of[i] = start + 1  # 0 means "not in a Latin run"
    pieces: list[str] = []
    glued_until = -1
    for word, start, end in tokenizer.tokenize(text, HMM=_USE_HMM):
        if start < glued_until:
            continue
        run = run_of[start] - 1 if run_of[start] else -1
        if run >= 0 and end <= runs[run] and (start != run or end != runs[run]) and run_of[end - 1] == run + 1:
            pieces.append(text[run : runs[run]])
            glued_until = runs[run]
            continue
        pieces.append(word)
    return pieces


def tokenize(text: str) -> list[str]:
    """Normalise `text` and cut it into canonical content words (jieba precise mode + lexicon)."""
    state = _ready()
    lexicon = state.lexicon
    text = normalize(text)
    if state.phrases is not None:
        text = state.phrases.sub(lambda m: f" {lexicon.synonyms[m.group()]} ", text)
    out: list[str] = []
    after_number = False
    for piece in _cut(state.tokenizer, text):
        piece = piece.strip()
        if not piece:
            continue
        if _NUMBER.match(piece):
            after_number = True
            continue
        # Units after a number (0.5 mm, 30 m/min, 20 db) are measurements, not topics.
        if after_number and (_UNIT.match(piece) or piece == "/"):
            continue
        after_number = False
        token = lexicon.synonyms.get(piece, piece)
        if _keep(token, lexicon.stopwords):
            out.append(token)
    return out


def char_ngrams(text: str, sizes: tuple[int, ...] = (1, 2)) -> list[str]:
    """Character n-grams inside runs of Han characters, and whole Latin words.

    These catch terms the dictionary does not know; they never cross punctuation or scripts.
    """
    grams: list[str] = []
    for run in _CHAR_RUN.findall(normalize(text)):
        if run.isascii():
            if len(run) > 1:
                grams.append(run)
            continue
        for n in sizes:
            grams.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return grams


class CharAnalyzer:
    """A picklable scikit-learn analyzer producing `char_ngrams` of the given sizes."""

    def __init__(self, sizes: tuple[int, ...]) -> None:
        self.sizes = tuple(sizes)

    def __call__(self, text: str) -> list[str]:
        return char_ngrams(text, self.sizes)
