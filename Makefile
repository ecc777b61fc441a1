# DeepVis Studio: `make run` serves the app, `make test` lints (ruff) and runs every test.
# Both set up what they need first: a virtual environment in .venv from
# requirements.txt, and for the tests Debian's chromium (the browser test).

VENV  := .venv
STAMP := $(VENV)/.installed
PORT  ?= 8501
SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup chromium screenshot train

$(STAMP): requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	$(VENV)/bin/python -c "from vizcore.embed import umapping; umapping.warm()"  # UMAP's numba code, compiled once
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	@echo "DeepVis Studio: open http://localhost:$(PORT) in a browser (Ctrl+C stops it)"
	OMP_WAIT_POLICY=PASSIVE $(VENV)/bin/streamlit run app.py --server.headless true --server.port $(PORT)

chromium:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium)

test: $(STAMP) chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest

# The README's screenshot, taken by the same browser the tests drive.
screenshot: $(STAMP) chromium
	$(VENV)/bin/python scripts/screenshot.py docs/screenshot.png

# Retrain the built-in models (minutes on a CPU); the weights are committed.
train: $(STAMP)
	$(VENV)/bin/python -m vizcore.builtin train
