"""Bounded resources: a file is refused before the work its size would cost, with a message
that says which limit it passed."""
from __future__ import annotations

import dataclasses
import io
import json
import random
import re
import subprocess
import sys
import time
import zipfile

import pytest
from conftest import CITY_2018, REPO, TONGZHOU, make_pdf

from ingest.clean import clean
from ingest.errors import IngestError
from ingest.pipeline import parse_source

PARAGRAPH = "<w:p><w:r><w:t>" + "支持创新药研发，给予最高500万元补贴。" * 20 + "</w:t></w:r></w:p>"


def make_docx(path, inflated_bytes: int, paragraph=lambda: PARAGRAPH):
    """A .docx (python-docx's own parts) whose document.xml inflates to ``inflated_bytes``,
    streamed into the zip so that the test never holds it in memory."""
    import docx

    template = io.BytesIO()
    docx.Document().save(template)
    parts = zipfile.ZipFile(template)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in parts.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info.filename, parts.read(info))
        with out.open("word/document.xml", "w", force_zip64=True) as body:
            body.write(b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w='
                       b'"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
            written = 0
            while written < inflated_bytes:
                block = "".join(paragraph() for _ in range(200)).encode()
                body.write(block)
                written += len(block)
            body.write(b"</w:body></w:document>")
    return path


INGEST_UNDER_RLIMIT = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
sys.path.insert(0, {repo!r})
from pathlib import Path
from ingest.errors import IngestError
from ingest.pipeline import parse_source
from settings import Settings
settings = Settings.from_env()
for path in sys.argv[1:]:
    start = time.perf_counter()
    try:
        parse_source(Path(path), settings)
        message = "ingested"
    except IngestError as exc:
        message = str(exc)
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    print(json.dumps({{"message": message, "seconds": time.perf_counter() - start,
                      "peak_mb": int(status["VmHWM"].split()[0]) / 1024}}))  # ru_maxrss counts the forked parent
"""


def test_a_docx_bomb_and_a_largest_allowed_docx_are_refused_fast_within_1_gib(tmp_path):
    bomb = make_docx(tmp_path / "bomb.docx", 2 * 2**30)  # 2 GiB of document.xml in a ~15 MB file
    rng = random.Random(0)
    text = lambda: "<w:p><w:r><w:t>" + "".join(chr(rng.randrange(0x4E00, 0x5A00)) for _ in range(120)) + "</w:t></w:r></w:p>"  # noqa: E731,E501
    largest = make_docx(tmp_path / "largest.docx", 9 * 2**20, text)  # under every limit but characters
    proc = subprocess.run([sys.executable, "-c", INGEST_UNDER_RLIMIT.format(repo=str(REPO)), str(bomb), str(largest)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    refused_bomb, refused_largest = [json.loads(line) for line in proc.stdout.splitlines()]
    print(f"bomb: {refused_bomb}\nlargest: {refused_largest}")
    assert re.search(r"bomb.docx: file inflates to 2,04\d MiB when unzipped, over the 10 MiB limit",
                     refused_bomb["message"]), refused_bomb
    assert refused_bomb["seconds"] < 2 and refused_bomb["peak_mb"] < 300, refused_bomb
    assert "characters of text, over the 1,000,000 limit" in refused_largest["message"], refused_largest
    assert refused_largest["peak_mb"] < 300, refused_largest


def _zip_of_many_members(path):
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(2001):
            archive.writestr(f"word/part{n}.xml", "<x/>")
    return path


def _zip_of_a_ratio_bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b" " * 4 * 2**20)
    return path


LIMITS = {  # file maker, settings, what the message says
    "zip members": (_zip_of_many_members, {}, "file is a zip of 2,001 members, over the 2,000 limit"),
    "compression ratio": (_zip_of_a_ratio_bomb, {}, "word/document.xml inflates 1,0"),
    "characters": (lambda p: TONGZHOU, {"max_chars": 5000}, "holds 5,915 characters of text, over the 5,000 limit"),
    "records": (lambda p: TONGZHOU, {"max_records": 40}, "parses into 46 clauses and table rows, over the 40 limit"),
    "pages": (lambda p: make_pdf(p.with_suffix(".pdf"), CITY_2018.read_text("utf-8")[:6000]), {"max_pages": 1},
              "pages, over the 1 limit; split it or raise PLANQA_MAX_PAGES"),
}


@pytest.mark.parametrize("limit", list(LIMITS))
def test_each_limit_refuses_with_a_message_naming_it(settings, tmp_path, limit):
    """Each file ingests at the default limits (the corpus's own tests) and is refused below."""
    make, overrides, expected = LIMITS[limit]
    path = make(tmp_path / "plan.docx")
    with pytest.raises(IngestError) as refused:
        parse_source(path, dataclasses.replace(settings, **overrides))
    assert expected in str(refused.value) and str(path) in str(refused.value), str(refused.value)


def test_many_short_lines_are_cleaned_in_linear_time():
    rng = random.Random(0)
    text = "\n".join("".join(chr(rng.randrange(0x4E00, 0x5A00)) for _ in range(4)) for _ in range(20_000))
    start = time.perf_counter()
    clean(text)
    assert time.perf_counter() - start < 10, "20,000 four-character lines took minutes when cleaning was quadratic"
