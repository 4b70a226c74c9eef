# One entry point. Every target first creates or updates .venv from the project's own files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: run serve test lint train evaluate bench venv venv-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Serving install: the bot and the numpy predictor, no TensorFlow.
$(VENV)/.serve: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e .
	touch $@

# Everything: training stack (TensorFlow), test and lint tools.
$(VENV)/.dev: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e ".[train,dev]"
	touch $@ $(VENV)/.serve

venv: $(VENV)/.serve
venv-dev: $(VENV)/.dev

run: venv
	$(PY) -m bot $(ARGS)

# Production HTTP mode: gunicorn, one worker per core, settings from the environment or .env.
serve: venv
	$(PY) -m bot.runners.gunicorn_config
	$(PY) -m gunicorn -c gunicorn.conf.py $(ARGS)

test: venv-dev
	$(PY) -m pytest -q $(ARGS)

lint: venv-dev
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .

train: venv-dev
	$(PY) scripts/train.py $(ARGS)

evaluate: venv-dev
	$(PY) scripts/evaluate.py $(ARGS)

bench: venv-dev
	$(PY) scripts/bench.py $(ARGS)
