#!/usr/bin/env bash
# Runs the benchmarks and prints their JSON results (one object per line). Numbers, not
# pass/fail: a missed budget is reported in the JSON (`met_*` fields), not as a failure.
# Ends with the reliability report (target/bench-report.json and .md): a longer fuzz run
# (FUZZ_SECONDS per target, default 60), the hostile suites' counts, soak figures, sizes, rates.
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
bash scripts/size-report.sh | tee -a "$results"
node --expose-gc benches/memory.mjs | tee -a "$results"
cargo bench --quiet -p chat-recall-emulator --bench throughput 2>/dev/null | grep '^{' | tee -a "$results"
node benches/bulk_recall.mjs | tee -a "$results"
# Cold processes, no warm-up: 10,000 messages (clean and with 20% faults) and the
# 100,000-message fault soak (target/bench-soak.json).
node benches/cold_recall.mjs | tee -a "$results"
# The Worker (worker/) in workerd via wrangler: the webhook receiver against plain-JS
# baselines, and the app-wide rate gate (added latency, three clients' aggregate rate).
node benches/worker_webhook.mjs | tee -a "$results"
node benches/worker_rate_gate.mjs | tee -a "$results"
# Hostile input: the suites write target/hostile-report.json (the package) and
# target/worker-hostile-report.json (the Worker in workerd, ~40 s).
node --test --test-reporter=dot tests/js/hostile.test.mjs >&2
node --test --test-reporter=dot tests/js/worker-hostile.test.mjs >&2
bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
node benches/report.mjs
