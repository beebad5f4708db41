"""Word tokenisation with jieba and the active lexicon, plus character n-grams."""

from __future__ import annotations

import bisect
import itertools
import logging
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
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
# "rjieba" (jieba-rs, the default) or "jieba" (the Python original); both cut identically.
TOKENIZER_BACKEND = os.environ.get("MATCHMAKER_TOKENIZER", "rjieba")

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
    pieces: dict[str, tuple[int, str]] = field(default_factory=dict)  # see _classify


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


class _RustJieba:
    """jieba's precise mode through rjieba (jieba-rs): the same dictionary, the same segmentation.

    jieba-rs implements jieba's DAG and route search in Rust and cuts about 14 times as fast as the
    Python original; on 5 288 real abstracts and every dev-bench text with the platform lexicon the
    two agree token for token and offset for offset (tests/engine/test_tokenize_backend.py keeps
    checking that). A stored token list does not depend on which of the two cut it.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        import rjieba

        self._jieba = rjieba.Jieba()
        for term, freq in lexicon.terms.items():
            if " " not in term:
                self._jieba.add_word(term, freq or _DEFAULT_TERM_FREQ, None)

    def tokenize(self, text: str, HMM: bool = True) -> list[tuple[str, int, int]]:
        return self._jieba.tokenize(text, "default", HMM)

    def cut(self, text: str, HMM: bool = True) -> list[str]:
        return self._jieba.cut(text, HMM)


def _python_jieba(lexicon: Lexicon) -> Any:
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for term, freq in lexicon.terms.items():
        if " " in term:
            continue
        tokenizer.add_word(term, freq or _DEFAULT_TERM_FREQ)
    return tokenizer


def _build_tokenizer(lexicon: Lexicon) -> Any:
    # The Rust port where it is installed (a wheel for every common platform), jieba itself otherwise.
    if TOKENIZER_BACKEND == "rjieba":
        try:
            return _RustJieba(lexicon)
        except ImportError:
            pass
    return _python_jieba(lexicon)


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
    """Build jieba and OpenCC and load the compiled loops now (about two seconds), not in the first request."""
    from ._index import warm_kernels

    tokenize("预热 warm-up 預熱")
    warm_kernels()


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
    words = list(tokenizer.cut(text, HMM=_USE_HMM))
    # A one-character run cannot be cut into pieces. Only the few words that start inside a longer
    # run are looked at, found by bisecting their start offsets (93 → 63 µs a text against a Python
    # pass over every (word, start, end) that jieba's tokenize gives).
    runs = [m.span() for m in _LATIN_RUN.finditer(text) if m.end() - m.start() > 1]
    if not runs:
        return words
    starts = list(itertools.accumulate(map(len, words), initial=0))
    pieces: list[str] = []
    done = 0  # words before this index are placed
    for run_start, run_end in runs:
        first = bisect.bisect_left(starts, run_start, done, len(words))
        past = bisect.bisect_left(starts, run_end, first, len(words))
        pieces.extend(words[done:first])
        for j in range(first, past):
            end = starts[j + 1]
            if end <= run_end and (starts[j] != run_start or end != run_end):
                # A piece strictly inside the run: the whole run instead, and no other word that
                # starts inside it.
                pieces.append(text[run_start:run_end])
                break
            pieces.append(words[j])
        done = past
    pieces.extend(words[done:])
    return pieces


def tokenize(text: str) -> list[str]:
    """Normalise `text` and cut it into canonical content words (jieba precise mode + lexicon)."""
    return tokenize_normalized(normalize(text))


# A row stores its tokens as one string, joined by newlines: jieba cuts at a newline, so none is
# inside a token. One string a row instead of a list of a hundred strings is what lets a rebuild
# read a province's ten million tokens without making ten million objects (see word_tfidf).
TOKEN_SEPARATOR = "\n"


def join_tokens(tokens: Sequence[str]) -> str:
    """`tokens` in their stored form (``split_tokens`` gives them back)."""
    joined = TOKEN_SEPARATOR.join(tokens)
    if joined.count(TOKEN_SEPARATOR) != max(len(tokens) - 1, 0):
        # A lexicon term holding a line break (an operator's paste) is kept as one token.
        joined = TOKEN_SEPARATOR.join(token.replace(TOKEN_SEPARATOR, " ") for token in tokens)
    return joined


def split_tokens(stored: str) -> list[str]:
    """The tokens of their stored form (``join_tokens``)."""
    return stored.split(TOKEN_SEPARATOR) if stored else []


def prepare_text(text: str) -> tuple[str, str]:
    """``(normalize(text), join_tokens(tokenize(text)))``, normalising once: what a row stores."""
    normalized = normalize(text)
    return normalized, join_tokens(tokenize_normalized(normalized))


def tokenize_normalized(text: str) -> list[str]:
    """tokenize() of a text that is already ``normalize(text)`` (normalising is half the cost)."""
    state = _ready()
    lexicon = state.lexicon
    if state.phrases is not None:
        text = state.phrases.sub(lambda m: f" {lexicon.synonyms[m.group()]} ", text)
    out: list[str] = []
    after_number = False
    pieces = state.pieces
    if len(pieces) > _PIECE_CACHE_MAX:
        pieces.clear()
    for raw in _cut(state.tokenizer, text):
        piece = pieces.get(raw)
        if piece is None:
            piece = pieces[raw] = _classify(raw, lexicon)
        kind, token = piece
        if kind == _WORD:  # most pieces
            after_number = False
            if token:
                out.append(token)
            continue
        if kind == _SPACE:
            continue
        if kind == _NUMERIC:
            after_number = True
            continue
        # Units after a number (0.5 mm, 30 m/min, 20 db) are measurements, not topics.
        if after_number and kind == _UNIT_LIKE:
            continue
        after_number = False
        if token:
            out.append(token)
    return out


# What a piece jieba cut is, and the token it stands for ("" when dropped). Cut pieces repeat
# across texts, so each is classified once per lexicon; the regular expressions and stop-word
# checks per piece were most of the cost of tokenising once jieba itself ran in Rust.
_SPACE, _NUMERIC, _UNIT_LIKE, _WORD = range(4)
_PIECE_CACHE_MAX = 500_000


def _classify(raw: str, lexicon: Lexicon) -> tuple[int, str]:
    piece = raw.strip()
    if not piece:
        return _SPACE, ""
    if _NUMBER.match(piece):
        return _NUMERIC, ""
    token = lexicon.synonyms.get(piece, piece)
    kept = token if _keep(token, lexicon.stopwords) else ""
    return (_UNIT_LIKE if _UNIT.match(piece) or piece == "/" else _WORD), kept


def char_ngrams(text: str, sizes: tuple[int, ...] = (1, 2), *, normalized: bool = False) -> list[str]:
    """Character n-grams inside runs of Han characters, and whole Latin words.

    These catch terms the dictionary does not know; they never cross punctuation or scripts.
    ``normalized=True`` says `text` already is ``normalize(text)``.
    """
    grams: list[str] = []
    for run in _CHAR_RUN.findall(text if normalized else normalize(text)):
        if run.isascii():
            if len(run) > 1:
                grams.append(run)
            continue
        for n in sizes:
            # Characters and pairs made by C loops (iterating the string, str.__add__ over two
            # views of it): the same grams as the slices, in the same order, at a third of the cost.
            if n == 1:
                grams.extend(run)
            elif n == 2:
                grams.extend(map(str.__add__, run, run[1:]))
            else:
                grams.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return grams


class CharAnalyzer:
    """A picklable scikit-learn analyzer producing `char_ngrams` of the given sizes."""

    def __init__(self, sizes: tuple[int, ...]) -> None:
        self.sizes = tuple(sizes)

    def __call__(self, text: str) -> list[str]:
        return char_ngrams(text, self.sizes)
