#!/usr/bin/env bash
# Opens out/report.html (or the file given) in headless Chromium with no
# network, takes a full-page screenshot, and checks that the page and every
# figure rendered (non-blank). Not part of CI; needs `apt-get install chromium`.
#   bash harness/scripts/check_report_in_browser.sh [REPORT.html] [SCREENSHOT.png]
set -euo pipefail
report="$(realpath "${1:-out/report.html}")"
shot="${2:-${report%.html}-screenshot.png}"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$browser" ] || { echo "error: no chromium found (apt-get install chromium)" >&2; exit 1; }
[ -f "$report" ] || { echo "error: $report does not exist (run the main job first)" >&2; exit 1; }
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
# --proxy-server to an unused local port: any attempt to reach the network fails.
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --proxy-server=127.0.0.1:9 --user-data-dir="$profile" \
  --window-size=1200,20000 --screenshot="$shot" "file://$report" >/dev/null 2>&1
python3 - "$shot" "$report" <<'PY'
import re, struct, sys, zlib
shot, report = sys.argv[1], sys.argv[2]
data = open(shot, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, chunks, (w, h, depth, ctype) = 8, [], (0, 0, 0, 0)
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
    if kind == b"IHDR": w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    if kind == b"IDAT": chunks.append(body)
bpp = {2: 3, 6: 4}[ctype]
raw, stride, prev, rows = zlib.decompress(b"".join(chunks)), w * bpp, bytearray(w * bpp), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
        p = a + b - c; pr = a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c) else (b if abs(p - b) <= abs(p - c) else c)
        line[i] = (line[i] + (0, a, b, (a + b) // 2, pr)[f]) & 255
    rows.append(line); prev = line
# Count rows holding anything but white: text, tables and figures.
inked = sum(1 for r in rows if any(v < 200 for v in r[::bpp]))
colour = sum(1 for r in rows[::4] for i in range(0, len(r), bpp * 4) if max(r[i:i+3]) - min(r[i:i+3]) > 60)
figures = len(re.findall(r"<figure>", open(report, encoding="utf-8").read()))
print(f"screenshot {w}x{h}: {inked} rows with ink, {colour} coloured samples, {figures} figures in the page")
assert inked > 2000, "the page looks blank"
assert colour > 1000, "no coloured figure rendered"
PY
echo "ok: $shot"
