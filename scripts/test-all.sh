#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what it needs (idempotently),
# then native tests, the wasm build, wasm-bindgen-test in Node and headless Chromium, and
# the JS suites against the built package (incl. the hostile and secrets suites), and a
# bounded fuzz run of the core's parsers.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n=== %s\n' "$*"; }

step "setup"
bash scripts/setup.sh --browser

step "formatting and lints (cargo fmt --check, clippy -D warnings)"
cargo fmt --all -- --check
cargo clippy --quiet --workspace --all-targets -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown -p chat-recall --all-targets -- -D warnings

step "native tests (core, emulator)"
cargo test --workspace --quiet

step "build the npm package"
bash scripts/build-pkg.sh

export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT=120
step "wasm-bindgen-test in Node"
cargo test --target wasm32-unknown-unknown -p chat-recall --test wasm_api

step "wasm-bindgen-test in headless Chromium"
WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER="$(command -v chromedriver)" \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/tests/webdriver.json" \
  cargo test --target wasm32-unknown-unknown -p chat-recall --test wasm_api

step "build the emulator (used by the JS suites and the demo)"
cargo build --quiet --release -p chat-recall-emulator

step "JS suites against the built package (node --test; Chromium via Playwright)"
node --test --test-concurrency=1 tests/js/

step "bounded fuzzing: every cargo-fuzz target of the core (FUZZ_SECONDS each, default 20)"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-20}"

step "all tests passed"
