"""ONNX files of the provisioned model: fp32 and per-channel int8, made offline, once.

``ensure_onnx(model_dir)`` is cheap when ``model_dir/onnx/`` is current. Otherwise it runs
``export`` in a subprocess whose path starts with the venv's ``provision-libs/``
(requirements-provision.txt): the exporter that sentence-transformers' ``backend="onnx"``
calls (optimum-onnx's ``ORTModelForFeatureExtraction`` with ``export=True``, then
``ORTQuantizer`` as in ST's ``export_dynamic_quantized_onnx_model``) needs a transformers older
than the one the project runs, so it lives apart and nothing at run time imports it. No graph
code is hand-written here: the ONNX files are what optimum exports.

Like the model folder, the export goes to a temporary sibling that is renamed into place, and
a marker (written last) ties it to the weights it was exported from.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ONNX_DIR = "onnx"
FP32_NAME = "model.onnx"
INT8_SUFFIX = "qint8_avx2"  # ST's naming: model_qint8_avx2.onnx
INT8_NAME = f"model_{INT8_SUFFIX}.onnx"
MARKER = ".exported.json"
MAPPED_DIR = "mapped"  # under onnx/: the graphs with their weights in side files (mapped_file)
EXPORT_VERSION = 1  # bump when the export settings change, so existing files are redone
REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements-provision.txt"


class ExportUnavailable(RuntimeError):
    """The export libraries are not installed; the message says how to install them."""


def provision_libs() -> Path:
    """Where the export-time libraries live: ``provision-libs/`` inside the running venv."""
    return Path(sys.prefix) / "provision-libs"


def onnx_file(model_dir: Path, precision: str) -> Path:
    """The ONNX file of ``precision`` ("fp32" or "int8") under a model folder."""
    return Path(model_dir) / ONNX_DIR / (INT8_NAME if precision == "int8" else FP32_NAME)


def mapped_file(model_dir: Path, precision: str) -> Path:
    """The graph the encoder loads: the exported graph again with its weights in a side file
    (``onnx/mapped/``), which onnxruntime maps into memory instead of parsing and copying 470 MB
    (session 1 s → 0.1 s, and processes share the pages). It is written by onnxruntime itself
    with every graph optimisation off, so the session optimises the same graph and every vector
    is the same (a test compares them). Made from the exported file on first use, and again
    when that file changes; the exported file itself when the copy cannot be written."""
    from .provision import _build_lock

    source = onnx_file(model_dir, precision)
    folder = source.parent / MAPPED_DIR
    try:
        stat = source.stat()
        stamp = f"{source.name}:{stat.st_size}:{stat.st_mtime_ns}"
        if _mapped_stamp(folder, source.name) == stamp:
            return folder / source.name
        with _build_lock(folder):
            if _mapped_stamp(folder, source.name) != stamp:
                _write_mapped(source, folder, stamp)
        return folder / source.name
    except (OSError, RuntimeError):
        return source


def _mapped_stamp(folder: Path, name: str) -> str | None:
    try:
        return (folder / f"{name}.from").read_text("utf-8")
    except OSError:
        return None


def _write_mapped(source: Path, folder: Path, stamp: str) -> None:
    """``folder/<name>`` and ``<name>.data`` made from ``source``; the stamp file, written last,
    names the source they were made from."""
    import onnxruntime

    folder.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".mapped.tmp-", dir=source.parent))
    try:
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.optimized_model_filepath = str(tmp / source.name)
        options.add_session_config_entry("session.optimized_model_external_initializers_file_name",
                                         f"{source.name}.data")
        options.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
        onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        for name in (f"{source.name}.data", source.name):  # the graph after the weights it reads
            os.replace(tmp / name, folder / name)
        (tmp / "stamp").write_text(stamp, "utf-8")
        os.replace(tmp / "stamp", folder / f"{source.name}.from")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _weights_id(model_dir: Path) -> str:
    """What the ONNX files were exported from: the model folder's marker (source hash)."""
    from .provision import MARKER_NAME

    marker = json.loads((Path(model_dir) / MARKER_NAME).read_text("utf-8"))
    return f"{marker['source_sha256']}:{marker['format_version']}"


def is_exported(model_dir: Path) -> bool:
    """True if ``model_dir/onnx`` holds both files exported from the folder's current weights."""
    folder = Path(model_dir) / ONNX_DIR
    try:
        marker = json.loads((folder / MARKER).read_text("utf-8"))
        return (marker["export_version"] == EXPORT_VERSION and marker["weights"] == _weights_id(model_dir)
                and all((folder / rel).stat().st_size == size for rel, size in marker["files"].items()))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def ensure_onnx(model_dir: Path, force: bool = False) -> Path:
    """Return ``model_dir/onnx``, exporting it first if missing or stale."""
    from .provision import _build_lock, _swap_into_place, _write_marker

    model_dir = Path(model_dir).absolute()
    target = model_dir / ONNX_DIR
    if not force and is_exported(model_dir):
        return target
    libs = provision_libs()
    if not libs.is_dir():
        raise ExportUnavailable(
            f"the ONNX export libraries are not installed ({libs} is missing); install them with: "
            f"{sys.executable} -m pip install --no-deps --target {libs} -r {REQUIREMENTS}")
    with _build_lock(target):
        if not force and is_exported(model_dir):
            return target
        tmp = Path(tempfile.mkdtemp(prefix=f".{ONNX_DIR}.tmp-", dir=model_dir))
        try:
            _run_export(model_dir, tmp, libs)
            files = {p.name: p.stat().st_size for p in sorted(tmp.iterdir()) if p.is_file()}
            _write_marker(tmp, {"export_version": EXPORT_VERSION, "weights": _weights_id(model_dir),
                                "files": files}, MARKER)
            os.chmod(tmp, 0o755)
            _swap_into_place(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


def _run_export(model_dir: Path, out_dir: Path, libs: Path) -> None:
    """Run ``export`` in a subprocess with the export libraries first on its path."""
    repo = Path(__file__).resolve().parent.parent
    env = dict(os.environ, HF_HUB_OFFLINE="1",
               PYTHONPATH=os.pathsep.join([str(libs), str(repo), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "index.onnx_provision", str(model_dir), str(out_dir)],
                          env=env, cwd=repo, capture_output=True, text=True)
    if done.returncode != 0 or not (out_dir / FP32_NAME).is_file() or not (out_dir / INT8_NAME).is_file():
        raise RuntimeError(f"ONNX export of {model_dir} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")


def export(model_dir: Path, out_dir: Path) -> None:
    """Write ``out_dir/model.onnx`` (fp32) and ``out_dir/model_qint8_avx2.onnx`` (int8).

    Runs in the export subprocess only (it imports optimum)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from optimum.onnxruntime import ORTModelForFeatureExtraction, ORTQuantizer
    from optimum.onnxruntime.configuration import AutoQuantizationConfig

    model = ORTModelForFeatureExtraction.from_pretrained(str(model_dir), export=True,
                                                         provider="CPUExecutionProvider")
    model.save_pretrained(str(out_dir))
    # Dynamic quantisation, weights per output channel: per-tensor changed 11 of 132 answers
    # against 7 for per-channel (shared/MODELS.md); avx2 kernels run on any x86-64 CPU here.
    config = AutoQuantizationConfig.avx2(is_static=False, per_channel=True)
    ORTQuantizer.from_pretrained(model).quantize(save_dir=str(out_dir), quantization_config=config,
                                                file_suffix=INT8_SUFFIX)


if __name__ == "__main__":
    export(Path(sys.argv[1]), Path(sys.argv[2]))
