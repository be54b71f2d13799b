"""Optional LLM backends through LangChain: an OpenAI-compatible endpoint (vLLM, Ollama,
DeepSeek, Qwen, …) or a local GGUF model through llama.cpp.

The LLM only rewrites a grounded answer from the clauses that answer already cites; it never
answers what the default engine refused. Its output goes through the same verification
(engine.verify): every sentence must cite a clause it was given, and every number, date and
agency name must appear in that clause. On any failure the grounded answer is returned with a
note, and the failure is logged. Configuration comes from the environment only (README); API
keys are read there and never logged or shown.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import re
import string

from settings import REPO

from .types import Answer
from .verify import check

log = logging.getLogger("engine.llm")
PROMPTS = REPO / "prompts"
SENTENCE_RE = re.compile(r"[^。！？!?\n]+[。！？!?]?(?:\s*\[\d+\])*")  # a sentence keeps its [n] marks
FALLBACK_NOTE = {"zh": "（LLM 改写未通过核查，以下为原文答案。）", "en": "(The LLM rewrite failed verification; this is the grounded answer.)"}


class LLMConfigError(RuntimeError):
    """The configured backend cannot be used; the message says how to fix it."""


def load_prompt(name: str, required: set[str]) -> str:
    """A prompt template from prompts/, refused if its placeholders are not exactly ``required``."""
    text = (PROMPTS / name).read_text("utf-8")
    found = {field for _, field, _, _ in string.Formatter().parse(text) if field}
    if found != required:
        raise LLMConfigError(f"prompts/{name} has placeholders {sorted(found)}, expected {sorted(required)}")
    return text


def chat_model_from_env():
    """The chat model named by PLANQA_LLM ("openai" or "llamacpp"), or None (the default)."""
    backend = os.environ.get("PLANQA_LLM", "").strip().lower()
    if not backend:
        return None
    try:
        if backend == "openai":
            from langchain_openai import ChatOpenAI

            return ChatOpenAI(model=os.environ.get("PLANQA_LLM_MODEL", "qwen2.5-7b-instruct"),
                              base_url=os.environ.get("PLANQA_LLM_BASE_URL") or None,
                              api_key=os.environ.get("PLANQA_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY") or "none",
                              temperature=0, timeout=float(os.environ.get("PLANQA_LLM_TIMEOUT", "60")))
        if backend == "llamacpp":
            from langchain_community.chat_models import ChatLlamaCpp

            path = os.environ.get("PLANQA_LLM_MODEL_PATH", "")
            if not os.path.isfile(path):
                raise LLMConfigError("PLANQA_LLM=llamacpp needs PLANQA_LLM_MODEL_PATH set to a local .gguf file")
            return ChatLlamaCpp(model_path=path, temperature=0, n_ctx=4096, verbose=False)
    except ImportError as exc:
        raise LLMConfigError(f"PLANQA_LLM={backend} needs the optional packages: "
                             f".venv/bin/pip install -r requirements-llm.txt ({exc.name} is missing)") from exc
    raise LLMConfigError(f"unknown PLANQA_LLM={backend!r}; use 'openai' or 'llamacpp', or unset it")


class LLMWriter:
    """Rewrites grounded answers with a chat model, keeping only what verification accepts."""

    def __init__(self, chat_model, refusal: dict[str, str]):
        self.chat = chat_model
        self.refusal = refusal
        self.system = load_prompt("answer_system.txt", {"refusal"})
        self.user = load_prompt("answer_user.txt", {"question", "clauses"})

    def rewrite(self, answer: Answer, agencies: set[str]) -> Answer:
        """The LLM's version of ``answer`` if every sentence of it verifies, else ``answer``."""
        if answer.refused or not answer.citations:
            return answer
        from langchain_core.messages import HumanMessage, SystemMessage

        lang = "en" if answer.lang == "en" else "zh"
        clauses = "\n".join(f"[{c.n}] {c.clause.citation()}：{c.clause.text}" for c in answer.citations)
        messages = [SystemMessage(self.system.format(refusal=self.refusal[lang])),
                    HumanMessage(self.user.format(question=answer.question, clauses=clauses))]
        try:
            output = str(self.chat.invoke(messages).content).strip()
        except Exception as exc:  # a remote backend can fail in many ways; the grounded answer stands
            return self._fallback(answer, [f"LLM call failed: {type(exc).__name__}"], lang)
        failures = self._problems(output, answer, agencies)
        if failures:
            return self._fallback(answer, failures, lang)
        return dataclasses.replace(answer, text=output, kind=f"{answer.kind}+llm")

    def _problems(self, output: str, answer: Answer, agencies: set[str]) -> list[str]:
        by_number = {c.n: c.clause for c in answer.citations}
        if output == self.refusal["en" if answer.lang == "en" else "zh"]:
            return ["the LLM refused an answerable question"]
        sentences, failures = [], []
        for sentence in (s.strip() for s in SENTENCE_RE.findall(output) if s.strip()):
            marks = [int(n) for n in re.findall(r"\[(\d+)\]", sentence)]
            if not marks or any(n not in by_number for n in marks):
                failures.append(f"{sentence!r}: no valid citation")
                continue
            sentences.append((sentence, [by_number[n] for n in marks]))
        _, unsupported = check(sentences, answer.question, agencies)
        return failures + unsupported

    def _fallback(self, answer: Answer, failures: list[str], lang: str) -> Answer:
        for failure in failures:
            log.warning("LLM output rejected: %s", failure)
        return dataclasses.replace(answer, text=f"{FALLBACK_NOTE[lang]}\n{answer.text}",
                                   failed_checks=answer.failed_checks + failures)
