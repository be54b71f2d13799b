"""The fast query path keeps answers exact: one model load, one encode per text, the ONNX
encoder's vectors equal torch's, the encoder an index was built with is the one that queries
it, and the phrase matcher's index finds exactly the rows a loop over every record finds.
(Speed itself is measured by eval/bench_encoders.py, never asserted here.)"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from conftest import REPO
from index.embeddings import SentenceEmbeddings
from index.phrases import PhraseIndex
from index.store import PlanIndex, bm25_order
from index.types import IndexMismatch
from ingest.text import match_key


def test_model_loads_once_when_first_used_from_many_threads(settings):
    embeddings = SentenceEmbeddings(settings)
    start = threading.Barrier(6)
    vectors = []

    def first_use(text):
        start.wait()
        vectors.append(embeddings.embed_query(text))

    threads = [threading.Thread(target=first_use, args=(f"问题{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert embeddings.model_loads == 1, f"the model loaded {embeddings.model_loads} times"
    assert len(vectors) == 6 and all(len(v) == 384 for v in vectors)


def test_onnx_vectors_equal_torch_vectors_on_real_clauses(plan_index, settings):
    texts = [c.text for c in plan_index.clauses[::15]] + ["2025年上市公司目标是多少家？"]
    onnx = plan_index.embeddings.encode_passages(texts)
    torch = SentenceEmbeddings(dataclasses.replace(settings, encoder="torch-fp32")).encode_passages(texts)
    cosine = (onnx * torch).sum(axis=1)
    assert cosine.min() >= 0.9999, f"lowest cosine {cosine.min():.6f} on {texts[int(cosine.argmin())][:30]}"


def test_query_encoder_other_than_the_builders_is_refused_with_the_rebuild(plan_index, settings):
    assert plan_index.manifest["encoder"] == settings.encoder == "onnx-fp32"
    int8 = dataclasses.replace(settings, encoder="onnx-int8")
    with pytest.raises(IndexMismatch, match=r"encoder='onnx-fp32'.*'onnx-int8'.*python -m index build --index-dir"):
        PlanIndex.load(plan_index.folder, int8, SentenceEmbeddings(int8))


def test_unknown_encoder_is_refused_naming_the_choices(settings):
    with pytest.raises(IndexMismatch, match="onnx-fp32, onnx-int8, torch-fp32"):
        SentenceEmbeddings(dataclasses.replace(settings, encoder="onnx-fp16"))


def test_each_text_is_embedded_once_per_answer(engine, monkeypatch):
    encoded = []
    real = engine.index.embeddings.encode
    monkeypatch.setattr(engine.index.embeddings, "encode", lambda texts, progress=False: encoded.extend(texts)
                        or real(texts, progress))
    engine.index.embeddings._query_vector.cache_clear()
    for question in ["通州区的人工智能算力目标是多少？", "Who leads the humanoid robot task?", "月球基地建设规划是什么？"]:
        encoded.clear()
        engine.ask(question)
        assert encoded and len(encoded) == len(set(encoded)), f"{question}: encoded {encoded}"
        engine.ask(question)


def test_phrase_index_finds_the_rows_the_loop_over_every_record_finds(plan_index):
    keys = [match_key(c.text) for c in plan_index.clauses]
    index = PhraseIndex(keys)
    rng = np.random.default_rng(14)
    phrases = {"市科委", "3000亿元", "人工智能", "不存在的词语"}
    for _ in range(400):
        key = keys[rng.integers(len(keys))]
        size = int(rng.integers(2, 9))
        start = int(rng.integers(0, max(1, len(key) - size)))
        if len(key[start:start + size]) >= 2:
            phrases.add(key[start:start + size])
    for phrase in phrases:
        loop = [row for row, key in enumerate(keys) if phrase in key]
        assert index.rows_containing(phrase).tolist() == loop, phrase


def test_bm25_order_is_the_stable_sort_of_all_rows():
    scores = np.array([0.0, 2.0, 1.0, 2.0, 0.0, 3.0, 1.0])
    rows = np.flatnonzero(scores > 0)
    stable = [int(i) for i in np.argsort(-scores, kind="stable") if scores[i] > 0]
    assert bm25_order(scores, rows).tolist() == stable == [5, 1, 3, 2, 6]


def test_a_question_answered_from_the_cli_imports_no_torch_scikit_learn_or_scipy(plan_index):
    code = ("import sys; from engine.__main__ import main; main(['ask', '--index-dir', sys.argv[1], '市科委负责什么？']);"
            "print(sorted(m for m in ('torch', 'sklearn', 'sentence_transformers', 'transformers', 'bm25s', 'scipy') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, str(plan_index.folder)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout[-500:]


def test_faiss_searched_directly_gives_the_langchain_stores_rows(plan_index):
    query = plan_index.embeddings.embed_query("人工智能算力")
    via_langchain = [doc.metadata["row"] for doc, _ in
                     plan_index.dense.store.similarity_search_with_score_by_vector(query, k=20)]
    assert plan_index.dense._nearest(query, 20) == via_langchain


JIEBA_CHECK = """
import hashlib, json, marshal, sys
import jieba
from ingest.libcache import jieba_module, posseg_module
j, p = jieba_module(), posseg_module()
tags = {}
for line in open(jieba.__file__.replace("__init__.py", "dict.txt"), "rb"):
    line = line.strip().decode("utf-8")
    if line:
        word, _, tag = line.split(" ")
        tags[word] = tag
fresh = jieba.Tokenizer()
fresh.initialize()
text = sys.argv[1]
print(json.dumps({"freq": j.dt.FREQ == fresh.FREQ and j.dt.total == fresh.total, "tags": p.dt.word_tag_tab == tags,
                  "cut": j.lcut_for_search(text), "pos": [tuple(w) for w in p.lcut(text)]}, ensure_ascii=False))
"""


def test_jieba_tables_from_the_cache_are_jiebas_own(tmp_path):
    text = "北京市经济技术开发区2023年新增上市企业目标是多少？朝阳区和海淀区负责"
    env = {**os.environ, "PLANQA_CACHE_DIR": str(tmp_path)}
    runs = [json.loads(subprocess.run([sys.executable, "-c", JIEBA_CHECK, text], cwd=REPO, env=env, check=True,
                                      capture_output=True, text=True).stdout) for _ in range(2)]  # build, then read
    assert [p.name.split("-")[0] for p in tmp_path.glob("*.pickle")] == ["jieba"], list(tmp_path.iterdir())
    for run in runs:
        assert run["freq"] and run["tags"], "the cached tables differ from what jieba builds from dict.txt"
    assert runs[0]["cut"] == runs[1]["cut"] and runs[0]["pos"] == runs[1]["pos"]
    assert ["海淀区", "ns"] in runs[1]["pos"]


def test_pinyin_readings_from_the_cache_are_pypinyins(tmp_path, monkeypatch):
    import pypinyin

    from ingest import libcache

    monkeypatch.setenv("PLANQA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(libcache, "_PINYIN", {})
    names = ["通州", "重庆", "朝阳", "长沙", "昌平", "a b"]
    assert [libcache.lazy_pinyin(n) for n in names] == [pypinyin.lazy_pinyin(n) for n in names]
    monkeypatch.setattr(libcache, "_PINYIN", {})  # read back from the file
    assert [libcache.lazy_pinyin(n) for n in names] == [pypinyin.lazy_pinyin(n) for n in names]


def test_bm25_scores_equal_bm25s_scores_on_real_questions(plan_index):
    import bm25s

    from eval.scoring import load_jsonl
    from index.lexical import tokenize

    reference = bm25s.BM25.load(str(plan_index.root / "bm25"), allow_pickle=False)
    for q in load_jsonl(REPO / "eval" / "gold" / "dev.jsonl") + load_jsonl(REPO / "eval" / "gold" / "dev2.jsonl"):
        ours, _ = plan_index.bm25.scores(q["question"])
        known = [t for t in tokenize(q["question"]) if t in reference.vocab_dict]
        theirs = reference.get_scores(known) if known else np.zeros(len(plan_index.clauses), dtype="float32")
        assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs), q["question"]


def test_mapped_onnx_graph_gives_the_exported_graphs_vectors_bit_for_bit(plan_index, settings, monkeypatch):
    from index import embeddings as module
    from index import onnx_provision

    folder = module.resolve_model(settings)
    assert onnx_provision.mapped_file(folder, "fp32").parent.name == onnx_provision.MAPPED_DIR
    texts = [settings.passage_prefix + c.text for c in plan_index.clauses[::9]] + ["query: 2025年上市公司目标是多少家？"]
    mapped = module.OnnxEncoder(folder, "fp32", 1)
    monkeypatch.setattr(onnx_provision, "mapped_file", lambda model_dir, precision: onnx_provision.onnx_file(
        model_dir, precision))
    exported = module.OnnxEncoder(folder, "fp32", 1)
    assert np.array_equal(mapped.encode(texts, 32), exported.encode(texts, 32))


def test_a_vector_does_not_depend_on_its_batch_so_kept_sentence_vectors_are_exact(plan_index):
    from engine.evidence import sentences

    embeddings = plan_index.embeddings
    texts = [f"passage: {s}" for c in plan_index.clauses[:12] for s in sentences(c)]
    batched = embeddings.encode(texts)  # padded to the longest, in batches of 32
    alone = np.vstack([embeddings.encode([t]) for t in texts])
    assert np.array_equal(batched, alone), "a vector changed with the batch it was made in"
    assert np.array_equal(embeddings.encode_cached(texts[::-1]), batched[::-1])
    assert np.array_equal(embeddings.encode_cached(texts), batched)  # from the kept vectors


def test_fold_by_table_equals_folding_each_character():
    import unicodedata

    from ingest.text import _t2s, fold

    def by_character(text):  # what fold did before its table: NFKC of each character that stays one
        return "".join(f if len(f := unicodedata.normalize("NFKC", c)) == 1 else c for c in text)

    every = "".join(chr(c) for c in range(0x20, 0xFFFF) if not 0xD800 <= c <= 0xDFFF)
    checked = 0
    for start in range(0, len(every), 400):
        chunk = every[start:start + 400]
        simplified = _t2s().convert(chunk)
        if len(simplified) == len(chunk):
            assert fold(chunk) == by_character(simplified), chunk[:20]
            checked += 1
    assert checked > 100


def test_the_app_imports_gradio_without_rewriting_its_type_stubs():
    code = ("import sys, app; app.skip_gradio_stub_writing(); import gradio as gr, gradio.component_meta as meta;"
            "print(meta.create_or_modify_pyi(None, 'X', []) is None and meta.create_or_modify_pyi.__name__,"
            " gr.Textbox(label='q').label)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["<lambda>", "q"], done.stdout


ENCODER_PROCESS_CHECK = """
import dataclasses, json, os, signal, sys
import numpy as np
from index.embeddings import EncoderProcess, SentenceEmbeddings
from index.types import IndexMismatch
from settings import Settings
settings = dataclasses.replace(Settings.from_env(), encoder_process=True)
texts = ["2025年上市公司目标是多少家？", "市药监局负责哪些任务", "passage text " * 40]
forked = SentenceEmbeddings(settings)
started = forked.fork_encoder()
child = forked.model._process.pid
vectors = forked.encode_passages(texts)
local = SentenceEmbeddings(dataclasses.replace(settings, encoder_process=False)).encode_passages(texts)
os.kill(child, signal.SIGKILL)
forked.model._process.join()
after = forked.encode_passages(texts)
broken = SentenceEmbeddings(dataclasses.replace(settings, embedding_model=sys.argv[1]))
broken.fork_encoder()
try:
    broken.dimension
    error = ""
except IndexMismatch as exc:
    error = str(exc)
print(json.dumps({"started": started, "child": child != os.getpid(), "equal": bool(np.array_equal(vectors, local)),
                  "after_kill": bool(np.array_equal(after, local)), "error": error}))
"""


def test_the_encoder_in_a_child_process_gives_the_same_vectors_and_outlives_its_child(tmp_path):
    done = subprocess.run([sys.executable, "-c", ENCODER_PROCESS_CHECK, str(tmp_path)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["started"] and result["child"]
    assert result["equal"], "the child's vectors differ from the in-process encoder's"
    assert result["after_kill"] and "encoding in this process from now on" in done.stderr
    assert result["error"].startswith("no ONNX file") and "python -m index.provision" in result["error"]


ORPHAN_CHECK = """
import dataclasses, os, signal
from index.embeddings import SentenceEmbeddings
from settings import Settings
embeddings = SentenceEmbeddings(dataclasses.replace(Settings.from_env(), encoder_process=True))
embeddings.fork_encoder()
embeddings.dimension  # loaded
print(embeddings.model._process.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no exit handler runs
"""


def test_the_encoder_process_ends_when_its_parent_is_killed():
    import time

    done = subprocess.run([sys.executable, "-c", ORPHAN_CHECK], cwd=REPO, capture_output=True, text=True, timeout=300)
    child = int(done.stdout.split()[0])

    def running() -> bool:
        try:
            state = open(f"/proc/{child}/status").read()
        except FileNotFoundError:
            return False
        return "\nState:\tZ" not in state  # a zombie has exited
    deadline = time.monotonic() + 30
    while running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running(), f"the encoder process {child} outlived its killed parent"
