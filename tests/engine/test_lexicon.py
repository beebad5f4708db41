from pathlib import Path

from matchmaker.engine import Lexicon


def _write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_load_normalises_entries_and_skips_malformed_lines(tmp_path: Path) -> None:
    _write(tmp_path, "dictionary.txt", "# 注释\n\n光纖光柵 120 n\n摆动激光焊\n坏行 abc def ghi\n12345\n")
    _write(tmp_path, "synonyms.tsv", "碳化硅\tSiC\t碳化矽\n只有一列\n\t\t\n激光\t雷射\n")
    _write(tmp_path, "related.tsv", "氣孔\t擺動雷射焊\t保护气\nlonely\n")
    _write(tmp_path, "stopwords.txt", "# c\n我們\n的\n")

    lexicon = Lexicon.load(tmp_path)

    assert lexicon.terms["光纤光栅"] == 120
    assert "摆动激光焊" in lexicon.terms
    assert "坏行" not in lexicon.terms and "12345" not in lexicon.terms
    assert lexicon.synonyms == {"sic": "碳化硅", "雷射": "激光"}  # 碳化矽 normalises onto its canonical
    assert lexicon.related == {"气孔": ("摆动激光焊", "保护气")}
    assert lexicon.stopwords == frozenset({"我们", "的"})
    # jieba has to keep every synonym and related term whole, so they are dictionary terms too.
    assert {"sic", "碳化硅", "雷射", "气孔", "保护气"} <= set(lexicon.terms)


def test_load_tolerates_missing_files(tmp_path: Path) -> None:
    assert Lexicon.load(tmp_path) == Lexicon()


def test_extended_adds_operator_entries_without_touching_the_original() -> None:
    base = Lexicon().extended(synonyms={"SiC": "碳化硅"})
    extended = base.extended(terms=["銀燒結"], synonyms={"碳化矽": "碳化硅", "SiC": "碳化硅"})

    assert "银烧结" in extended.terms
    assert extended.canonical("碳化硅") == "碳化硅"
    assert extended.synonyms["sic"] == "碳化硅"
    assert "银烧结" not in base.terms


def test_synonym_chains_resolve_to_the_final_canonical() -> None:
    lexicon = Lexicon().extended(synonyms={"aa": "bb", "bb": "cc"})
    assert lexicon.canonical("aa") == "cc"


def test_version_is_stable_and_follows_content() -> None:
    one = Lexicon().extended(terms=["光纤光栅"], synonyms={"SiC": "碳化硅"})
    same = Lexicon().extended(synonyms={"SIC": "碳化硅"}, terms=["光纖光柵"])
    other = one.extended(terms=["银烧结"])
    assert one.version == same.version
    assert one.version != other.version
    assert len(one.version) == 16


def test_default_lexicon_loads_the_shipped_data() -> None:
    lexicon = Lexicon.default()
    assert lexicon is Lexicon.default()
    assert lexicon.stopwords
