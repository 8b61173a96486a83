# Thin wrapper around CMake. `make run` and `make test` work on a fresh
# Debian 12 machine as root: they install what they need first.

BUILD    ?= build
BUILD_SAN ?= build-sanitize
BUILD_FUZZ ?= build-fuzz
# Seconds each libFuzzer harness runs inside `make test`.
FUZZ_SECONDS ?= 20
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
PYTHON   ?= /usr/bin/python3
PREFIX   ?= /usr/local
# The Python tests run in a virtual environment with the real gymnasium from
# the package index (tests/python/requirements*.txt), made once per build tree.
VENV     ?= $(BUILD)/venv
PY_REQS  = tests/python/requirements.txt
PY_REQS_SB3 = tests/python/requirements-sb3.txt
# Seeded learning-threshold tests (test_learn_*) are too slow under ASan;
# test_mpi runs mpirun, whose Open MPI internals LeakSanitizer would flag.
# (test-c runs the MPI tests; they skip themselves when mpirun is missing.)
SANITIZE_EXCLUDE ?= ^test_learn_|^test_mpi

DEB_PACKAGES = build-essential cmake pkg-config libmujoco-dev libopenblas-dev \
  zlib1g-dev check libglfw3-dev libgl-dev python3 python3-numpy python3-pytest \
  python3-setuptools python3-wheel python3-pip python3-venv libegl-dev libegl-mesa0 \
  libosmesa6-dev libopenmpi-dev openmpi-bin clang

.PHONY: all deps build run test test-c test-sanitize test-python test-fuzz fuzz test-install venv bench install clean

all: build

# apt-get runs only when a package is missing; `apt-get update` once.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y $$missing; \
	else echo "deps: all Debian packages present"; fi

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

# The main job on embedded defaults: train the default agent on the default
# task, then evaluate the result.
run: build
	./$(BUILD)/rltool train --out runs/default --overwrite
	./$(BUILD)/rltool eval runs/default --episodes 10

test: build test-c test-sanitize test-python test-fuzz test-install

test-c: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The unit tests again under AddressSanitizer + UBSan (Debug build).
test-sanitize: deps
	cmake -S . -B $(BUILD_SAN) -DCMAKE_BUILD_TYPE=Debug -DRLTOOL_SANITIZE=ON -DRLTOOL_BUILD_BENCH=OFF
	cmake --build $(BUILD_SAN) -j $(JOBS)
	cd $(BUILD_SAN) && RLTOOL_QUICK=1 ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS) -E "$(SANITIZE_EXCLUDE)"

# libFuzzer harnesses (tests/fuzz) for the checkpoint loader and the option
# parsers, built with clang + ASan/UBSan; `make test` runs each for
# FUZZ_SECONDS from the seed corpus in tests/fuzz/corpus.
fuzz: deps
	CC=clang cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=Debug -DRLTOOL_FUZZ=ON \
	  -DRLTOOL_BUILD_TESTS=OFF -DRLTOOL_BUILD_BENCH=OFF -DRLTOOL_WITH_GLFW=OFF -DRLTOOL_WITH_MPI=OFF
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target fuzz_checkpoint fuzz_options

test-fuzz: fuzz
	@for f in checkpoint options; do \
	  mkdir -p $(BUILD_FUZZ)/corpus-$$f; \
	  echo "fuzz_$$f: $(FUZZ_SECONDS) s"; \
	  ASAN_OPTIONS=detect_leaks=1 ./$(BUILD_FUZZ)/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
	    -rss_limit_mb=1024 -max_len=65536 -print_final_stats=1 \
	    $(BUILD_FUZZ)/corpus-$$f tests/fuzz/corpus/$$f > $(BUILD_FUZZ)/fuzz_$$f.log 2>&1; \
	  rc=$$?; tail -n 12 $(BUILD_FUZZ)/fuzz_$$f.log; [ $$rc = 0 ] || exit 1; \
	done

# Remade only when a requirements file changes (the stamp is older). SB3 needs
# a CPU torch wheel; where none is reachable its test is skipped and says so.
$(VENV)/.stamp: $(PY_REQS) $(PY_REQS_SB3)
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r $(PY_REQS)
	@if $(VENV)/bin/pip install -q -r $(PY_REQS_SB3); then rm -f $(VENV)/sb3-skipped; \
	else echo "no CPU torch wheel reachable: stable-baselines3 not installed, its test is skipped" \
	  | tee $(VENV)/sb3-skipped; fi
	touch $@

venv: $(VENV)/.stamp

# The full suite in the venv (gymnasium required there), then the plain
# ctypes package with the system interpreter and no gymnasium. No X server:
# frames come from EGL, so DISPLAY is unset on purpose.
test-python: build venv
	@export RLTOOL_LIB=$(CURDIR)/$(BUILD)/librltool.so PYTHONPATH=$(CURDIR)/bindings/python; \
	unset DISPLAY WAYLAND_DISPLAY; \
	RLTOOL_REQUIRE_GYMNASIUM=1 $(VENV)/bin/python -m pytest -q -rs tests/python && \
	RLTOOL_NO_GYMNASIUM=1 $(PYTHON) -m pytest -q -rs tests/python/test_env.py \
	  tests/python/test_vector.py tests/python/test_no_numpy.py

# The README's install, as a new user runs it: a fresh venv, `pip install
# ".[gymnasium]"` (librltool bundled, from this build tree), then the import
# from elsewhere, with no RLTOOL_LIB or PYTHONPATH pointing into the checkout.
INSTALL_VENV = $(BUILD)/venv-install
test-install: build
	rm -rf $(INSTALL_VENV)
	$(PYTHON) -m venv $(INSTALL_VENV)
	RLTOOL_BUILD_DIR=$(CURDIR)/$(BUILD) $(INSTALL_VENV)/bin/pip install -q ".[gymnasium]"
	cd / && env -u RLTOOL_LIB -u PYTHONPATH -u DISPLAY $(CURDIR)/$(INSTALL_VENV)/bin/python -c \
	  "import gymnasium, rltool; gymnasium.make('rltool/swimmer-v1').reset(seed=0); \
	  p = rltool.library_path(); assert '/site-packages/rltool/' in p, p; print('installed:', p)"

bench: build
	@for b in $(BUILD)/bench_*; do [ -x "$$b" ] || continue; echo "== $$b"; "$$b" || exit 1; done

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)
	-ldconfig

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ)
