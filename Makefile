# Fab Race developer commands. `make play` and `make test` set up .venv/ on first use.
.PHONY: setup play test lint bench clean

VENV := .venv
STAMP := $(VENV)/.fabrace-installed

$(STAMP): pyproject.toml uv.lock scripts/bootstrap.sh
	bash scripts/bootstrap.sh

setup: $(STAMP)

play: $(STAMP)
	$(VENV)/bin/fabrace run --scenario baseline-2024 --seed 1

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(VENV)/bin/python benchmarks/engine.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
