"""Engine tests run on a small inline lexicon, so they do not move when the shipped data grows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from matchmaker.engine import Lexicon, use_lexicon

TEST_LEXICON = Lexicon(
    stopwords=frozenset({"的", "和", "与", "我们", "需要", "希望", "一种", "可以", "在", "了", "是"})
).extended(
    terms=["摆动激光焊", "焊缝气孔", "电池托盘", "银烧结", "光纤光栅"],
    synonyms={
        "SiC": "碳化硅",
        "碳化矽": "碳化硅",
        "雷射": "激光",
        "IGBT": "绝缘栅双极晶体管",
        "模組": "模块",
        "良率": "成品率",
        "IC": "集成电路",
        "AR": "增强现实",
    },
    related={"气孔": ["摆动激光焊", "保护气"], "翘曲": ["残余应力"]},
)


@pytest.fixture(scope="module", autouse=True)
def engine_lexicon() -> Iterator[Lexicon]:
    """Make TEST_LEXICON the active lexicon for the module, then restore the shipped one."""
    use_lexicon(TEST_LEXICON)
    yield TEST_LEXICON
    use_lexicon(Lexicon.default())
