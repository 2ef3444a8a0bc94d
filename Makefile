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

# The demo solo: a 12-bar blues in F, two choruses, with the bundled default model.
# It (re)writes $(OUT)/demo.mid and $(OUT)/demo.png, plus $(OUT)/demo.wav when FluidSynth
# is installed.
DEMO_CHORDS := F7 | Bb7 | F7 | Cm7 F7 | Bb7 | Bdim7 | F7 | Am7 D7 | Gm7 | C7 | F7 D7 | Gm7 C7
demo: $(VENV)/.installed
	@mkdir -p $(OUT)
	$(BIN)/jazzgen generate --chords "$(DEMO_CHORDS)" --bars 24 --tempo 140 --seed 1 \
		--out $(OUT)/demo.mid --png $(OUT)/demo.png --force \
		$$(command -v fluidsynth >/dev/null 2>&1 && echo --wav $(OUT)/demo.wav)
	@echo "Your solo: $(OUT)/demo.mid (open it in a DAW; picture: $(OUT)/demo.png)"

test: $(VENV)/.installed-dev
	$(BIN)/ruff check jazzgen tests scripts
	$(BIN)/python -m pytest -q

# Style, types and structure (function length <= 60 lines, no import cycles in jazzgen/).
# Every check runs even when an earlier one fails; lint fails if any of them did.
LINT_CHECKS := "$(BIN)/ruff check jazzgen tests scripts" \
	"$(BIN)/ruff format --check jazzgen tests scripts" \
	"$(BIN)/mypy jazzgen" \
	"$(BIN)/python scripts/check_structure.py"
lint: $(VENV)/.installed-dev
	@failed=0; for check in $(LINT_CHECKS); do \
		echo "$$check"; $$check || { failed=1; echo "^^^ failed: $$check" >&2; }; \
	done; exit $$failed

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache
