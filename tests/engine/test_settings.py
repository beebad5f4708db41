"""Operators override the matcher's settings by name; a typo or a wrong kind of value is refused."""

import pytest

from matchmaker.engine import MatchSettings, settings_with


def test_overrides_replace_the_named_fields_and_keep_the_rest():
    tuned = settings_with({"min_topic_score": 0.51, "candidate_pool": 1500, "char_ngram_sizes": [2, 3]})
    assert tuned.min_topic_score == 0.51 and tuned.candidate_pool == 1500 and tuned.char_ngram_sizes == (2, 3)
    assert tuned.min_core_coverage == MatchSettings().min_core_coverage
    widened = settings_with({"min_score": 1}).min_score
    assert widened == 1.0 and isinstance(widened, float)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"min_topic_scor": 0.5}, "unknown matching setting 'min_topic_scor'"),
        ({"min_topic_score": "0.5"}, "min_topic_score must be a number"),
        ({"min_topic_score": float("nan")}, "min_topic_score must be a number"),
        ({"candidate_pool": 1500.5}, "candidate_pool must be an integer ≥ 1"),
        ({"candidate_pool": 0}, "candidate_pool must be an integer ≥ 1"),
        ({"candidate_pool": True}, "candidate_pool must be an integer ≥ 1"),
        ({"min_shared_terms": -1}, "min_shared_terms must be an integer ≥ 0"),
        ({"char_ngram_sizes": [2, 0]}, "char_ngram_sizes must be a list of positive integers"),
        ({"char_ngram_sizes": []}, "char_ngram_sizes must be a list of positive integers"),
    ],
)
def test_a_wrong_override_is_refused_naming_the_field(overrides, message):
    with pytest.raises(ValueError, match=message):
        settings_with(overrides)


def test_a_threshold_may_be_switched_off_with_zero():
    assert settings_with({"min_shared_terms": 0}).min_shared_terms == 0


def test_the_digest_tells_settings_apart_and_is_stable():
    assert MatchSettings().digest() == MatchSettings().digest()
    assert settings_with({"min_topic_score": 0.51}).digest() != MatchSettings().digest()
    assert settings_with({"char_ngram_sizes": [2, 3]}).digest() != MatchSettings().digest()
