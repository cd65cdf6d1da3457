# Fab Race developer commands. `make play` and `make test` set up .venv/ on first use.
.PHONY: setup play test lint bench golden clean

VENV := .venv
STAMP := $(VENV)/.fabrace-installed

$(STAMP): pyproject.toml uv.lock scripts/bootstrap.sh scripts/offline_assets.sh
	bash scripts/bootstrap.sh

setup: $(STAMP)

# the browser game on http://127.0.0.1:8765/ ; options: make play ARGS="--port 9000 --scenario duel"
play: $(STAMP)
	$(VENV)/bin/fabrace play $(ARGS)

# the suite in parallel, one worker a core (pytest-xdist; tests/conftest.py groups the tests that
# share a server or a costly fixture); PYTEST_ARGS="-n 0" runs it in one process.
# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set: otherwise every worker rewrites
# the asserts of ~100 plugin modules (hypothesis, anyio) and every fabrace process the tests
# start compiles the game again.
PYTEST_ARGS ?= -n auto --dist loadgroup

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONDONTWRITEBYTECODE= $(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# rewrite the golden games (tests/golden/) after a change meant to alter games; read the diff
golden: $(STAMP)
	$(VENV)/bin/python tests/playthroughs.py --update

bench: $(STAMP)
	$(VENV)/bin/python benchmarks/engine.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis tests/browser/artifacts
