# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Label Studio is a server with its own dependencies: it lives in its own virtualenv.
LS_VENV := .venv-labelstudio
LS_STAMP := $(LS_VENV)/.installed-stamp
LABEL_STUDIO_VERSION := 1.23.2
# The CPU build of torch: installed first and by exact version, so that the baselines extra's
# `torch>=2.6` is already satisfied (any other torch spec fetches a multi-GB CUDA build).
TORCH_VERSION := 2.13.0

export OMP_NUM_THREADS := 1
export HF_HUB_OFFLINE := 1
export STVG_BENCH_LABEL_STUDIO := $(CURDIR)/$(LS_VENV)/bin/label-studio

.PHONY: demo test bench env labelstudio screenshot leaderboard leaderboard-screenshot chromium clean

env: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==$(TORCH_VERSION)
	$(BIN)/python -m pip install --quiet -e '.[test,annotation,baselines,ray,leaderboard,plot,screenshot]'
	touch $(STAMP)

labelstudio: $(LS_STAMP)

$(LS_STAMP):
	$(PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/python -m pip install --quiet label-studio==$(LABEL_STUDIO_VERSION)
	touch $(LS_STAMP)

demo: $(STAMP)
	$(BIN)/stvg-bench demo --out build/demo

# Debian's browser and driver for the leaderboard's browser test (installed when missing; needs root).
chromium:
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

test: $(STAMP) $(LS_STAMP) chromium
	$(BIN)/python -m pytest
	$(BIN)/stvg-bench leaderboard check --data ../shared/data

# Rebuild the boards after changing an entry or a submission (commit what it writes).
leaderboard: $(STAMP)
	$(BIN)/stvg-bench leaderboard build --data ../shared/data

leaderboard-screenshot: $(STAMP) chromium
	SE_OFFLINE=true $(BIN)/python -m stvg_bench.leaderboard.screenshot leaderboards/site/index.html \
		leaderboards/docs/leaderboard.png

bench: $(STAMP)
	$(BIN)/python -m benchmarks.score_vidstg
	$(BIN)/python -m benchmarks.score_gyt
	$(BIN)/python -m benchmarks.leaderboard_build
	$(BIN)/python -m benchmarks.baselines_pipeline

# Needs Debian's browser and driver: apt-get install chromium chromium-driver.
screenshot: $(STAMP) $(LS_STAMP)
	@test -x /usr/bin/chromedriver || { echo "screenshot: apt-get install chromium chromium-driver" >&2; exit 2; }
	$(BIN)/python -m pip install --quiet -e '.[screenshot]'
	SE_OFFLINE=true $(BIN)/python -m annotation.screenshot annotation/docs/labeling-interface.png

clean:
	rm -rf $(VENV) $(LS_VENV) build .pytest_cache
