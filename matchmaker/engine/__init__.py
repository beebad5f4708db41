"""The matching engine: normalise → tokenise → vectorise → score → explain. Imports nothing from Django."""

from ._docs import NeedDoc, OutcomeDoc, tokens_for, tokens_for_many
from ._explain import Explanation, TermWeight
from ._index import FORMAT_VERSION, IncompatibleIndexError, NeedIndex, OutcomeIndex, Proposal, Ranking
from ._lexicon import Lexicon
from ._normalize import normalize
from ._settings import MatchSettings, settings_with
from ._tokenize import join_tokens, lexicon_version, prepare_text, split_tokens, tokenize, use_lexicon, warm_up

__all__ = [
    "FORMAT_VERSION",
    "Explanation",
    "IncompatibleIndexError",
    "Lexicon",
    "MatchSettings",
    "NeedDoc",
    "NeedIndex",
    "OutcomeDoc",
    "OutcomeIndex",
    "Proposal",
    "Ranking",
    "TermWeight",
    "join_tokens",
    "lexicon_version",
    "normalize",
    "prepare_text",
    "settings_with",
    "split_tokens",
    "tokenize",
    "tokens_for",
    "tokens_for_many",
    "use_lexicon",
    "warm_up",
]
