#!/usr/bin/env bash
# Build the freestanding binary, run it, and check that it is a static ELF
# with no dynamic section, no interpreter and no libc. Prints one summary
# line; exits non-zero on any failure. Works from any directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

fail() { echo "freestanding: FAIL: $*" >&2; exit 1; }

# Build; take the binary's path from cargo itself (honours CARGO_TARGET_DIR).
build_json=$(cargo build --release --quiet --message-format=json-render-diagnostics) \
    || fail "cargo build --release failed"
bin=$(printf '%s\n' "$build_json" | grep -o '"executable":"[^"]*"' | tail -n 1 | cut -d'"' -f4)
[[ -n "$bin" && -x "$bin" ]] || fail "cannot find the built executable"

# 1. It trains: exit status 0 means finite final loss < initial loss (and the
#    backward pass agreed with finite differences).
status=0
out=$("$bin") || status=$?
[[ $status -eq 0 ]] || fail "binary exited with status $status (output: ${out:-none})"
[[ $out =~ initial_loss=([^ ]+)\ final_loss=([^ ]+)\ steps=([0-9]+)\ correct=([0-9]+/[0-9]+) ]] \
    || fail "unexpected output: $out"
initial=${BASH_REMATCH[1]} final=${BASH_REMATCH[2]} steps=${BASH_REMATCH[3]} correct=${BASH_REMATCH[4]}

# 2. Its panic handler works: a forced out-of-bounds index exits with 101.
status=0
"$bin" --panic >/dev/null || status=$?
[[ $status -eq 101 ]] || fail "--panic exited with $status, expected 101"

# 3. It is static and libc-free.
command -v readelf >/dev/null || fail "readelf not found (install binutils)"
readelf -h "$bin" | grep -q 'Type:[[:space:]]*EXEC' || fail "not a plain ET_EXEC executable"
if readelf -lW "$bin" | grep -q 'INTERP'; then fail "has a PT_INTERP (dynamic loader)"; fi
if readelf -lW "$bin" | grep -q 'DYNAMIC'; then fail "has a PT_DYNAMIC segment"; fi
readelf -d "$bin" | grep -q 'no dynamic section' || fail "has a dynamic section"
undefined=$(readelf -sW "$bin" | awk '$7 == "UND" && $8 != "" { print $8 }')
[[ -z "$undefined" ]] || fail "undefined symbols: $undefined"
if readelf -sW "$bin" | grep -qE '(GLIBC|__libc_start_main|malloc)'; then fail "references libc"; fi
if command -v file >/dev/null; then
    file -b "$bin" | grep -q 'statically linked' || fail "file(1) does not call it statically linked"
fi

# 4. Sizes.
if command -v size >/dev/null; then
    text=$(size -A "$bin" | awk '$1 == ".text" { print $2 }')
else
    text=$((16#$(readelf -SW "$bin" | sed -n 's/.*\] \.text[[:space:]]\+PROGBITS[[:space:]]\+[0-9a-f]\+ [0-9a-f]\+ \([0-9a-f]\+\).*/\1/p')))
fi
[[ -n "$text" ]] || fail "cannot read the .text size"
bytes=$(wc -c <"$bin" | tr -d ' ')

echo "freestanding: trained OK (loss $initial -> $final in $steps Adam steps, $correct XOR correct), .text = $text bytes, file = $bytes bytes"
