# The two commands of the README: `make demo` and `make test`. Everything else is theirs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo test lint install messages

$(STAMP): pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

messages: $(STAMP)
	scripts/compile-messages.sh

demo: $(STAMP) messages
	$(VENV)/bin/opsdesk demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy opsdesk
	$(VENV)/bin/python manage.py makemigrations --check --dry-run

test: $(STAMP) messages
	scripts/test.sh
