#!/bin/sh
# The HTML report in a real browser: headless Chromium loads it from disk, prints PNG
# screenshots and the DOM.  Fails on a blank or near-blank page, on a page taller than
# the screenshot (the whole page must be seen), on a DOM without the headline numbers of
# `uplift analyze --json`, and on charts the browser did not draw: every chart's inline
# SVG is also laid out alone, in a box of its own on a page of charts, and each box must
# hold ink (dark marks: axes, labels) and the arms' colours.  A report whose SVGs are
# removed, emptied or broken fails.  Skipped (exit 77) only when chromium is not
# installed.
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
# with --subgroup every chart the report draws is on the page
up 0 analyze --subgroup category --json
cp out analyze.json
up 0 report --subgroup category --out report.html
report=$UPLIFT_SCRATCH/report.html
# to check by hand that a broken page fails: UPLIFT_T710_EDIT is a command run on
# report.html first, e.g. UPLIFT_T710_EDIT="sed -i 's/<svg/<svg hidden/' report.html"
if [ -n "${UPLIFT_T710_EDIT:-}" ]; then
    sh -c "$UPLIFT_T710_EDIT" || fail "UPLIFT_T710_EDIT failed"
fi

profile=$(mktemp -d)
chrome() {
    timeout 180 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --user-data-dir="$profile" "$@"
}

# the page of charts: every <svg> of the report alone in a white box of known place
python3 - "$report" charts.html charts.json <<'PY' || fail "cannot build the page of charts"
import json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
svgs = re.findall(r"<svg\b.*?</svg>", page, re.S)
figures = re.findall(r'<figure id="(fig-[^"]+)"', page)
boxes, y, body = [], 0, []
for fig, svg in zip(figures, svgs):
    m = re.search(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', svg)
    w, h = (float(m.group(1)), float(m.group(2))) if m else (720.0, 400.0)
    height = int(round(720.0 * h / w))
    body.append('<div style="position:absolute;left:0;top:%dpx;width:720px;height:%dpx;'
                'overflow:hidden">%s</div>' % (y, height, svg))
    boxes.append({"figure": fig, "top": y, "height": height})
    y += height + 40
open(sys.argv[2], "w", encoding="utf-8").write(
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>html,body{margin:0;"
    "background:#fff}svg{width:720px;height:auto;display:block}</style></head><body>"
    + "".join(body) + "</body></html>")
json.dump({"figures": figures, "svgs": len(svgs), "boxes": boxes, "height": y}, open(sys.argv[3], "w"))
PY
charts_height=$(python3 -c 'import json,sys; print(max(json.load(open(sys.argv[1]))["height"], 100))' charts.json)

# the report at 1200 CSS pixels wide and tall enough for the whole page (checked below:
# the screenshot must end in empty background), at half scale to keep the PNG small
chrome --screenshot="$UPLIFT_SCRATCH/shot.png" --window-size=1200,16000 --force-device-scale-factor=0.5 \
    "file://$report" >chrome.out 2>chrome.err \
    || { cat chrome.err >&2; fail "chromium could not take the screenshot"; }
chrome --screenshot="$UPLIFT_SCRATCH/charts.png" --window-size=760,"$charts_height" \
    "file://$UPLIFT_SCRATCH/charts.html" >chrome.out 2>chrome.err \
    || { cat chrome.err >&2; fail "chromium could not take the screenshot of the charts"; }
chrome --dump-dom "file://$report" >dom.html 2>chrome.err \
    || { cat chrome.err >&2; fail "chromium could not dump the DOM"; }
rm -rf "$profile"

cat >upng.py <<'PY'
import struct, zlib


def read_png(path):
    """(width, height, rows of RGB bytes) of an 8-bit RGB or RGBA PNG."""
    data = open(path, "rb").read()
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
    # Undo the PNG filters row by row (sub/up/average/paeth).
    prev, rows, i = bytearray(stride), [], 0
    for _ in range(h):
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
        rows.append(bytes(line) if bpp == 3 else bytes(b for k, b in enumerate(line) if k % 4 != 3))
    return w, h, rows


def pixels(rows, top=0, bottom=None):
    for row in rows[top:bottom]:
        for x in range(0, len(row), 3):
            yield row[x], row[x + 1], row[x + 2]


def saturated(p):  # the arm colours (blue #0072b2, vermilion #d55e00, ...), not greys
    return max(p) - min(p) > 80


def dark(p):  # ink: axes, labels, the reference lines
    return max(p) < 110
PY

python3 - charts.png charts.json "$report" <<'PY' || fail "a chart did not render"
import json, re, sys
from upng import read_png, pixels, saturated, dark
w, h, rows = read_png(sys.argv[1])
layout = json.load(open(sys.argv[2]))
want = ["fig-se-panel-0", "fig-participants", "fig-forecast", "fig-perception",
        "fig-agreement", "fig-subgroups", "fig-ri"]
figures = layout["figures"]
assert sorted(figures) == sorted(want), "figures %s, want %s" % (figures, want)
assert layout["svgs"] == len(figures), "%d charts (<svg>) for %d figures" % (layout["svgs"], len(figures))
scale = h / float(layout["height"]) if layout["height"] else 0.5
for box in layout["boxes"]:
    top = int(box["top"] * scale)
    bottom = int((box["top"] + box["height"]) * scale)
    px = list(pixels(rows, top, bottom))
    n_ink = sum(1 for p in px if dark(p))
    n_col = sum(1 for p in px if saturated(p))
    print("%-18s %4d rows: %6d dark, %5d coloured pixels" % (box["figure"], bottom - top, n_ink, n_col))
    # an empty or unrendered box has none; the sparsest chart (the forest plot: grey
    # intervals, one coloured row) has thousands of dark and hundreds of coloured pixels
    assert n_ink > 1000, "%s: %d dark pixels: no axes or labels drawn" % (box["figure"], n_ink)
    assert n_col > 100, "%s: %d coloured pixels: no data drawn" % (box["figure"], n_col)
PY

python3 - shot.png <<'PY' || fail "the screenshot is blank or cut"
import sys
from upng import read_png, pixels, saturated
w, h, rows = read_png(sys.argv[1])
distinct_rows = set(rows)
colours = {p for p in pixels(rows[::4])}
ink = sum(1 for p in pixels(rows) if saturated(p))
# the page must end inside the screenshot: its last rows are all background
tail = rows[-h // 20:]
blank_tail = all(r == tail[0] for r in tail) and len(set(pixels([tail[0]]))) == 1
print("page png %dx%d: %d distinct rows, %d colours, %d saturated pixels, blank tail %s"
      % (w, h, len(distinct_rows), len(colours), ink, blank_tail))
assert blank_tail, "the page is taller than the screenshot: part of it was not seen"
assert len(distinct_rows) > h // 8, "most rows look the same: blank page?"
assert len(colours) > 50, "too few colours: blank page?"
# arm swatches and the flow diagram's box tops alone give a few hundred saturated
# pixels at half scale; the charts' dots, bars and intervals give thousands
assert ink > 3000, "only %d saturated pixels: charts not drawn?" % ink
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
figures = re.findall(r'<figure id="fig-', dom)
charts = re.findall(r'<svg\b[^>]*class="chart"', dom)
assert len(figures) >= 7 and len(charts) == len(figures), \
    "%d charts for %d figures in the DOM" % (len(charts), len(figures))
PY

done_testing
