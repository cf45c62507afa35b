# Two commands set everything up from an empty checkout: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
# Extras to install: dev for the tests; add openai,multilingual for the other engines.
EXTRAS ?= dev
# Set to a pinned requirement (e.g. torch==2.13.0) to install it before the extras.
TORCH ?=
PORT ?= 8000

comma := ,
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: demo test lint bench serve clean distclean install

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(if $(TORCH),$(BIN)/python -m pip install --quiet '$(TORCH)')
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

demo: $(STAMP)
	$(BIN)/pipeline build
	@echo "Open feeds/index.html, or run 'make serve' and visit http://127.0.0.1:$(PORT)/"

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests bench scripts
	$(BIN)/ruff format --check pipeline tests bench scripts
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/build.py
	$(BIN)/python bench/transcribe.py
	$(BIN)/python bench/chapters.py
	$(BIN)/python bench/shorts.py
	$(BIN)/python bench/decoding.py
	$(BIN)/python bench/master.py
	$(BIN)/python bench/feeds.py
	$(BIN)/python bench/state.py
	$(BIN)/python bench/episode.py
	$(BIN)/python bench/site.py
	$(BIN)/python bench/watch.py
	$(BIN)/python bench/cluster.py
	$(BIN)/python bench/edit.py

serve: $(STAMP)
	$(BIN)/pipeline serve --port $(PORT)

clean:
	rm -rf feeds .pipeline .pytest_cache .ruff_cache

distclean: clean
	rm -rf $(VENV) *.egg-info
