"""jieba-rs (rjieba) and jieba cut the same text the same way with the platform lexicon.

The engine cuts with the Rust port for speed; stored tokens must not depend on which one cut them,
so this compares both, token for token and offset for offset, on texts in both scripts, with
English acronyms, numbers with units, and the long tail of the lexicon.
"""

from __future__ import annotations

import pytest

from matchmaker import bench
from matchmaker.engine import _tokenize
from matchmaker.engine._normalize import normalize
from tests.engine.corpus import NEEDS, OUTCOMES

pytest.importorskip("rjieba", reason="rjieba is in requirements.txt; without it the engine uses jieba alone")

MIXED = [
    "SiC MOSFET 模組採用銀燒結互連取代焊料，IGBT模块与3D打印支架，精度±0.5mm，30 m/min。",
    "基于Transformer的缺陷检测：mAP提升到92.3%，推理延迟<20ms（NVIDIA Jetson Orin）。",
    "锂离子电池负极硅碳复合材料，首效≥88%，循环1000次容量保持率90%以上。",
    "氫燃料電池質子交換膜、催化劑與雙極板的國產化替代。",
]


def _texts() -> list[str]:
    outcomes, needs = bench.synthetic_corpus(300, 100, seed=11)
    texts = [f"{o.title}\n{o.abstract}\n{' '.join(o.keywords)}" for o in [*OUTCOMES, *outcomes]]
    texts += [f"{n.title}\n{n.description}" for n in [*NEEDS, *needs]]
    return [normalize(t) for t in [*texts, *MIXED]]


def test_rust_and_python_jieba_cut_identically_with_the_platform_lexicon() -> None:
    lexicon = _tokenize.active_lexicon()
    rust = _tokenize._RustJieba(lexicon)
    python = _tokenize._python_jieba(lexicon)
    texts = _texts()
    assert sum(map(len, texts)) > 100_000
    for text in texts:
        assert [tuple(t) for t in rust.tokenize(text, HMM=False)] == list(python.tokenize(text, HMM=False)), text


def test_the_engine_uses_the_rust_port_by_default() -> None:
    assert isinstance(_tokenize._build_tokenizer(_tokenize.active_lexicon()), _tokenize._RustJieba)
