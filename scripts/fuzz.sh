#!/usr/bin/env bash
# Runs every cargo-fuzz target of the core (crates/chat-recall-core/fuzz) for a bounded time
# and prints one JSON line per target: executions, crashes, seconds. Also writes the lines
# to target/fuzz-report.jsonl for scripts/bench.sh's reliability report.
#
#   scripts/fuzz.sh SECONDS [TARGET...]       each target for SECONDS (-max_total_time)
#   scripts/fuzz.sh --runs N [TARGET...]      each target for N executions (-runs), timed
# Without TARGETs, every target (`cargo fuzz list`).
#
# Seeds come from fuzz/seeds/<target> (committed, made from the service's samples); what the
# fuzzer learns goes to fuzz/corpus/<target> (not committed). A crash leaves its input in
# fuzz/artifacts/<target>/ and makes this script fail after all targets ran: turn it into a
# regression test in crates/chat-recall-core/tests/fuzz_regressions.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

mode=time
if [ "${1:-}" = "--runs" ]; then
  mode=runs
  budget=${2:?--runs needs a number}
  shift 2
else
  budget=${1:-20}
  shift || true
fi
case "$budget" in '' | *[!0-9]*) echo "fuzz.sh: not a number: $budget" >&2; exit 2 ;; esac

bash scripts/setup.sh --fuzz >/dev/null
fuzz_dir=crates/chat-recall-core/fuzz
report=target/fuzz-report.jsonl
mkdir -p target
: > "$report"

# One build for all targets: debug assertions on (an overflow counts as a crash), no
# sanitizer (the core is #![forbid(unsafe_code)], so AddressSanitizer has nothing of ours to
# check, and without it libFuzzer runs several times more executions in the same time).
fuzz=(cargo +nightly fuzz)
opts=(-a -s none)
(cd crates/chat-recall-core && "${fuzz[@]}" build "${opts[@]}" >&2)

failed=0
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || mapfile -t targets < <(cd crates/chat-recall-core && "${fuzz[@]}" list)
for t in "${targets[@]}"; do
  mkdir -p "$fuzz_dir/corpus/$t" "$fuzz_dir/seeds/$t" "$fuzz_dir/artifacts/$t"
  if [ "$mode" = time ]; then limit="-max_total_time=$budget"; else limit="-runs=$budget"; fi
  before=$(find "$fuzz_dir/artifacts/$t" -type f | wc -l)
  log=$(mktemp)
  start=$(date +%s.%N)
  set +e
  (cd crates/chat-recall-core && "${fuzz[@]}" run "${opts[@]}" "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
    "$limit" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1) >"$log" 2>&1
  rc=$?
  set -e
  end=$(date +%s.%N)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crashes=$(( $(find "$fuzz_dir/artifacts/$t" -type f | wc -l) - before ))
  if [ "$rc" != 0 ] && [ "$crashes" = 0 ]; then crashes=1; fi
  corpus=$(find "$fuzz_dir/corpus/$t" -type f | wc -l)
  line=$(printf '{"bench":"fuzz","target":"%s","mode":"%s","budget":%s,"executions":%s,"crashes":%s,"corpus_entries":%s,"seconds":%.1f}' \
    "$t" "$mode" "$budget" "${execs:-0}" "$crashes" "$corpus" "$(echo "$end - $start" | bc)")
  echo "$line"
  echo "$line" >> "$report"
  if [ "$crashes" != 0 ]; then
    failed=1
    echo "fuzz target $t failed (rc $rc); its log:" >&2
    tail -40 "$log" >&2
  fi
  rm -f "$log"
done
exit "$failed"
