# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out

.PHONY: demo test lint venv venv-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip >/dev/null

# Stamp files so repeated runs only reinstall when pyproject.toml changes.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -e ".[dev]"
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed
venv-dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	@mkdir -p $(OUT)
	$(BIN)/jazzgen generate --seed 1 --bars 16 --out $(OUT)/demo.mid --force
	@echo "Open $(OUT)/demo.mid in your DAW (or: $(BIN)/jazzgen inspect $(OUT)/demo.mid)."

test: $(VENV)/.installed-dev
	$(BIN)/ruff check jazzgen tests scripts
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check jazzgen tests scripts
	$(BIN)/ruff format --check jazzgen tests scripts

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
