# The two first commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint fmt server worker bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/warmth demo

# pytest's exit status is the result; the interpreter can abort after a clean
# run (sdk-python#300), so the status is taken from the JUnit-free summary file.
test: $(STAMP)
	$(BIN)/python -m tests.run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

server: $(STAMP)
	$(BIN)/warmth server

worker: $(STAMP)
	$(BIN)/warmth worker

clean:
	rm -rf $(VENV) .warmth .pytest_cache .mypy_cache .ruff_cache

# The benchmarks of the issues (figures printed; see bench/README.md).
bench: $(STAMP)
	$(BIN)/warmth bench import --rows 100000 --json
	$(BIN)/warmth bench distribute --households 100000 --json
	$(BIN)/warmth bench report --households 100000 --json
