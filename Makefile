# Two commands on a fresh machine with only Python: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test check lint format schema worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## run: install, migrate, load the demo data and serve on http://127.0.0.1:8000 (SQLite, in-process tasks)
run: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py loaddemo
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: install and run the whole test suite (services it cannot reach are skipped with a reason)
test: $(STAMP)
	$(BIN)/python -m pytest

## check: exactly what CI checks besides the tests
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_DEBUG=1 $(BIN)/python manage.py spectacular --validate --fail-on-warn --file $(VENV)/openapi.yaml
	diff -q docs/openapi.yaml $(VENV)/openapi.yaml || (echo "docs/openapi.yaml is stale: run make schema" && exit 1)

## schema: regenerate the committed OpenAPI schema (docs/openapi.yaml)
schema: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

lint: check

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## worker: a Celery worker (needs CELERY_BROKER_URL)
worker: $(STAMP)
	$(BIN)/celery -A config worker --beat --loglevel=info

clean:
	rm -rf $(VENV) data/*.sqlite3
