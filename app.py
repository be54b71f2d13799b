"""The Gradio app: ask the plans and see the cited clauses; browse 责任单位, targets and
documents; administer the corpus.

    python app.py [--host 127.0.0.1] [--port 7860] [--index-dir DIR]

On first run it builds the index (with progress) if there is none, then serves on 127.0.0.1
only, unless --host says otherwise. The named API endpoint ``/ask`` returns the eval runner's
JSON line. Admin is on only when PLANQA_ADMIN_PASSWORD is set (README "App").
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import hmac
import html
import importlib.abc
import importlib.machinery
import io
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import app_views as views
from settings import Settings

log = logging.getLogger("app")
PERSONA_EXAMPLES = {
    "企业 Enterprise": ["我们是昌平的一家脑机接口初创公司，区里的新计划有什么支持？",
                      "We're a CDMO start-up in Tongzhou. What does the district plan offer?"],
    "记者 Journalist": ["昌平区计划落地跨国药企总部或研发中心多少家？",
                      "2021—2023年计划要求新增上市企业30家，对吗？"],
    "工作人员 Staff": ["市科委负责哪些任务", "昌平的行动计划有效期到什么时候？"],
}
UPLOAD_TYPES = [".txt", ".md", ".pdf", ".docx", ".html", ".htm"]
SERVER_PATH_RE = re.compile(r"(?<![\w.])/[^\s:;,'\"()（）]+")  # an absolute path in a message
EXPORT_MAX_AGE_S = 300  # downloads (Markdown, CSV) are deleted after this, here and in Gradio's cache
REQUEST_TIMEOUT_S = 60  # a request still running after this is stopped (answers take ~40 ms)
SCROLL_TO_CLAUSE = """() => { let tries = 0; const go = () => { const e = document.querySelector('#viewer .clause.target');
  if (e) e.scrollIntoView({block: 'center'}); else if (tries++ < 30) setTimeout(go, 150); }; setTimeout(go, 100); }"""
UPLOAD_ROUTE = "/gradio_api/upload"  # where Gradio stores what any client posts


class _NoStubWriting(importlib.abc.MetaPathFinder):
    """Turns off gradio's rewriting of its own type stubs, as ``gradio.component_meta`` loads.

    On every import gradio regenerates the ``.pyi`` stub of each component class
    (``component_meta.create_or_modify_pyi``: read and parse the component's source, render a
    template, compare with the stub in site-packages and rewrite it when it differs): 1.4 s of
    its 3.2 s import here, for files only type checkers read. The stubs it ships stay as they are.
    """

    def find_spec(self, name, path, target=None):
        if name != "gradio.component_meta":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            if hasattr(module, "create_or_modify_pyi"):
                module.create_or_modify_pyi = lambda *args, **kwargs: None

        spec.loader.exec_module = exec_module
        return spec


def skip_gradio_stub_writing() -> None:
    """Install ``_NoStubWriting`` before gradio is first imported (no effect after)."""
    if "gradio.component_meta" not in sys.modules and not any(isinstance(f, _NoStubWriting) for f in sys.meta_path):
        sys.meta_path.insert(0, _NoStubWriting())


def admin_password() -> str:
    """The admin password (PLANQA_ADMIN_PASSWORD); empty when admin is off."""
    return os.environ.get("PLANQA_ADMIN_PASSWORD", "")


class UploadGate:
    """ASGI middleware: with admin off no component takes files, so Gradio's upload route is
    refused (403) before it reads or stores anything an anonymous client posts."""

    def __init__(self, app, admin: bool):
        self.app, self.admin = app, admin

    async def __call__(self, scope, receive, send):
        if not self.admin and scope["type"] == "http" and scope["path"].rstrip("/").endswith(UPLOAD_ROUTE):
            from starlette.responses import PlainTextResponse

            log.warning("refused an upload from %s: admin is off", (scope.get("client") or ("unknown",))[0])
            await PlainTextResponse("uploads are off: this server has no admin", status_code=403)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class LoginGuard:
    """Failed admin logins per client: each is logged (never the password) and answered after a
    delay; ``max_failures`` within ``window_s`` lock the client out for ``lockout_s``, during
    which its attempts are refused without checking the password."""

    def __init__(self, delay_s: float = 1.0, max_failures: int = 5, window_s: float = 60, lockout_s: float = 300):
        self.delay_s, self.max_failures, self.window_s, self.lockout_s = delay_s, max_failures, window_s, lockout_s
        self.failures: dict[str, list[float]] = {}
        self.locked_until: dict[str, float] = {}
        self.mutex = threading.Lock()

    def locked(self, client: str) -> bool:
        """Whether ``client`` is locked out now."""
        with self.mutex:
            return self.locked_until.get(client, 0.0) > time.monotonic()

    def failed(self, client: str) -> None:
        """Record a wrong password from ``client``, lock it out at the limit, then wait."""
        now = time.monotonic()
        with self.mutex:
            recent = [t for t in self.failures.get(client, []) if t > now - self.window_s] + [now]
            self.failures[client] = recent
            if len(recent) >= self.max_failures:
                self.locked_until[client] = now + self.lockout_s
        log.warning("admin login failed from %s (%d in the last %g s)", client, len(recent), self.window_s)
        time.sleep(self.delay_s)


class AppState:
    """The engine being served: admin changes swap in a new one under a lock, and a version
    another process (the CLI) wrote is picked up on the next use, without a restart."""

    def __init__(self, engine, settings: Settings):
        self._engine = engine
        self.settings = settings
        self.lock = threading.Lock()
        self.secret = admin_password()
        self.guard = LoginGuard()

    @property
    def engine(self):
        """The engine over the index version now on disk (checked with one readlink per use).
        While an admin change holds the lock, the loaded engine answers: it is a whole version."""
        if not self._engine.index.is_current() and self.lock.acquire(blocking=False):
            try:
                if not self._engine.index.is_current():
                    self._reload()
            finally:
                self.lock.release()
        return self._engine

    def _reload(self) -> None:
        """Load the version on disk; on failure keep serving the one in memory."""
        from index.store import PlanIndex
        from index.types import PlanIndexError

        current = self._engine.index
        try:
            self.swap(PlanIndex.load(current.folder, self.settings, current.embeddings))
        except (PlanIndexError, OSError) as exc:
            log.warning("kept serving the loaded index: the new version did not load (%s)", exc)
            return
        log.info("serving index version %s", self._engine.index.root.name)

    def swap(self, index) -> None:
        """Serve a new index version."""
        from engine import Engine

        self._engine = Engine(index, self.settings)

    def refusal(self, given, client: str) -> str | None:
        """Why an admin action is refused (a locked-out client, a wrong password), or None. The
        check is constant-time and the password never logged."""
        if self.guard.locked(client):
            return "尝试次数过多，请稍后再试。Too many failed logins; try again later."
        if self.secret and isinstance(given, str) and hmac.compare_digest(given.encode(), self.secret.encode()):
            return None
        if self.secret:
            self.guard.failed(client)
        return "密码错误，未做任何更改。Wrong password; nothing changed."

    def admin_add(self, given: str | None, upload: str | None, progress=None, client: str = "local") -> str:
        """Ingest an uploaded plan into the served index; the message says what happened."""
        from index.build import add_files
        from index.report import describe_added
        from index.types import PlanIndexError
        from ingest.errors import IngestError

        refused = self.refusal(given, client)
        if refused:
            return refused
        if not upload:
            return "请先选择文件。Choose a file first."
        name = Path(upload).name  # the browser's file name only: never a path of the client's choosing
        target = Path(tempfile.mkdtemp(prefix="planqa-upload-")) / name
        if progress is not None:
            progress(0.1, desc="ingest")
        try:
            shutil.copyfile(upload, target)
            before = self.engine.index
            with self.lock:
                index = add_files([target], self._engine.index.folder, self.settings, self._engine.index.embeddings)
                self.swap(index)
            report = describe_added([target], before, index, self.settings)
        except (IngestError, PlanIndexError, OSError) as exc:
            return f"未导入，索引未改变 Not added, the index is unchanged: {public_error(exc, target)}"
        finally:
            shutil.rmtree(target.parent, ignore_errors=True)
        log.info("admin added %s", name)
        return f"已导入 {name}：\n" + "\n".join(report)

    def admin_source(self, given: str | None, name: str | None, action: str, client: str = "local") -> str:
        """Remove one source file of a plan (``action`` "remove") or make it the plan's official
        copy ("official"); the plan itself stays."""
        from index.build import mark_official, remove_source
        from index.types import PlanIndexError

        refused = self.refusal(given, client)
        if refused:
            return refused
        if not name:
            return "请先选择来源文件。Choose a source file first."
        change = remove_source if action == "remove" else mark_official
        try:
            with self.lock:
                self.swap(change(name, self._engine.index.folder, self.settings, self._engine.index.embeddings))
        except (PlanIndexError, OSError) as exc:
            return f"未更改 Nothing changed: {public_error(exc)}"
        log.info("admin %s source %s", action, name)
        return f"已删除来源 {name} Removed source {name}" if action == "remove" else \
            f"{name} 已设为正式版本 is now the official copy"

    def admin_remove(self, given: str | None, doc_id: str | None, client: str = "local") -> str:
        """Remove a document from the served index; the message says what happened."""
        from index.build import remove_document
        from index.types import PlanIndexError

        refused = self.refusal(given, client)
        if refused:
            return refused
        if not doc_id:
            return "请先选择要删除的文档。Choose a document first."
        doc = self._engine.index.documents.get(doc_id)
        name = f"《{doc.title}》" if doc else doc_id
        try:
            with self.lock:
                self.swap(remove_document(doc_id, self._engine.index.folder, self.settings,
                                          self._engine.index.embeddings))
        except (PlanIndexError, OSError) as exc:
            return f"未删除 Not removed: {public_error(exc)}"
        log.info("admin removed %s", doc_id)
        return f"已删除{name}。"


def public_error(exc: Exception, upload: Path | None = None) -> str:
    """An error as the app shows it: what went wrong and the fix, never a path of the server
    (the full message goes to the log); an upload is named by its file name."""
    from index.types import IndexWriteError

    log.warning("admin change failed: %s", exc)
    if isinstance(exc, IndexWriteError):
        return f"the server cannot write its index: {exc.problem}; {exc.fix}"
    text = (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
    if upload is not None:
        text = text.replace(str(upload), upload.name)
    return SERVER_PATH_RE.sub("…", text)


def load_engine(settings: Settings, embeddings=None):
    """The engine over the configured index, building the index first if there is none
    (with ``embeddings``, a started ``SentenceEmbeddings``, if given)."""
    from engine import Engine
    from index.build import build_index
    from index.store import PlanIndex
    from index.types import IndexMissing

    try:
        index = PlanIndex.load(settings.index_dir, settings, embeddings)
    except IndexMissing:
        print(f"no index at {settings.index_dir}; building it from {settings.plans_dir} (first run)…", flush=True)
        index = build_index([settings.plans_dir], settings.index_dir, settings, progress=True, embeddings=embeddings)
    return Engine(index, settings)


def literal(text: str) -> str:
    """A user's message shown exactly as typed: no HTML, no Markdown layout."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|>~])", r"\\\1", html.escape(text, quote=False))


def _file(name: str, content: str, encoding: str = "utf-8") -> str:
    """An export to download, in this process's export folder; exports older than
    EXPORT_MAX_AGE_S are deleted first (Gradio has long copied them into its cache)."""
    folder = Path(tempfile.gettempdir()) / f"planqa-exports-{os.getpid()}"
    folder.mkdir(exist_ok=True)
    cutoff = time.time() - EXPORT_MAX_AGE_S
    for old in folder.iterdir():
        if old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)
    path = Path(tempfile.mkdtemp(dir=folder)) / name
    path.write_text(content, encoding)
    return str(path)


def _filters(plans, region, in_force):
    from index.types import Filters

    return Filters(plans=tuple(plans or ()), region=region or None, in_force_on=dt.date.today() if in_force else None)


class Live:
    """Components whose choices or values are read from the index: filled when a page loads
    and after every admin change, never frozen at start-up."""

    def __init__(self):
        self.outputs, self.readers = [], []

    def add(self, components: list, reader) -> None:
        """``reader()`` returns one update per component, from the index as it is now."""
        self.outputs += components
        self.readers.append(reader)

    def read(self) -> list:
        """Every live component's update."""
        return [update for reader in self.readers for update in reader()]


def _plan_choices(state) -> list[tuple[str, str]]:
    return [(d.title, d.doc_id) for d in state.engine.index.documents.values()]


def _chat_tab(gr, state: AppState, live: Live, open_request):
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="问答 Chat", height=460, elem_id="chat")
            box = gr.Textbox(label="问题 Question", placeholder="例如：2023年新增上市企业目标是多少？", elem_id="question",
                             info="按回车提问；最多 500 字。点击回答中的 [n] 查看该回答引用的条款。")
            notice = gr.Markdown(elem_id="ask-status")
            clear = gr.Button("清除筛选条件 Clear filters", visible=False, elem_id="clear-filters", size="sm")
            with gr.Row():
                plans = gr.Dropdown([], multiselect=True, label="计划 Plans", elem_id="plan-filter")
                region = gr.Dropdown([""], value="", label="地区 Region", elem_id="region-filter")
                in_force = gr.Checkbox(label="只看现行有效 In force only")
            for persona, examples in PERSONA_EXAMPLES.items():
                gr.Examples(examples, inputs=box, label=persona)
            with gr.Row():
                which = gr.Dropdown([("全部对话 Whole conversation", "all")], value="all", label="导出 Export",
                                    elem_id="export-which")
                export = gr.DownloadButton("先提问后可导出 Ask first", value=None, interactive=False, elem_id="export")
        with gr.Column(scale=2):
            gr.Markdown("### 出处 Sources")
            sources = gr.HTML(views.sources_panel([], None), elem_id="sources")
    answers = gr.State([])  # per answer: question, export Markdown, sources section

    def live_filters():
        docs = state.engine.index.documents.values()
        return [gr.update(choices=_plan_choices(state)),
                gr.update(choices=[""] + sorted({d.region for d in docs if d.region}))]

    live.add([plans, region], live_filters)

    def refuse(why: str):  # the user's text, the chat and every answer's sources stay as they were
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), f"⚠️ {html.escape(why)}", gr.update(visible=False)

    def chat(message, history, answers, plans, region, in_force):
        from engine import QuestionError
        from engine.core import MAX_QUESTION_CHARS

        message = message if isinstance(message, str) else ""
        lang = views.language(message)
        if len(message) > MAX_QUESTION_CHARS:
            yield refuse(views.message("too_long", lang, n=len(message), limit=MAX_QUESTION_CHARS))
            return
        if not re.search(r"[\w\u3400-\u9fff]", re.sub(r"<[^<>]{0,200}>", " ", message)):
            yield refuse(views.message("empty", lang))
            return
        documents = state.engine.index.documents
        filters = _filters(plans, region, in_force)
        if filters.active and not state.engine.allowed(filters):
            yield (*refuse(views.message("no_plans", lang, filters=views.filters_text(plans, region, in_force,
                                                                                       documents)))[:5],
                   gr.update(visible=True))
            return
        earlier = [html.unescape(re.sub(r"\\(.)", r"\1", str(m.get("content", ""))))  # literal() undone
                   for m in history or [] if isinstance(m, dict) and m.get("role") == "user"]
        history = list(history or []) + [{"role": "user", "content": literal(message)}]
        k = len(answers)
        try:
            text = ""
            for event in state.engine.stream(message, filters, earlier):
                if event["type"] == "text":
                    text += event["delta"]
                    yield (history + [{"role": "assistant", "content": views.chat_text(text, k, [], lead=False)}],
                           gr.skip(), gr.skip(), gr.skip(), "", gr.update(visible=False))
                elif event["type"] == "done":
                    answer = event["answer"]
                    merged, cards = views.merge_citations(answer)
                    section = views.sources_section(k, answer, cards, documents,
                                                    views.filters_text(plans, region, in_force, documents),
                                                    dt.date.today(), state.engine.index.full_text)
                    answers = answers + [{"question": answer.question, "section": section,
                                          "markdown": views.answer_markdown(answer, merged, cards)}]
                    yield (history + [{"role": "assistant",
                                       "content": views.chat_text(merged, k, cards, lead=not answer.refused)}],
                           views.sources_panel([a["section"] for a in answers], k), answers, "", "",
                           gr.update(visible=False))
        except QuestionError as exc:  # what the checks above did not catch: the engine's words, in Chinese
            yield refuse(views.message("bad", lang, why=str(exc)))

    outputs = [chatbot, sources, answers, box, notice, clear]
    box.submit(chat, [box, chatbot, answers, plans, region, in_force], outputs,
               api_visibility="private", time_limit=REQUEST_TIMEOUT_S)
    clear.click(lambda: ([], "", False, "", gr.update(visible=False)), None, [plans, region, in_force, notice, clear],
                api_visibility="private")

    def export_choices(answers, chosen):
        choices = [("全部对话 Whole conversation", "all")] + [
            (f"回答 {k + 1}：{a['question'][:30]}", str(k)) for k, a in enumerate(answers)]
        return gr.update(choices=choices, value=chosen if chosen in {v for _, v in choices} else "all")

    def export_file(answers, chosen):
        if not answers:
            return gr.update(value=None, interactive=False, label="先提问后可导出 Ask first")
        if chosen not in (None, "all") and int(chosen) < len(answers):
            answer = answers[int(chosen)]
            path = _file(views.file_name("问答", answer["question"], ext="md"), answer["markdown"])
        else:
            path = _file(views.file_name("问答", "全部对话", ext="md"), "\n".join(a["markdown"] for a in answers))
        return gr.update(value=path, interactive=True, label="下载 Markdown · Download")

    answers.change(export_choices, [answers, which], which, api_visibility="private").then(
        export_file, [answers, which], export, api_visibility="private")
    which.input(export_file, [answers, which], export, api_visibility="private")
    return plans


def _responsibility_tab(gr, state: AppState, live: Live):
    from engine.browse import responsibility_rows, task_choices

    headers = ["计划 Plan", "条款 Clause", "任务 Task", "责任单位 Agencies", "所列名称 Listed as"]
    with gr.Row():
        agency = gr.Dropdown([], label="责任单位（可输入旧称或新称）Agency", allow_custom_value=True, elem_id="agency")
        download = gr.DownloadButton("选择单位后可下载 CSV", value=None, interactive=False)
    table = gr.Dataframe(headers=headers, interactive=False, wrap=True, elem_id="agency-tasks")
    task = gr.Dropdown([], value=None, label="任务 → 责任单位 Task", elem_id="task")
    task_agencies = gr.Markdown()

    def live_lists():
        agencies = state.engine.agencies
        names = sorted({*agencies.names, *(n for g in agencies.groups for n in g)})
        return [gr.update(choices=names), gr.update(choices=task_choices(state.engine.index.clauses), value=None)]

    live.add([agency, task], live_lists)

    def show(name):
        rows = responsibility_rows(state.engine.agencies, name or "", state.engine.index.documents)
        buffer = io.StringIO(newline="")
        csv.writer(buffer).writerows([headers, *rows])
        path = _file(views.file_name("责任单位", name or "全部", ext="csv"), buffer.getvalue(), "utf-8-sig")
        return rows, gr.update(value=path, interactive=True, label="下载 CSV · Download")

    def agencies_of(clause_id):
        clause = next((c for c in state.engine.index.clauses if c.clause_id == clause_id), None)
        if clause is None:
            return ""
        return (f"**《{clause.title}》[{clause.path}]({views.open_link(clause.clause_id)}) {clause.heading}**\n\n"
                + "\n".join(f"- {a}" for a in clause.agencies))

    agency.change(show, agency, [table, download], api_visibility="private")
    task.change(agencies_of, task, task_agencies, api_visibility="private")


def _targets_tab(gr, state: AppState, live: Live):
    import pandas as pd

    note = gr.Markdown(elem_id="targets-note")
    table = gr.Dataframe(pd.DataFrame(), datatype="html", interactive=False, wrap=True, elem_id="targets",
                         pinned_columns=1)
    plot = gr.BarPlot(pd.DataFrame({"plan": [], "value": []}), x="plan", y="value", visible=False,
                      elem_id="targets-chart")

    def read():
        index = state.engine.index
        columns, rows, text, chart = views.targets_view(index.clauses, index.documents)
        points = pd.DataFrame(chart[1] if chart else [], columns=["plan", "value"])
        return [text, gr.update(value=pd.DataFrame(rows, columns=columns)),
                gr.update(value=points, visible=chart is not None, title=chart[0] if chart else None)]

    live.add([note, table, plot], read)


def _documents_tab(gr, state: AppState, live: Live):
    headers = ["id", "标题 Title", "文号", "印发日期", "规划期", "地区", "有效期至", "废止", "状态", "来源（正式文本在前）"]

    def rows():
        return [[d.doc_id, d.title, d.number or "—", str(d.issue_date or "—"),
                 f"{d.period_start}—{d.period_end}" if d.period_start else "—", d.region or "—",
                 str(d.valid_until or "—"), "；".join(f"《{r.title}》{r.number or ''}" for r in d.repeals) or "—",
                 "现行" if d.in_force(dt.date.today()) else "已失效",
                 "；".join(("正式 " if k == 0 else "副本 ") + Path(s).name for k, s in enumerate(d.sources))
                 + (f"（{len(d.conflicts)} 处版本冲突，以正式文本为准）" if d.conflicts else "")]
                for d in state.engine.index.documents.values()]

    table = gr.Dataframe(headers=headers, interactive=False, wrap=True, elem_id="documents", max_height=1600)
    choice = gr.Dropdown([], value=None, label="打开文档 Open", elem_id="doc-open")
    view = gr.HTML(elem_id="viewer")
    live.add([table, choice], lambda: [gr.update(value=rows()), gr.update(choices=_plan_choices(state))])

    def show(doc_id):
        doc = state.engine.index.documents.get(doc_id or "")
        return views.viewer(doc, state.engine.index.clauses) if doc else ""

    choice.input(show, choice, view, api_visibility="private")
    return choice, view


def _admin_tab(gr, state: AppState, live: Live):
    """Upload or remove plans: only with the password in PLANQA_ADMIN_PASSWORD. Removal asks
    for confirmation, naming the plan by its title."""
    if not state.secret:
        gr.Markdown("管理功能已关闭：设置环境变量 PLANQA_ADMIN_PASSWORD 后重启即可开启。"
                    "Admin is off: set PLANQA_ADMIN_PASSWORD and restart.")
        return
    password = gr.Textbox(label="管理员密码 Admin password", type="password")
    upload = gr.File(label="上传计划文件 Upload a plan", file_types=UPLOAD_TYPES, type="filepath")
    add = gr.Button("导入并加入索引 Ingest and index")
    remove_id = gr.Dropdown([], value=None, label="删除文档 Remove", elem_id="remove-doc")
    remove = gr.Button("删除 Remove")
    with gr.Row(visible=False) as confirm_row:
        confirm = gr.Button("确认删除 Confirm removal", variant="stop", elem_id="confirm-remove")
        cancel = gr.Button("取消 Cancel")
    source = gr.Dropdown([], value=None, label="来源文件 Source file (copies of one plan)", elem_id="source-file")
    drop_source = gr.Button("删除此来源 Remove this source")
    official = gr.Button("设为正式版本 Mark as official")
    status = gr.Markdown(elem_id="admin-status")
    live.add([remove_id, source], lambda: [gr.update(choices=_plan_choices(state), value=None),
                                           gr.update(choices=_source_choices(state), value=None)])

    def after(text: str):  # the message, then every live list and table, read again
        return (html.escape(text).replace("\n", "<br>"), gr.update(visible=False), *live.read())

    def do_add(given, path, request: gr.Request, progress=gr.Progress()):
        return after(state.admin_add(given, path, progress, _client(request)))

    def ask_remove(doc_id):
        doc = state.engine.index.documents.get(doc_id or "")
        if doc is None:
            return "请先选择要删除的文档。Choose a document first.", gr.update(visible=False)
        clauses = sum(1 for c in state.engine.index.clauses if c.doc_id == doc.doc_id)
        return (f"确定要删除《{html.escape(doc.title)}》（{clauses} 条记录）吗？此操作会把它从索引中移除。",
                gr.update(visible=True))

    def do_remove(given, doc_id, request: gr.Request):
        return after(state.admin_remove(given, doc_id, _client(request)))

    def do_source(action):
        def run(given, name, request: gr.Request):
            return after(state.admin_source(given, name, action, _client(request)))
        return run

    outputs = [status, confirm_row, *live.outputs]
    add.click(do_add, [password, upload], outputs, api_visibility="private")
    remove.click(ask_remove, remove_id, [status, confirm_row], api_visibility="private")
    cancel.click(lambda: ("未删除。", gr.update(visible=False)), None, [status, confirm_row], api_visibility="private")
    confirm.click(do_remove, [password, remove_id], outputs, api_visibility="private")
    drop_source.click(do_source("remove"), [password, source], outputs, api_visibility="private")
    official.click(do_source("official"), [password, source], outputs, api_visibility="private")


def _source_choices(state) -> list[tuple[str, str]]:
    """Source files of the plans that have more than one copy, named with their plan."""
    return [(f"{name}{'（正式 official）' if k == 0 else ''} · {d.title}", name)
            for d in state.engine.index.documents.values() if len(d.sources) > 1
            for k, name in enumerate(d.sources)]


def _client(request) -> str:
    """The address a request came from (what failed logins are counted by)."""
    return getattr(getattr(request, "client", None), "host", None) or "unknown"


def build_ui(engine):
    """The Blocks UI over one engine."""
    import gradio as gr

    state = AppState(engine, engine.settings)
    live = Live()
    with gr.Blocks(title="政策问答 · Plan Q&A", delete_cache=(EXPORT_MAX_AGE_S, EXPORT_MAX_AGE_S)) as demo:
        gr.Markdown("# 政策问答 · Plan Q&A\n北京医药健康产业行动计划：每个回答都引用到具体条款。")
        # A clause link anywhere on the page (#open-…) writes here; the viewer opens at that clause.
        open_request = gr.Textbox(elem_id="open-request", elem_classes=["offstage"], show_label=False,
                                  container=False)
        with gr.Tabs() as tabs:
            with gr.Tab("问答 Ask", id="ask"):
                _chat_tab(gr, state, live, open_request)
            with gr.Tab("责任单位 Responsibilities", id="responsibility", elem_id="tab-responsibility"):
                _responsibility_tab(gr, state, live)
            with gr.Tab("目标对比 Targets", id="targets"):
                _targets_tab(gr, state, live)
            with gr.Tab("文档 Documents", id="documents"):
                doc_choice, viewer = _documents_tab(gr, state, live)
            with gr.Tab("管理 Admin", id="admin"):
                _admin_tab(gr, state, live)

        def open_clause(value):
            clause_id, quote = views.parse_open(value)
            index = state.engine.index
            clause = next((c for c in index.clauses if c.clause_id == clause_id), None)
            doc = index.documents.get(clause.doc_id) if clause else None
            if doc is None:
                return gr.skip(), gr.skip(), "<p>该条款已不在索引中（文档可能已被删除）。</p>"
            return gr.Tabs(selected="documents"), gr.update(value=doc.doc_id), views.viewer(
                doc, index.clauses, clause.clause_id, quote)

        open_request.change(open_clause, open_request, [tabs, doc_choice, viewer], api_visibility="private").then(
            None, None, None, js=SCROLL_TO_CLAUSE)
        demo.load(live.read, None, live.outputs, api_visibility="private")

        def ask_api(question: str) -> str:
            """The eval runner's JSON line for one question."""
            from engine import QuestionError
            from engine.core import MAX_QUESTION_CHARS

            try:
                return json.dumps(state.engine.ask(question).to_eval_json("api"), ensure_ascii=False)
            except QuestionError as exc:  # the input is echoed as text, cut to the limit: it may be anything
                return json.dumps({"id": "api", "question": str(question)[:MAX_QUESTION_CHARS], "answer": str(exc),
                                   "refused": True, "citations": [], "contexts": [], "latency_ms": 0.0},
                                  ensure_ascii=False)

        gr.api(ask_api, api_name="ask", time_limit=REQUEST_TIMEOUT_S)
    return demo


def serve(demo, settings: Settings, **launch):
    """Start serving ``demo`` with the app's queue, file-size limit and upload gate; ``launch``
    are Gradio's own options (address, port, …)."""
    from starlette.middleware import Middleware

    return demo.queue(default_concurrency_limit=settings.app_concurrency).launch(
        max_file_size=f"{int(settings.max_file_mb)}mb",
        app_kwargs={"middleware": [Middleware(UploadGate, admin=bool(admin_password()))]},
        head=views.PAGE_SCRIPT, css=views.PAGE_CSS, **launch)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; nothing is exposed beyond localhost unless --host says so."""
    parser = argparse.ArgumentParser(description="政策问答 · Plan Q&A web app")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: localhost only)")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--index-dir", type=Path)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start the app."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_env(index_dir=args.index_dir)
    if "PLANQA_ENCODER_PROCESS" not in os.environ:
        settings = dataclasses.replace(settings, encoder_process=True)
    # The encoder loads in a child process (forked now, before any thread starts), and the
    # index and the tokenisers in a thread, while gradio imports (seconds each); the warm-up
    # question then loads what is left before the first user asks.
    from index.embeddings import SentenceEmbeddings

    embeddings = SentenceEmbeddings(settings)
    embeddings.fork_encoder()
    loaded: dict = {}

    def load() -> None:
        try:
            loaded["engine"] = load_engine(settings, embeddings)
        except BaseException as exc:  # re-raised below, in the main thread
            loaded["error"] = exc
            return
        finally:
            ready.set()
        loaded["engine"].warm(converters=False)  # those load once the port is open, see below

    ready = threading.Event()
    threading.Thread(target=load, daemon=True).start()
    # No telemetry or version check leaves a server holding a policy library (set it to True to
    # allow them); they also ran HTTPS requests in threads competing with the start-up.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    skip_gradio_stub_writing()
    import gradio  # noqa: F401  (imported here, while the engine loads)

    ready.wait()
    if "error" in loaded:
        raise loaded["error"]
    demo = build_ui(loaded["engine"])
    serve(demo, settings, server_name=args.host, server_port=args.port, show_error=True, prevent_thread_lock=True)
    # What only some answers need loads while the first visitor's page opens (~0.3 s).
    threading.Thread(target=loaded["engine"].warm_converters, daemon=True).start()
    demo.block_thread()
    return 0


if __name__ == "__main__":
    sys.exit(main())
