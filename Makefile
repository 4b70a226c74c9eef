# One entry point. Every target first creates or updates .venv from the project's own files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: run serve install test lint train evaluate bench venv venv-dev

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

# A serving install made only when there is none (no prerequisite: pyproject.toml being newer
# does not trigger it), for `make serve`.
$(VENV)/bin/gunicorn: | $(VENV)/bin/python
	$(PIP) install -e .
	touch $(VENV)/.serve

# (Re)install the serving dependencies now: the one step of an upgrade that needs the network.
install: | $(VENV)/bin/python
	$(PIP) install -e .
	touch $(VENV)/.serve

# Production HTTP mode: gunicorn, one worker per core, settings from the environment or .env.
# It installs only when no serving install exists, never because pyproject.toml changed, so a
# restart on an installed host never reaches the network (`make install` is the upgrade step).
serve: | $(VENV)/bin/gunicorn
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
