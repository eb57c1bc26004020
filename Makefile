# Recon Agent. `make run` sets up what is missing and starts the tool; `make test` runs every test.
SHELL := /bin/bash
CARGO ?= cargo
AS_OF ?= 2026-11-21T00:00:00Z

.PHONY: run test bench setup lint fmt sample

setup:
	@command -v cargo >/dev/null || { echo "cargo is missing: install Rust from https://rustup.rs"; exit 1; }

# For now the headless CLI on the bundled sample data; the desktop app takes over in a later issue.
run: setup
	$(CARGO) build --release -p reconagent-cli
	./target/release/reconagent compare --breaks data/sample_breaks.csv --as-of $(AS_OF)
	./target/release/reconagent explain BRK-00019 --breaks data/sample_breaks.csv --as-of $(AS_OF)

# Ends with one summed line ("N passed, N failed") so CI reads the whole suite, not the last binary.
test: setup
	@mkdir -p target; set -o pipefail; { $(CARGO) test --workspace --doc --locked && $(CARGO) test --workspace --all-targets --locked; } 2>&1 \
	  | tee target/test-output.log; status=$$?; \
	  awk '/^test result:/ { p += $$4; f += $$6 } END { printf "\ntests: %d passed, %d failed\n", p, f }' target/test-output.log; \
	  exit $$status

bench: setup
	$(CARGO) bench -p reconagent-engine --bench engine

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all --check

sample:
	$(CARGO) run -p reconagent-cli -- sample
