#!/usr/bin/env bash
# Runs the benchmarks and prints their JSON results (one object per line). Numbers, not
# pass/fail: a missed budget is reported in the JSON (`met_*` fields), not as a failure.
# Ends with the reliability report (target/bench-report.json and .md): a longer fuzz run
# (FUZZ_SECONDS per target, default 60), the hostile suite's counts, soak figures, sizes, rates.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh
[ -f pkg/chat_recall_bg.wasm ] || bash scripts/build-pkg.sh
cargo build --quiet --release -p chat-recall-emulator
mkdir -p target
results=target/bench-results.jsonl
: > "$results"
node benches/startup.mjs | tee -a "$results"
node --expose-gc benches/memory.mjs | tee -a "$results"
cargo bench --quiet -p chat-recall-emulator --bench throughput 2>/dev/null | grep '^{' | tee -a "$results"
node benches/bulk_recall.mjs | tee -a "$results"
# Hostile input: the suite writes target/hostile-report.json.
node --test --test-reporter=dot tests/js/hostile.test.mjs >&2
bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
node benches/report.mjs
