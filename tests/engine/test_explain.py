import json

import pytest

from matchmaker.engine import NeedIndex, OutcomeIndex, normalize
from matchmaker.engine._explain import find_spans

from .corpus import NEEDS, OUTCOMES

NEED = {need.id: need for need in NEEDS}
OUTCOME = {outcome.id: outcome for outcome in OUTCOMES}


@pytest.fixture(scope="module")
def index() -> OutcomeIndex:
    return OutcomeIndex.build(OUTCOMES)


def _texts(original: str, spans: list[list[int]]) -> list[str]:
    return [original[start:end] for start, end in spans]


def test_need_spans_point_at_the_original_traditional_characters(index: OutcomeIndex) -> None:
    need = NEED["n-weld"]  # written in Traditional script
    top = index.rank(need, k=1).proposals[0]
    data = top.explanation.to_dict()

    terms = {t["term"] for t in data["terms"]}
    assert {"焊缝气孔", "铝合金", "激光"} <= terms
    title_hits = _texts(need.title, data["need_spans"]["title"])
    description_hits = _texts(need.description, data["need_spans"]["description"])
    assert "電池托盤焊縫氣孔" in title_hits  # two adjacent terms, merged into one highlight
    assert description_hits[:3] == ["鋁合金電池托盤", "雷射焊接", "焊縫氣孔"]  # 雷射 is the Taiwan 激光
    # Every highlight starts and ends on an explained term: offsets are not shifted by normalisation.
    spellings = terms | {"雷射"}
    for hit in title_hits + description_hits:
        text = normalize(hit)
        assert any(text.startswith(term) for term in spellings)
        assert any(text.endswith(term) for term in spellings)


def test_outcome_spans_point_at_the_outcome_text(index: OutcomeIndex) -> None:
    top = index.rank(NEED["n-sic"], k=1).proposals[0]
    assert top.id == 2
    spans = top.explanation.to_dict()["outcome_spans"]
    abstract = OUTCOME[2].abstract
    hits = _texts(abstract, spans["abstract"])
    assert "SiC" in hits  # the acronym as written, found through its canonical 碳化硅
    assert any("模組" in hit for hit in hits)
    assert any("碳化矽" in hit for hit in _texts(OUTCOME[2].title, spans["title"]))


def test_explanation_is_json_serialisable_with_the_agreed_shape(index: OutcomeIndex) -> None:
    data = index.rank(NEED["n-weld"], k=3).proposals[0].explanation.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {"terms", "need_spans", "outcome_spans"}
    assert set(data["need_spans"]) == {"title", "description"}
    assert set(data["outcome_spans"]) == {"title", "abstract"}
    weights = [t["weight"] for t in data["terms"]]
    assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)


def test_need_index_explanations_keep_the_need_and_outcome_sides() -> None:
    top = NeedIndex.build(NEEDS).rank(OUTCOMES[0], k=1).proposals[0]
    assert top.id == "n-weld"
    data = top.explanation.to_dict()
    assert set(data["need_spans"]) == {"title", "description"}
    assert any("氣孔" in hit for hit in _texts(NEED["n-weld"].title, data["need_spans"]["title"]))
    assert any("气孔" in hit for hit in _texts(OUTCOMES[0].title, data["outcome_spans"]["title"]))


def test_a_related_term_highlights_the_symptom_in_the_need() -> None:
    from matchmaker.engine import NeedDoc

    need = NeedDoc(id="warp", title="壁板固化后翘曲", description="碳纤维壁板出罐后翘曲，装配间隙超差。")
    top = OutcomeIndex.build(OUTCOMES).rank(need, k=1).proposals[0]
    data = top.explanation.to_dict()
    assert "残余应力" in {t["term"] for t in data["terms"]}
    assert "翘曲" in _texts(need.title, data["need_spans"]["title"])


@pytest.mark.parametrize(
    ("text", "surfaces", "expected"),
    [
        ("採用SiC與碳化矽", {"sic", "碳化硅"}, [(2, 5), (6, 9)]),
        ("basic SiC", {"sic"}, [(6, 9)]),  # not inside "basic"
        ("激光激光", {"激光"}, [(0, 4)]),  # adjacent hits merge
        ("", {"x"}, []),
    ],
)
def test_find_spans(text: str, surfaces: set[str], expected: list[tuple[int, int]]) -> None:
    assert find_spans(text, surfaces) == expected


def test_terms_the_dictionary_does_not_know_are_explained_by_their_characters() -> None:
    from matchmaker.engine import NeedDoc, OutcomeDoc

    outcomes = [
        OutcomeDoc(id="a", title="钽酸锂晶片极化工艺", abstract="改进钽酸锂晶片的高温极化。"),
        OutcomeDoc(id="b", title="水泥窑余热发电", abstract="回收水泥窑尾气余热。"),
    ]
    need = NeedDoc(id="n", title="钽酸锂极化不均匀", description="晶片边缘极化不足")
    top = OutcomeIndex.build(outcomes).rank(need, k=1).proposals[0]
    assert top.id == "a"
    data = top.explanation.to_dict()
    terms = [t["term"] for t in data["terms"]]
    # jieba cuts 钽酸锂 into single characters; the bigrams carry the match and are shown as terms.
    assert {"钽酸", "酸锂"} <= set(terms)
    assert data["need_spans"]["title"][0] == [0, 5]  # 钽酸锂 and 极化, adjacent, merged
