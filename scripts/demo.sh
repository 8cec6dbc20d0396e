#!/usr/bin/env bash
# The main job: builds the package and the emulator, then runs a readable recall session
# against the emulator on 127.0.0.1 (no account needed).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh
bash scripts/build-pkg.sh >/dev/null
cargo build --quiet --release -p chat-recall-emulator
exec node scripts/demo.mjs
