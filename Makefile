# hilbench: `make demo` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
VENV ?= .venv
# Interop peers whose pins conflict with ours (Josev pins pydantic 1.x): a venv of their own.
PEERS ?= .venv-peers
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# Test processes at once (pytest-xdist): most tests wait on real time (a plant, a session, a
# timeout), so three share the two cores; 0 runs them in this process, one after the other.
PYTEST_JOBS ?= 3
FUZZ_SECONDS ?= 60
RUST_SOURCES := $(shell find rust -name '*.rs' -not -path '*/target/*' -not -path '*/fuzz/*') Cargo.toml rust/core/Cargo.toml rust/py/Cargo.toml

.PHONY: build peers demo test test-rust test-python bench fuzz lint clean mutate

build: $(VENV)/.built

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.deps: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet "maturin>=1.7,<2"
	touch $@

# Release build of the extension, installed editable with the runtime and test dependencies.
$(VENV)/.built: $(VENV)/.deps $(RUST_SOURCES) pyproject.toml
	$(VENV)/bin/maturin develop --release --extras test --quiet
	touch $@

demo: build
	$(VENV)/bin/hilbench demo

test: test-rust test-python

test-rust:
	cargo test -p hilbench-core --quiet

# Josev (ISO 15118-20, EXIficient over Java 17) as the independent V2G peer; aiofile is an
# undeclared dependency of its EVCC.
peers: $(PEERS)/josev/.installed $(PEERS)/junit/junit-10.xsd

$(PEERS)/josev/.installed:
	python3 -m venv $(PEERS)/josev
	$(PEERS)/josev/bin/python -m pip install --quiet --upgrade pip
	$(PEERS)/josev/bin/python -m pip install --quiet "iso15118==0.31.2" "aiofile>=3.8"
	touch $@

# The Jenkins xUnit plugin's JUnit schema (MIT licence), as pytest's source distribution carries
# it: the public schema tests/test_report_junit.py checks junit.xml against, beside hilbench's own.
$(PEERS)/junit/junit-10.xsd: | $(PY)
	mkdir -p $(PEERS)/junit
	$(PY) -m pip download --quiet --no-deps --no-binary :all: "pytest==8.3.3" -d $(PEERS)/junit
	tar -xzf $(PEERS)/junit/pytest-8.3.3.tar.gz -C $(PEERS)/junit --strip-components=3 \
	  pytest-8.3.3/testing/example_scripts/junit-10.xsd
	rm -f $(PEERS)/junit/pytest-8.3.3.tar.gz

# Headless Chromium (Debian's package) for the HTML report's browser test.
.PHONY: chromium
chromium:
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

test-python: build peers chromium
	$(PY) -m pytest -q -n $(PYTEST_JOBS) --dist loadgroup $(PYTEST_ARGS)

# The full mutation kill matrix (not part of `make test`, which runs a subset): every case of the
# library against the virtual charger once clean and once per named fault; the TLS cases and their
# faults on the security-profile-3 rig, the password and profile upgrade cases on the profile-2 rig,
# the battery swap cases on the swap station's rig.
# A simulated campaign mostly waits on the plant's real time (about a third of a core), so four
# runs at a time fit two cores.
MUTATE_JOBS ?= 4
mutate: build
	$(VENV)/bin/hilbench mutate --rig sim --out out/mutation --jobs $(MUTATE_JOBS)
	$(VENV)/bin/hilbench mutate --rig sim-sp3 --tag tls --out out/mutation-tls --jobs $(MUTATE_JOBS) \
	  $$($(PY) -c "from hilbench.cases.model import library; print(' '.join(sorted({'--fault ' + f for c in library().values() if 'tls' in c.tags for f in c.kills})))")
	$(VENV)/bin/hilbench mutate --rig sim-sp2 --tag upgrade --tag password --out out/mutation-sp2 --jobs $(MUTATE_JOBS) \
	  $$($(PY) -c "from hilbench.cases.model import library; print(' '.join(sorted({'--fault ' + f for c in library().values() if {'upgrade', 'password'} & set(c.tags) for f in c.kills})))")
	$(VENV)/bin/hilbench mutate --rig sim-swap --block S --out out/mutation-swap --jobs $(MUTATE_JOBS) \
	  $$($(PY) -c "from hilbench.cases.model import library; print(' '.join(sorted({'--fault ' + f for c in library().values() if c.block == 'S' for f in c.kills})))")

bench: build
	cargo bench -p hilbench-core --bench integrate --bench ocmf --bench v2g
	$(PY) -m pytest benches -q --benchmark-only --benchmark-columns=min,median,mean,ops,rounds --benchmark-sort=name -p no:cacheprovider

lint: build
	cargo clippy -p hilbench-core -p hilbench-py --all-targets -- -D warnings
	$(PY) -m mypy.stubtest hilbench._core --allowlist .mypy-stubtest-allowlist
	$(PY) -m mypy src/hilbench --ignore-missing-imports

# Coverage-guided fuzzing, bounded in time (not part of `make test`): the frame parser, the
# one-pass validator against the full validator on the official 2.1 schemas, and OCMF verification.
fuzz: build
	command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	cd rust/core && RUSTC_BOOTSTRAP=1 cargo fuzz run parse_frame -- -max_total_time=$(FUZZ_SECONDS) -max_len=4096
	mkdir -p rust/core/fuzz/corpus/one_pass
	cd rust/core && HILBENCH_OCPP_SCHEMAS="$$($(abspath $(PY)) -c 'from hilbench.ocpp.frames import schema_dir; print(schema_dir("2.1"))')" \
		RUSTC_BOOTSTRAP=1 cargo fuzz run one_pass fuzz/corpus/one_pass fuzz/seeds/one_pass -- -max_total_time=$(FUZZ_SECONDS) -max_len=4096
	mkdir -p rust/core/fuzz/corpus/ocmf
	cd rust/core && RUSTC_BOOTSTRAP=1 cargo fuzz run ocmf fuzz/corpus/ocmf fuzz/seeds/ocmf -- -max_total_time=$(FUZZ_SECONDS) -max_len=4096
	mkdir -p rust/core/fuzz/corpus/v2g
	cd rust/core && RUSTC_BOOTSTRAP=1 cargo fuzz run v2g fuzz/corpus/v2g fuzz/seeds/v2g -- -max_total_time=$(FUZZ_SECONDS) -max_len=2048

clean:
	rm -rf $(VENV) target out
