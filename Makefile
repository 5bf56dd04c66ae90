# Two commands set everything up: `make run` and `make test`.
# Each (re)installs into .venv only when a requirements file has changed.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test lint format mutation clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	DEBUG=on $(PY) manage.py migrate --noinput
	DEBUG=on $(PY) manage.py first_admin_hint --port $(PORT)
	DEBUG=on $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Mutation testing of the security core against the unit tests (docs/testing.md,
# "Mutation testing"). About half an hour on two cores, so not in CI. Starts
# afresh each time: mutmut would otherwise keep results of code since changed.
MUTATION_CHILDREN ?= 2
mutation: $(VENV)/.installed-dev
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children $(MUTATION_CHILDREN)
	$(PY) -m tests.mutation.score
	$(PY) -m tests.mutation.extra

clean:
	rm -rf $(VENV) staticfiles
