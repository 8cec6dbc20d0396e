#!/usr/bin/env bash
# The terminal walkthrough: builds the package and the emulator, then runs a readable recall
# session against the emulator on 127.0.0.1 (no account, no browser needed).
# The browser demo with the whole stack is scripts/demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh
bash scripts/build-pkg.sh >/dev/null
cargo build --quiet --release -p chat-recall-emulator
exec node scripts/walkthrough.mjs
