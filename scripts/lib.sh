# Shared set-up for scripts/run and scripts/test: each step installs what it needs once and is
# quick when it is already there. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Build output is shared between checkouts on one machine (CI clones afresh for every run), so
# dependencies compiled once are reused. Override with CARGO_TARGET_DIR.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nanos-store/target}"
# Every clone has its own path, so incremental caches would only pile up in the shared directory.
export CARGO_INCREMENTAL=0
SITE_ROOT="$ROOT/target/site"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The shared build directory keeps the workspace's own artifacts (the store and nanos-validate)
# once per clone; remove those that no build has touched for a day so that CI's clones do not fill
# the disk. Dependencies stay.
prune_stale_artifacts() {
  [ -d "$CARGO_TARGET_DIR" ] || return 0
  find "$CARGO_TARGET_DIR" -mindepth 2 -maxdepth 4 -type f -mmin +1440 \
    \( -name '*nanos_store*' -o -name 'nanos-store*' -o -name '*nanos_validate*' -o -name 'nanos-validate*' -o -regex '.*/deps/\(accounts\|cli\|teams\|tokens\|validator\)-[0-9a-f]*' \) \
    -delete 2>/dev/null || true
  find "$CARGO_TARGET_DIR" -maxdepth 3 -type d -name incremental -prune -exec rm -rf {} + 2>/dev/null || true
}

ensure_rust() {
  command -v cargo >/dev/null || die "cargo is missing: install Rust with rustup (https://rustup.rs) first."
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    step "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
ensure_wasm_bindgen() {
  local want
  want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
  [ -n "$want" ] || die "wasm-bindgen is missing from Cargo.lock"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    step "Installing wasm-bindgen-cli $want (once, about 2 minutes)"
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

# wasm-opt shrinks the release bundle. Debian's binaryen (108) is too old (its output breaks
# hydration); the npm package ships a current one, installed once under the cache.
ensure_wasm_opt() {
  local tools="${XDG_CACHE_HOME:-$HOME/.cache}/nanos-store/tools"
  export PATH="$tools/node_modules/.bin:$PATH"
  if ! wasm-opt --version 2>/dev/null | grep -qE 'version 1[2-9][0-9]'; then
    command -v npm >/dev/null || { echo "npm is missing: the bundle is built without wasm-opt"; return 0; }
    step "Installing wasm-opt (npm binaryen 132, once)"
    npm install --no-audit --no-fund --prefix "$tools" binaryen@132.0.0 >/dev/null
  fi
}

# brotli compresses the bundle (compress_bundle) better than gzip; Debian's package.
ensure_brotli() { ensure_commands brotli:brotli; }

# Debian's Chromium (or the one CHROMIUM_PATH names) and Playwright, for the end-to-end tests and
# measurements.
ensure_chromium() { [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || ensure_commands chromium:chromium; }
ensure_playwright() {
  command -v npm >/dev/null || die "npm is missing: install Node.js 20 or newer."
  if [ ! -d end2end/node_modules/@playwright/test ] ||
     [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    step "Installing Playwright (npm ci)"
    (cd end2end && npm ci --no-audit --no-fund)
  fi
}

# Garage (https://garagehq.deuxfleurs.fr), a production S3-compatible object store, for the object
# storage tests: installed once with cargo (about 25 minutes on 2 cores), then started once per
# machine on loopback and set up with its own command line (a single-node layout, a key, a bucket).
# Exports what the tests read: NANOS_STORE_TEST_S3 and the standard AWS_* variables.
GARAGE_VERSION=2.5.0
GARAGE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/nanos-store/garage"
GARAGE_PORT="${NANOS_STORE_GARAGE_PORT:-3900}"
GARAGE_BUCKET=nanos-store-test
# A test-only key for a server that listens on loopback only (Garage's key id format: GK + 24 hex).
GARAGE_KEY_ID=GK0123456789abcdef01234567
GARAGE_SECRET=5e1ec7ed0f0e1ee1d0d0ca7f00dfee1dbeefc0ffee5eed5a1ad5a1e5ca1ab1e5
ensure_garage() {
  if [ "$(garage --version 2>/dev/null | awk '{print $2}' | sed 's/^.*://; s/^v//')" != "$GARAGE_VERSION" ]; then
    step "Installing Garage $GARAGE_VERSION (cargo install, once: about 25 minutes)"
    cargo install garage --version "$GARAGE_VERSION" --locked
  fi
}
start_garage() {
  local conf="$GARAGE_DIR/garage.toml" g
  mkdir -p "$GARAGE_DIR"
  if [ ! -f "$conf" ]; then
    cat >"$conf" <<TOML
metadata_dir = "$GARAGE_DIR/meta"
data_dir = "$GARAGE_DIR/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$((GARAGE_PORT + 1))"
rpc_public_addr = "127.0.0.1:$((GARAGE_PORT + 1))"
rpc_secret = "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$GARAGE_PORT"
root_domain = ".s3.garage.localhost"
TOML
  fi
  g() { garage -c "$conf" "$@"; }
  if ! g status >/dev/null 2>&1; then
    step "Starting Garage on 127.0.0.1:$GARAGE_PORT"
    nohup garage -c "$conf" server >"$GARAGE_DIR/server.log" 2>&1 &
    local _
    for _ in $(seq 100); do g status >/dev/null 2>&1 && break; sleep 0.2; done
    g status >/dev/null 2>&1 || { tail -n 20 "$GARAGE_DIR/server.log"; die "Garage did not start"; }
  fi
  if g layout show 2>/dev/null | grep -q 'No nodes currently have a role'; then
    g layout assign -z local -c 10G "$(g node id -q | cut -d@ -f1)" >/dev/null
    g layout apply --version 1 >/dev/null
  fi
  # A layout just applied takes a moment to be ready (a first start answers "Layout not ready").
  local _ready=""
  for _ in $(seq 100); do
    if { g key info "$GARAGE_KEY_ID" >/dev/null 2>&1 ||
      g key import --yes -n nanos-store-test "$GARAGE_KEY_ID" "$GARAGE_SECRET" >/dev/null 2>&1; } &&
      { g bucket info "$GARAGE_BUCKET" >/dev/null 2>&1 || g bucket create "$GARAGE_BUCKET" >/dev/null 2>&1; }; then
      _ready=1
      break
    fi
    sleep 0.2
  done
  [ -n "$_ready" ] || { tail -n 20 "$GARAGE_DIR/server.log"; die "Garage's layout did not become ready"; }
  g bucket allow --read --write --owner "$GARAGE_BUCKET" --key "$GARAGE_KEY_ID" >/dev/null
  export NANOS_STORE_TEST_S3="s3://$GARAGE_BUCKET" AWS_ENDPOINT_URL="http://127.0.0.1:$GARAGE_PORT" \
    AWS_REGION=garage AWS_ACCESS_KEY_ID="$GARAGE_KEY_ID" AWS_SECRET_ACCESS_KEY="$GARAGE_SECRET"
}

# Builds the browser bundle and assembles the site: pkg/nanos-store.<hash>.{js,wasm,css}, each with
# a .br and a .gz copy, the hash file that names them (hash.txt), and public/.
# $1: cargo profile for the bundle (dev or wasm-release).
build_site() {
  local profile="$1" out_dir
  step "Building the browser bundle ($profile)"
  cargo build -p nanos-store-browser --lib --target wasm32-unknown-unknown --profile "$profile"
  out_dir="$([ "$profile" = dev ] && echo debug || echo "$profile")"
  rm -rf "$SITE_ROOT.tmp"
  mkdir -p "$SITE_ROOT.tmp/pkg"
  wasm-bindgen --target web --no-typescript --out-name nanos-store \
    --out-dir "$SITE_ROOT.tmp/pkg" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$out_dir/nanos_store_browser.wasm"
  if [ "$profile" != dev ] && command -v wasm-opt >/dev/null && wasm-opt --version | grep -qE 'version 1[2-9][0-9]'; then
    wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
      -o "$SITE_ROOT.tmp/pkg/nanos-store_bg.wasm" "$SITE_ROOT.tmp/pkg/nanos-store_bg.wasm"
  fi
  cp style/main.css "$SITE_ROOT.tmp/pkg/nanos-store.css"
  hash_bundle "$SITE_ROOT.tmp"
  compress_bundle "$SITE_ROOT.tmp/pkg" "$profile"
  cp -R public/. "$SITE_ROOT.tmp/"
  rm -rf "$SITE_ROOT"
  mv "$SITE_ROOT.tmp" "$SITE_ROOT"
}

# Names the bundle's files after their contents, so that browsers may keep them for good
# (src/bundle.rs), and writes the hash file with which the store names them in its pages
# (HASH_FILE_NAME in src/config.rs): the layout of cargo-leptos' `hash-files`.
# $1: the site folder, holding pkg/nanos-store{.js,_bg.wasm,.css}.
hash_bundle() {
  local site="$1" kind file hash
  : >"$site/hash.txt"
  for kind in js wasm css; do
    case "$kind" in
      wasm) file="$site/pkg/nanos-store_bg.wasm" ;;
      *) file="$site/pkg/nanos-store.$kind" ;;
    esac
    hash="$(sha256sum "$file" | cut -c1-16)"
    mv "$file" "$site/pkg/nanos-store.$hash.$kind"
    echo "$kind: $hash" >>"$site/hash.txt"
  done
}

# Writes a brotli (.br) and a gzip (.gz) copy beside each of the bundle's files; the store sends
# the one a browser accepts (src/bundle.rs). A release is made as small as the tools can; a dev
# build (about 100 MB of WebAssembly) quickly. Without brotli (ensure_brotli), gzip only.
# $1: the pkg folder; $2: the cargo profile.
compress_bundle() {
  local pkg="$1" brotli_quality gzip_level file
  if [ "$2" = dev ]; then brotli_quality=5 gzip_level=6; else brotli_quality=11 gzip_level=9; fi
  command -v brotli >/dev/null || echo "brotli is missing: the bundle is compressed with gzip only"
  for file in "$pkg"/*.js "$pkg"/*.wasm "$pkg"/*.css; do
    gzip -"$gzip_level" --no-name --keep --force "$file"
    if command -v brotli >/dev/null; then brotli --quality="$brotli_quality" --keep --force "$file"; fi
  done
}

# Builds the server binary; prints its path. $1: cargo profile (dev or release).
build_server() {
  local profile="$1"
  step "Building the server ($profile)" >&2
  cargo build --bin nanos-store --features ssr --profile "$profile" >&2
  echo "$CARGO_TARGET_DIR/$([ "$profile" = dev ] && echo debug || echo "$profile")/nanos-store"
}

# --- Shared by the measuring scripts (bench-*, measure-upload) ---

# Installs Debian packages that are missing (each named by the command it provides: cmd:package).
ensure_commands() {
  local missing=() pair
  for pair in "$@"; do command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}"); done
  [ ${#missing[@]} = 0 ] && return 0
  step "Installing ${missing[*]} (Debian packages)"
  as_root apt-get update -qq
  # No service starts during the install (nginx's package would start one on port 80).
  local blocker=/usr/sbin/policy-rc.d placed=""
  if [ ! -e "$blocker" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$blocker" >/dev/null && as_root chmod +x "$blocker" && placed=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  [ -n "$placed" ] && as_root rm -f "$blocker"
  return 0
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (up to 20 s) until the store on port $1 answers /healthz.
wait_for_store() {
  local _
  for _ in $(seq 200); do curl -fs "http://127.0.0.1:$1/healthz" >/dev/null && return 0; sleep 0.1; done
  die "the store on port $1 did not start"
}

# Resident memory of process $1, in KiB.
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# Samples the resident memory of process $1 every 20 ms in the background and keeps the peak (KiB)
# in file $2; the sampler's pid is in $sampler. Stop it with `kill $sampler`.
sample_peak_rss() {
  python3 - "$1" "$2" <<'PY' &
import sys, time
pid, out = sys.argv[1], sys.argv[2]
peak = 0
try:
    while True:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS"):
                    peak = max(peak, int(line.split()[1]))
        with open(out, "w") as f:
            f.write(str(peak))
        time.sleep(0.02)
except (FileNotFoundError, ProcessLookupError):
    pass
PY
  sampler=$!
}
