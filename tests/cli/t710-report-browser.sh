#!/bin/sh
# The HTML report in a real browser: headless Chromium loads it from disk, prints a
# PNG screenshot and the DOM.  Fails on a blank or near-blank page, on a DOM without
# the headline numbers of `uplift analyze --json`, and on charts the browser did not
# lay out.  Skipped (exit 77) only when chromium is not installed.
. "$UPLIFT_SRC/tests/cli/lib.sh"

browser=""
for b in chromium chromium-browser; do
    if command -v "$b" >/dev/null 2>&1; then
        browser=$b
        break
    fi
done
if [ -z "$browser" ]; then
    echo "SKIP: chromium is not installed (scripts/install-deps installs it)" >&2
    exit 77
fi

. "$UPLIFT_SRC/tests/cli/t7xx-demo-study.sh.inc"
up 0 analyze --json
cp out analyze.json
up 0 report --out report.html

profile=$(mktemp -d)
chrome() {
    timeout 180 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" "$@"
}
chrome --screenshot="$UPLIFT_SCRATCH/shot.png" --window-size=1200,4000 \
    "file://$UPLIFT_SCRATCH/report.html" >chrome.out 2>chrome.err \
    || { cat chrome.err >&2; fail "chromium could not take the screenshot"; }
chrome --dump-dom "file://$UPLIFT_SCRATCH/report.html" >dom.html 2>chrome.err \
    || { cat chrome.err >&2; fail "chromium could not dump the DOM"; }
rm -rf "$profile"

python3 - shot.png <<'PY' || fail "the screenshot is blank"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    pos += 12 + n
    if kind == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
assert depth == 8 and interlace == 0 and ctype in (2, 6), (depth, ctype, interlace)
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
assert len(raw) == h * (stride + 1), "truncated image"
# Undo the PNG filters row by row (sub/up/average/paeth), then look at the pixels.
prev = bytearray(stride)
distinct_rows, colours, i = set(), set(), 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    if f:
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    distinct_rows.add(bytes(line))
    if y % 4 == 0:
        for x in range(0, stride, bpp * 3):
            colours.add(bytes(line[x:x + 3]))
ink = {c for c in colours if max(c) - min(c) > 60}  # saturated: the arm colours
print("png %dx%d: %d distinct rows, %d colours, %d saturated" % (w, h, len(distinct_rows),
                                                                len(colours), len(ink)))
assert len(distinct_rows) > h // 4, "most rows look the same: blank page?"
assert len(colours) > 50, "too few colours: blank page?"
assert len(ink) > 5, "no coloured marks: charts not drawn?"
PY

python3 - dom.html analyze.json <<'PY' || fail "the DOM lacks the report"
import json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
a = json.load(open(sys.argv[2]))
e = a["effects"][0]
for text in ("%+.1f%%" % (100 * e["pct"]), "%+.1f%%" % (100 * e["pct_ci"][0]),
             "%+.1f%%" % (100 * e["pct_ci"][1]), "Primary result", "Study summary",
             "Flow of participants and tasks", "Methods", "Reproducibility"):
    assert text in dom, "DOM lacks %r" % text
headline = re.search(r'<p class="headline">(.*?)</p>', dom, re.S).group(1)
plain = re.sub(r"<[^>]+>", "", headline)
words = "took %.1f%% %s" % (abs(100 * e["pct"]), "longer" if e["pct"] >= 0 else "less time")
assert words in plain, (words, plain)
assert "[%+.1f%%, %+.1f%%]" % (100 * e["pct_ci"][0], 100 * e["pct_ci"][1]) in plain, plain
assert dom.count("<svg") >= 3, "charts missing from the DOM"
PY

done_testing
