# Recon Agent. `make run` sets up what is missing and starts the desktop app; `make test` runs
# every test (Rust workspace, bindings freshness, UI component tests, the end-to-end tests in the
# real window, and the installed .deb started once).
SHELL := /bin/bash
CARGO ?= cargo
AS_OF ?= 2026-11-21T00:00:00Z

FUZZ_SECONDS ?= 60
# Every build of the app serves the embedded ui/dist. The tests use the same features as the e2e
# build, so the Tauri stack is compiled once per `make test`, not twice.
APP_FEATURES := --features custom-protocol

.PHONY: fuzz run test e2e e2e-setup app-figures bench setup ui ui-deps bindings cli-demo lint sample team-db package package-check

setup:
	@./scripts/setup-system.sh

ui-deps:
	@[ -d ui/node_modules ] || (cd ui && npm ci --no-audit --no-fund)

# The UI the app embeds (ui/dist).
ui: ui-deps
	cd ui && npm run build

# The desktop app on its default database (~/.local/share/reconagent/reconagent.db, or
# $RECONAGENT_DB); an empty database gets the bundled sample breaks.
run: setup ui
	$(CARGO) build --release $(APP_FEATURES) --bin reconagent-app
	./target/release/reconagent-app

# An installable Debian package of the release app (desktop entry, icon), built by the Tauri
# bundler (the UI's @tauri-apps/cli): target/release/bundle/deb/Recon Agent_<version>_amd64.deb.
# Install it with `sudo apt install ./target/release/bundle/deb/*.deb`.
package: setup ui
	ui/node_modules/.bin/tauri build --bundles deb
	@ls -l target/release/bundle/deb/*.deb

# What CI checks of the package: the same bundler on the debug build the e2e tests use (the
# release build would double CI's compile time), installed with apt, the installed binary
# started once in the real window, then removed.
package-check: e2e-setup
	ui/node_modules/.bin/tauri build --debug --bundles deb
	SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "$$(ls -d $(CURDIR)/target/debug/bundle/deb/*.deb | head -1)" && \
	  RECONAGENT_INSTALLED_APP=/usr/bin/reconagent-app NO_AT_BRIDGE=1 dbus-run-session -- xvfb-run -a -s "-screen 0 1440x900x24" \
	    $(CARGO) test --locked $(APP_FEATURES) --test e2e the_installed_package_starts_and_shows_the_sample -- --exact --ignored --nocapture; \
	  status=$$?; $$SUDO apt-get remove -y -qq recon-agent >/dev/null; exit $$status

# A PostgreSQL team database on this machine (port 5433), with the schema, four people and the
# sample breaks; prints how each person connects (README "Team mode").
team-db: setup
	./scripts/team-db.sh

# The headless tool on the sample data.
cli-demo:
	$(CARGO) run --release -p reconagent-cli -- compare --breaks data/sample_breaks.csv --as-of $(AS_OF)

# Ends with one summed line ("N passed, N failed") so CI reads the whole suite.
test: setup ui
	@mkdir -p target; set -o pipefail; \
	  { $(CARGO) test --workspace --doc --locked $(APP_FEATURES) && $(CARGO) test --workspace --all-targets --locked $(APP_FEATURES) && (cd ui && npx vitest run) && $(MAKE) --no-print-directory e2e && $(MAKE) --no-print-directory package-check; } 2>&1 \
	  | tee target/test-output.log; status=$$?; \
	  awk '/^test result:/ { p += $$4; f += $$6 } /^ +Tests +[0-9]+ passed/ { p += $$2 } /^ +Tests .*[0-9]+ failed/ { for (i = 1; i <= NF; i++) if ($$(i+1) ~ /^failed/) f += $$i } \
	       END { printf "\ntests: %d passed, %d failed\n", p, f }' target/test-output.log; \
	  exit $$status

e2e-setup: ui
	@./scripts/setup-system.sh --e2e
	@command -v tauri-driver >/dev/null || $(CARGO) install tauri-driver --locked

# The real window: the app with its embedded UI, driven through tauri-driver in a virtual screen.
# Screenshots land in test-output/e2e/. Cargo builds the app for the test target
# (CARGO_BIN_EXE_reconagent-app). One process per test: each starts its own tauri-driver, and a
# driver's children can outlive it.
e2e: e2e-setup
	for t in a_reviewer_processes_inspects_overrides_and_exports an_operations_lead_edits_a_policy_and_the_engine_runs_under_it a_damaged_database_is_left_alone_and_a_new_one_offered a_reviewer_reads_what_the_model_said_and_what_it_cost two_people_on_a_team_database_close_a_critical_break_together; do \
	  NO_AT_BRIDGE=1 dbus-run-session -- xvfb-run -a -s "-screen 0 1440x900x24" \
	    $(CARGO) test --locked $(APP_FEATURES) --test e2e $$t -- --exact --ignored --nocapture || exit 1; \
	done

# Start-up, 100,000-break scrolling, graph render and memory of the release app (not in `make test`).
app-figures: e2e-setup
	$(CARGO) build --release --locked $(APP_FEATURES) --bin reconagent-app
	APP=$(CURDIR)/target/release/reconagent-app NO_AT_BRIDGE=1 dbus-run-session -- xvfb-run -a -s "-screen 0 1440x900x24" \
	  $(CARGO) test --locked $(APP_FEATURES) --test e2e app_figures -- --ignored --nocapture

# Rewrites ui/src/bindings.ts from the Rust types (a test fails while it is stale).
bindings:
	UPDATE_BINDINGS=1 $(CARGO) test -p reconagent-app --lib bindings_are_up_to_date

bench:
	$(CARGO) bench -p reconagent-engine --bench engine
	$(CARGO) run --release -p reconagent-cli -- bench --count 100000 --suite all

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all --check

sample:
	$(CARGO) run -p reconagent-cli -- sample

# libFuzzer on the policy loader, the CSV and JSON importers and the CEL compiler, each for
# FUZZ_SECONDS (not in `make test`). Stable Rust: no sanitizer, RUSTC_BOOTSTRAP for the flags
# cargo-fuzz passes. New inputs go to fuzz/work/ (ignored); the seeds in fuzz/corpus/ stay small.
# A crash stops the run and leaves its input in fuzz/artifacts/.
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	cd fuzz && for t in policy_load import_csv import_json cel_condition decide; do \
	  mkdir -p work/$$t; \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -O $$t work/$$t corpus/$$t -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 2>&1 \
	    | grep -E '^(#[0-9]+ +DONE|Done|==|SUMMARY)|panicked' || exit 1; \
	done
