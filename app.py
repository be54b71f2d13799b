"""The Gradio app: ask the plans, see the cited clauses.

    python app.py [--host 127.0.0.1] [--port 7860] [--index-dir DIR]

On first run it builds the index (with progress) if there is none, then serves on 127.0.0.1
only, unless --host says otherwise. The named API endpoint ``/ask`` returns the eval runner's
JSON line (README "App").
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import sys
from pathlib import Path

from settings import Settings

PERSONA_EXAMPLES = {
    "企业 Enterprise": ["我们是昌平的一家脑机接口初创公司，区里的新计划有什么支持？",
                      "We're a CDMO start-up in Tongzhou. What does the district plan offer?"],
    "记者 Journalist": ["昌平区计划落地跨国药企总部或研发中心多少家？",
                      "2021—2023年计划要求新增上市企业30家，对吗？"],
    "工作人员 Staff": ["市科委负责哪些任务", "昌平的行动计划有效期到什么时候？"],
}


def load_engine(settings: Settings):
    """The engine over the configured index, building the index first if there is none."""
    from engine import Engine
    from index.build import build_index
    from index.store import PlanIndex
    from index.types import IndexMissing

    try:
        index = PlanIndex.load(settings.index_dir, settings)
    except IndexMissing:
        print(f"no index at {settings.index_dir}; building it from {settings.plans_dir} (first run)…", flush=True)
        index = build_index([settings.plans_dir], settings.index_dir, settings, progress=True)
    return Engine(index, settings)


def sources_markdown(answer, documents: dict) -> str:
    """The sources panel: every citation with its document, clause, status and full text."""
    if answer.refused:
        lines = [f"**{answer.text}**", "", "相关条款（仅供参考，不是答案） · Related clauses (not an answer):"]
        lines += [f"- 《{c.title}》{c.path} {c.heading}" for c in answer.related]
        return "\n".join(lines)
    blocks = []
    for citation in answer.citations:
        clause, doc = citation.clause, documents[citation.clause.doc_id]
        status = "现行有效" if doc.in_force(dt.date.today()) else "已失效 / not in force"
        period = f"{doc.period_start}—{doc.period_end}年" if doc.period_start else "—"
        text = html.escape(clause.text)
        quote = html.escape(citation.quote)
        if quote and quote in text:
            text = text.replace(quote, f"<mark>{quote}</mark>", 1)
        blocks.append(f"<div id='source-{citation.n}'>\n\n**[{citation.n}] 《{html.escape(clause.title)}》"
                      f"{html.escape(clause.path)}**  \n规划期 {period} · {status} · 来源文件 "
                      f"{html.escape(', '.join(doc.sources))}\n\n<blockquote>{text}</blockquote>\n</div>")
    return "\n\n".join(blocks)


def answer_markdown(answer) -> str:
    """The answer with its citations, for export."""
    lines = [f"## {answer.question}", "", answer.text, ""]
    lines += [f"[{c.n}] 《{c.clause.title}》{c.clause.path}：「{c.quote}」" for c in answer.citations]
    return "\n".join(lines) + "\n"


def build_ui(engine):
    """The Blocks UI over one engine."""
    import gradio as gr

    from index.types import Filters

    documents = engine.index.documents
    plan_choices = [(d.title, d.doc_id) for d in documents.values()]
    regions = sorted({d.region for d in documents.values() if d.region})

    def filters_of(plans, region, in_force):
        return Filters(plans=tuple(plans or ()), region=region or None,
                       in_force_on=dt.date.today() if in_force else None)

    def chat(message, history, plans, region, in_force):
        from engine import QuestionError

        history = list(history or []) + [{"role": "user", "content": message}]
        try:
            events = engine.stream(message, filters_of(plans, region, in_force))
            text = ""
            for event in events:
                if event["type"] == "text":
                    text += event["delta"]
                    yield history + [{"role": "assistant", "content": text}], "", None
                elif event["type"] == "done":
                    answer = event["answer"]
                    yield (history + [{"role": "assistant", "content": answer.text}],
                           sources_markdown(answer, documents), answer_markdown(answer))
        except QuestionError as exc:
            yield history + [{"role": "assistant", "content": f"⚠️ {exc}"}], "", None

    def ask_api(question: str, plans: list[str] | None = None, region: str | None = None) -> str:
        """The eval runner's JSON line for one question."""
        answer = engine.ask(question, filters_of(plans, region, False))
        return json.dumps(answer.to_eval_json("api"), ensure_ascii=False)

    with gr.Blocks(title="政策问答 · Plan Q&A") as demo:
        gr.Markdown("# 政策问答 · Plan Q&A\n北京医药健康产业行动计划：每个回答都引用到具体条款。")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="问答", height=460, sanitize_html=True)
                box = gr.Textbox(label="问题 Question", placeholder="例如：2023年新增上市企业目标是多少？")
                with gr.Row():
                    plans = gr.Dropdown(plan_choices, multiselect=True, label="计划 Plans")
                    region = gr.Dropdown([""] + regions, value="", label="地区 Region")
                    in_force = gr.Checkbox(label="只看现行有效 In force only")
                for persona, examples in PERSONA_EXAMPLES.items():
                    gr.Examples(examples, inputs=box, label=persona)
                export = gr.DownloadButton("导出 Markdown · Export", value=None)
            with gr.Column(scale=2):
                gr.Markdown("### 出处 Sources")
                sources = gr.Markdown(elem_id="sources")
        markdown_state = gr.State()
        box.submit(chat, [box, chatbot, plans, region, in_force], [chatbot, sources, markdown_state],
                   api_visibility="private").then(lambda: "", None, box)
        markdown_state.change(_export_file, markdown_state, export)
        gr.api(ask_api, api_name="ask")
    return demo


def _export_file(markdown: str | None):
    if not markdown:
        return None
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="planqa-")) / "answer.md"
    path.write_text(markdown, "utf-8")
    return str(path)


def main(argv: list[str] | None = None) -> int:
    """Start the app."""
    parser = argparse.ArgumentParser(description="政策问答 · Plan Q&A web app")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: localhost only)")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--index-dir", type=Path)
    args = parser.parse_args(argv)
    settings = Settings.from_env(index_dir=args.index_dir)
    demo = build_ui(load_engine(settings))
    demo.queue(default_concurrency_limit=2).launch(server_name=args.host, server_port=args.port, show_error=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
