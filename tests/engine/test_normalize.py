import pytest

from matchmaker.engine import Lexicon, lexicon_version, normalize, tokenize, use_lexicon

NORMALIZE_CASES = [
    # (input, expected)
    ("碳化矽功率模組", "碳化硅功率模块"),  # Traditional characters and Taiwan 矽
    ("雷射焊接矽晶片", "激光焊接硅芯片"),  # Taiwan vocabulary, same length
    ("積體電路", "集成电路"),
    ("ＳｉＣ　ＩＧＢＴ", "sic igbt"),  # full-width letters and ideographic space
    ("ＰＥＭ燃料電池，效率９５％", "pem燃料电池,效率95%"),
    ("UAV巡检", "uav巡检"),
    # Kangxi radicals as PDF text extraction gives them (⾼ U+2FBC, ⾦ U+2FA6, ⼯ U+2F2F), and a
    # compatibility ideograph (豈 U+F900), each folded onto its Han character first.
    ("⾼温合⾦的⼯艺", "高温合金的工艺"),
    ("豈", "岂"),
    ("显著提高程序界面的响应", "显著提高程序界面的响应"),  # Simplified text is left alone
    ("工业总线接口芯片被打坏", "工业总线接口芯片被打坏"),  # 坏 is Simplified, not a variant of 坯
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), NORMALIZE_CASES)
def test_normalize_converts_script_width_and_case(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "記憶體與伺服器的介面程式",  # tw2sp would shorten 記憶體→内存; length must still be preserved
        "碳化矽（SiC）MOSFET模組，良率提升至９７％。",
        "İstanbul 晶圓廠",  # "İ".lower() is two code points
        "显著提高程序界面",
    ],
)
def test_normalize_preserves_length_and_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert len(once) == len(text)
    assert normalize(once) == once


TOKENIZE_CASES = [
    # (input, tokens that must appear whole, tokens that must not appear)
    ("SiC MOSFET模组的IGBT驱动", {"碳化硅", "mosfet", "绝缘栅双极晶体管", "驱动"}, {"s", "i", "c", "sic", "igbt"}),
    ("PEM燃料電池與UAV無人機", {"pem", "燃料电池", "uav", "无人机"}, {"電池", "與"}),
    ("厚度0.5 mm，速度30 m/min，良率97%", {"厚度", "速度", "成品率"}, {"0.5", "mm", "30", "97", "m", "min", "%"}),
    ("我们的产品和效率", {"产品", "效率"}, {"的", "和", "我们", "，"}),
    # Short acronyms in the lexicon (IC, AR) must not be found inside longer Latin words.
    ("Silicon Carbide衬底与IC", {"silicon", "carbide", "集成电路"}, {"sil", "on", "增强现实", "bi", "de"}),
]


@pytest.mark.parametrize(("text", "present", "absent"), TOKENIZE_CASES)
def test_tokenize_keeps_content_words_and_drops_noise(text: str, present: set[str], absent: set[str]) -> None:
    tokens = set(tokenize(text))
    assert present <= tokens
    assert not absent & tokens


def test_tokenize_gives_the_same_tokens_in_both_scripts() -> None:
    assert tokenize("鋁合金雷射焊接氣孔，碳化矽模組") == tokenize("铝合金激光焊接气孔，碳化硅模块")


def test_tokenize_maps_synonyms_and_keeps_lexicon_terms_whole() -> None:
    assert tokenize("SiC器件") == ["碳化硅", "器件"]
    assert tokenize("碳化矽器件") == ["碳化硅", "器件"]
    assert "摆动激光焊" in tokenize("采用擺動雷射焊工艺")
    assert "电池托盘" in tokenize("電池托盤焊縫")


def test_use_lexicon_switches_the_process_wide_lexicon(engine_lexicon: Lexicon) -> None:
    extra = engine_lexicon.extended(terms=["托盘焊"], synonyms={"托架": "托盘"})
    use_lexicon(extra)
    try:
        assert lexicon_version() == extra.version != engine_lexicon.version
        assert tokenize("铝托架") == ["铝", "托盘"]
    finally:
        use_lexicon(engine_lexicon)
    assert lexicon_version() == engine_lexicon.version


@pytest.mark.parametrize(
    "text",
    [
        "碳化矽功率模組採用銀燒結互連，提高功率循環壽命與高溫可靠性。",
        "記憶體與晶片的雷射封裝製程，良率提升到98%（SiC MOSFET）。",
        "氫燃料電池質子交換膜、催化劑與雙極板的國產化替代",
        # 記憶體→内存 changes a whole conversion's length: these take the clause route.
        "計算機記憶體\n資料庫與記憶體，軟體",
        "雷射\n\n晶片：記憶體；",
    ],
)
def test_normalising_converts_each_clause_as_it_would_alone(text: str) -> None:
    from matchmaker.engine import _normalize

    folded = _normalize._FOLDABLE.sub(_normalize._fold, text).lower()
    clauses = "".join(_normalize._convert_clause(m.group()) for m in _normalize._CLAUSE.finditer(folded))
    assert normalize(text) == clauses and len(clauses) == len(text)
    assert normalize(text) != folded  # it was Traditional, and it was converted
    # The Han clauses converted in one OpenCC call, joined by newlines, as each alone.
    assert _normalize._convert_clauses(folded) == clauses


def test_script_detection_needs_two_percent_of_the_han_characters_as_evidence() -> None:
    from matchmaker.engine._normalize import is_traditional

    simplified = "功率器件封装工艺提高可靠性" * 8  # 104 Han characters
    # 矽 is Taiwan-only (→ 硅): 2 of 106 is under 2 %, 3 of 107 is over; detection stops counting
    # once it has enough, and must still say no when there is not enough.
    assert not is_traditional("矽" * 2 + simplified)
    assert is_traditional("矽" * 3 + simplified)
    assert is_traditional("碳化矽功率模組採用銀燒結互連" + "。" * 50)
    assert not is_traditional(simplified + "，" + "sic" * 40)


def test_stored_tokens_are_one_string_that_splits_back_into_the_tokens() -> None:
    from matchmaker.engine import join_tokens, prepare_text, split_tokens

    text = "碳化硅功率模块\n封装可靠性\nSiC MOSFET 的寿命"
    normalized, stored = prepare_text(text)
    assert isinstance(stored, str)
    assert split_tokens(stored) == tokenize(text)
    assert normalized == normalize(text)
    assert split_tokens(join_tokens([])) == []
    # A token holding the separator (a lexicon term pasted with a line break) stays one token.
    assert split_tokens(join_tokens(["碳化\n硅", "封装"])) == ["碳化 硅", "封装"]


def test_han_look_alikes_tokenize_as_the_characters_they_stand_for() -> None:
    """A PDF's "⼯业⽤碳化硅⾦属" is found by a need that says 工业用碳化硅金属."""
    assert tokenize("⼯业⽤碳化硅⾦属封装") == tokenize("工业用碳化硅金属封装")
    assert normalize("⼯业⽤ Ｘ") == "工业用 x"  # with the other folds, one code point for one
