#!/usr/bin/env bash
# Builds the npm package `chat-recall` into pkg/: release wasm (size-tuned), wasm-bindgen
# glue for `--target web` (one glue for browsers, Node and workerd), wasm-opt -Oz, and the
# hand-written loaders, exports map and types from pkg-template/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh

cargo build --quiet --release --lib --target wasm32-unknown-unknown -p chat-recall
raw=target/wasm32-unknown-unknown/release/chat_recall.wasm

rm -rf pkg
mkdir -p pkg
wasm-bindgen "$raw" --target web --out-dir pkg --out-name chat_recall --no-typescript

# Size: -Oz, and drop the name and producers sections (debug info is already stripped).
bg=pkg/chat_recall_bg.wasm
before=$(wc -c <"$bg")
# --low-memory-unused: Rust puts nothing in the first 1 KiB of memory (data starts at 1 MiB),
# so wasm-opt may fold small constant offsets into addresses. --converge: repeat until no gain.
# Rust 1.95 targets these wasm features by default; wasm-bindgen drops the section that
# would let wasm-opt detect them.
node_modules/.bin/wasm-opt -Oz --low-memory-unused --converge --enable-bulk-memory --enable-bulk-memory-opt \
  --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  --enable-reference-types --enable-multivalue --strip-debug --strip-producers "$bg" -o "$bg.opt"
mv "$bg.opt" "$bg"
after=$(wc -c <"$bg")

cp pkg-template/package.json pkg-template/index.js pkg-template/client.js pkg-template/node.js pkg-template/workerd.js \
   pkg-template/index.d.ts pkg-template/README.md LICENSE-MIT LICENSE-APACHE CHANGELOG.md pkg/

# The API reference, generated from index.d.ts (HTML in pkg/api/, shipped in the tarball).
(cd tools/typedoc && node_modules/.bin/typedoc --options typedoc.json --logLevel Warn)

# The glue imports RecallError from a content-hashed snippet folder; re-export that same
# module (same class identity) under a stable name.
snippet=$(cd pkg && find snippets -path '*/src/wasm/recall_error.js' | head -n 1)
if [ -z "$snippet" ]; then echo "build-pkg: recall_error.js snippet not found" >&2; exit 1; fi
printf "export { RecallError } from './%s';\n" "$snippet" > pkg/recall_error.js

gz() { gzip -9c "$1" | wc -c; }
# JS glue = wasm-bindgen's chat_recall.js plus our JS snippets (recall_error.js and the
# driver/transport in driver.js), each gzipped on its own and added up.
glue_raw=0 glue_gz=0
while IFS= read -r f; do
  glue_raw=$((glue_raw + $(wc -c <"$f"))) glue_gz=$((glue_gz + $(gz "$f")))
done < <(find pkg/chat_recall.js pkg/snippets -name '*.js')
printf '{"wasm_raw_before_opt":%d,"wasm_raw":%d,"wasm_gzip":%d,"glue_raw":%d,"glue_gzip":%d,"bindgen_glue_gzip":%d}\n' \
  "$before" "$after" "$(gz "$bg")" "$glue_raw" "$glue_gz" "$(gz pkg/chat_recall.js)" > pkg/size.json
echo "build-pkg: pkg/ ready $(cat pkg/size.json)"
