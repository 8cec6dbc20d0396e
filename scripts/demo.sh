#!/usr/bin/env bash
# The demo: the moderation console in your browser, driving the whole stack on 127.0.0.1 —
# the emulator with seeded data, the Worker in local workerd (wrangler), and the console.
# Installs and builds what it needs (idempotent), prints one URL, and stops everything on Ctrl-C.
# The terminal-only walkthrough is scripts/walkthrough.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
echo "[demo] checking tools and building (the first run takes a few minutes)"
bash scripts/setup.sh
bash scripts/build-pkg.sh >/dev/null
cargo build --quiet --release -p chat-recall-emulator
if [ -f worker/package.json ] && [ ! -e worker/node_modules/chat-recall ]; then
  (cd worker && npm ci --no-audit --no-fund --loglevel=error)
fi
exec node scripts/demo.mjs "$@"
