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
