# The two commands of the README: `make run` and `make test`. Everything else is set-up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench venv

run: venv
	@$(PY) manage.py setup_site
	@$(PY) manage.py serve --host $(HOST) --port $(PORT)

test: venv
	@scripts/bootstrap.sh $(PYTHON) requirements-test.txt
	@scripts/install_test_services.sh
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	@$(PY) -m ruff check . && $(PY) -m ruff format --check .

venv:
	@scripts/bootstrap.sh $(PYTHON) requirements.txt
