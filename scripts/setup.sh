#!/usr/bin/env bash
# Installs every tool the build and the tests need, idempotently: the wasm target, the
# wasm-bindgen CLI matching Cargo.lock, the npm dev tools, (with --browser) Chromium and
# (with --fuzz) the nightly toolchain and cargo-fuzz.
# Safe to run again and again; each step is skipped when already satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
want_fuzz=0
for a in "$@"; do
  [ "$a" = "--browser" ] && want_browser=1
  [ "$a" = "--fuzz" ] && want_fuzz=1
done

log() { printf '[setup] %s\n' "$*" >&2; }

export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen crate version in Cargo.lock exactly.
[ -f Cargo.lock ] || cargo generate-lockfile
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$wb_version" ]; then
  log "could not find wasm-bindgen in Cargo.lock"; exit 1
fi
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$wb_version" ]; then
  log "installing wasm-bindgen-cli $wb_version (have: ${have:-none}); takes a few minutes"
  # --locked fails on this registry mirror; the version pin is what matters.
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/tls-sig-api-v2 ] || [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/wrangler ] \
   || [ ! -x node_modules/.bin/tsc ] || [ ! -d node_modules/vite ] \
   || [ package.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dev tools"
  npm ci --no-audit --no-fund --loglevel=error
fi

# TypeDoc for the API reference (pkg/api/): a project of its own under tools/typedoc, since
# TypeDoc needs TypeScript's JS API (<= 6.0) and the root's TypeScript 7 has none.
if [ ! -x tools/typedoc/node_modules/.bin/typedoc ] || [ tools/typedoc/package.json -nt tools/typedoc/node_modules/.package-lock.json ]; then
  log "installing TypeDoc into tools/typedoc"
  npm ci --prefix tools/typedoc --no-audit --no-fund --loglevel=error
fi

# Tencent's official Python UserSig library, a second peer for the cross-checks.
if [ ! -x .tools/py/bin/python ] || ! .tools/py/bin/python -c 'import TLSSigAPIv2' 2>/dev/null; then
  log "installing the Python peer tls-sig-api-v2 into .tools/py"
  python3 -m venv .tools/py
  .tools/py/bin/pip install --quiet --disable-pip-version-check 'tls-sig-api-v2==1.1'
fi

if [ "$want_browser" = 1 ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    log "installing Chromium and ChromeDriver from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi
if [ "$want_fuzz" = 1 ]; then
  # cargo-fuzz needs a nightly compiler (sanitizer flags); the project itself builds on stable.
  if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    log "installing the nightly toolchain (minimal) for cargo-fuzz"
    rustup toolchain install nightly --profile minimal
  fi
  if ! cargo fuzz --version >/dev/null 2>&1; then
    log "installing cargo-fuzz; takes a few minutes"
    cargo install cargo-fuzz --locked
  fi
fi
log "tools ready"
