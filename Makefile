# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out

.PHONY: demo test lint venv venv-dev clean

# Installs are quiet: one line per step; pip's output goes to $(LOG) and is shown only
# when a step fails.
LOG := $(VENV)/install.log
QUIETLY = >$(LOG) 2>&1 || { cat $(LOG) >&2; echo "failed: see the output above (also in $(LOG))" >&2; exit 1; }

$(BIN)/python:
	@echo "creating $(VENV)"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --upgrade pip $(QUIETLY)

# Stamp files so repeated runs only reinstall when pyproject.toml changes.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	@echo "installing jazzgen (this takes a minute)"
	@$(BIN)/python -m pip install -e . $(QUIETLY)
	@touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	@echo "installing jazzgen with the development tools (this takes a few minutes)"
	@$(BIN)/python -m pip install -e ".[dev]" $(QUIETLY)
	@touch $@ $(VENV)/.installed

venv: $(VENV)/.installed
venv-dev: $(VENV)/.installed-dev

# The demo solo: a 12-bar blues in F, two choruses, with the bundled default model, a
# fresh solo each run (its seed is printed). It (re)writes $(OUT)/demo.mid and
# $(OUT)/demo.png, plus $(OUT)/demo.wav when FluidSynth and a SoundFont are installed
# (otherwise it says what to install).
DEMO_CHORDS := F7 | Bb7 | F7 | Cm7 F7 | Bb7 | Bdim7 | F7 | Am7 D7 | Gm7 | C7 | F7 D7 | Gm7 C7
RENDERER_PROBLEM := from jazzgen.output.audio import renderer_problem as p; print(p() or "")
demo: $(VENV)/.installed
	@mkdir -p $(OUT)
	@problem=$$($(BIN)/python -c '$(RENDERER_PROBLEM)'); \
	if [ -n "$$problem" ]; then wav=""; echo "no WAV this time: $$problem"; \
	else wav="--wav $(OUT)/demo.wav"; fi; \
	$(BIN)/jazzgen generate --chords "$(DEMO_CHORDS)" --bars 24 --tempo 140 \
		--out $(OUT)/demo.mid --png $(OUT)/demo.png --force $$wav || exit 1; \
	if [ -n "$$wav" ]; then \
		echo "Your solo: $(OUT)/demo.mid (open it in a DAW), listen: $(OUT)/demo.wav, look: $(OUT)/demo.png"; \
	else \
		echo "Your solo: $(OUT)/demo.mid (open it in a DAW), look: $(OUT)/demo.png (no WAV: see above)"; \
	fi

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
