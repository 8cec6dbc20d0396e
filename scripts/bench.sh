#!/usr/bin/env bash
# Runs the benchmarks and prints their JSON results (one object per line). Numbers, not
# pass/fail: a missed budget is reported in the JSON (`met_*` fields), not as a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh
[ -f pkg/chat_recall_bg.wasm ] || bash scripts/build-pkg.sh
cargo build --quiet --release -p chat-recall-emulator
node benches/startup.mjs
bash scripts/size-report.sh
node --expose-gc benches/memory.mjs
cargo bench --quiet -p chat-recall-emulator --bench throughput 2>/dev/null | grep '^{'
node benches/bulk_recall.mjs
# The Worker (worker/) in workerd via wrangler: the webhook receiver against plain-JS
# baselines, and the app-wide rate gate (added latency, three clients' aggregate rate).
node benches/worker_webhook.mjs
node benches/worker_rate_gate.mjs
node benches/cold_recall.mjs
