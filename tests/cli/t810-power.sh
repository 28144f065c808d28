#!/bin/sh
# uplift power: power with its Monte Carlo SE at an effect, or the minimum detectable
# effect at a target power; JSON keys; usage errors; no progress bar off a terminal.
. "$UPLIFT_SRC/tests/cli/lib.sh"

up 0 power --participants 16 --tasks 10 --effect 25% --sims 200 --seed 3 --json
[ ! -s err ] || fail "power wrote to stderr off a terminal: $(cat err)"
[ "$(json_get out 'd["mode"]')" = power ] || fail "mode"
[ "$(json_get out 'd["sims"]')" = 200 ] || fail "sims"
[ "$(json_get out 'd["se_type"]')" = cr2 ] || fail "default SE is cr2 with clusters"
python3 - out <<'PY' || fail "power keys"
import json, math, sys
d = json.load(open(sys.argv[1]))
p = d["power"]
assert 0 < p < 1, p
assert abs(d["power_mc_se"] - math.sqrt(p * (1 - p) / 200)) < 1e-12
assert d["mde_pct"] is None and d["target_power"] is None
assert abs(d["log_effect"] - math.log(1.25)) < 1e-12
assert d["panel"] is None and d["curve"] is None
PY
# same seed, same answer; the text form says the same
first=$(json_get out 'd["power"]')
up 0 power --participants 16 --tasks 10 --effect 0.25 --sims 200 --seed 3
contains out "Power at +25.0%: $(python3 -c "print('%.3f' % $first)")"

# power grows with the effect (common random numbers make it monotone here)
up 0 power --participants 16 --tasks 10 --effect 50% --sims 200 --seed 3 --json
higher=$(json_get out 'd["power"]')
python3 -c "import sys; sys.exit(0 if $higher >= $first else 1)" || fail "power fell: $first -> $higher"

# the minimum detectable effect reaches the target, and its power is reported
up 0 power --participants 16 --tasks 10 --target-power 0.8 --sims 200 --seed 3 --json
python3 - out <<'PY' || fail "mde keys"
import json, math, sys
d = json.load(open(sys.argv[1]))
assert d["mode"] == "mde" and d["target_power"] == 0.8
assert d["power"] >= 0.8 and d["mde_pct"] > 0 and -1 < d["mde_pct_faster"] < 0
assert abs(math.log1p(d["mde_pct"]) + math.log1p(d["mde_pct_faster"])) < 1e-12
PY

# a power curve on the same studies: the point at the main effect equals the main result
up 0 power --participants 16 --tasks 10 --effect 25% --sims 200 --seed 3 --curve 0,25%,-25% --json
python3 - out <<'PY' || fail "curve"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["curve"]
assert [round(p["effect_pct"], 6) for p in c] == [0, 0.25, -0.25], c
assert c[1]["power"] == d["power"], (c[1], d["power"])
assert c[0]["power"] < 0.15 and c[2]["power"] > c[0]["power"], c
PY
up 2 power --participants 16 --tasks 10 --effect 25% --curve 10%,lots
one_error_line

# the curve as a page: HTML with a PLplot chart and the table, Markdown, or stdout
curve="--participants 16 --tasks 10 --effect 25% --sims 200 --seed 3 --curve 0,25%,-25%"
# shellcheck disable=SC2086
up 0 power $curve --json
cp out curve.json
export SOURCE_DATE_EPOCH=1767225600
# shellcheck disable=SC2086
up 0 power $curve --out curve.html
contains err "wrote curve.html"
contains out "Power curve (200 studies per point)"
python3 - curve.html curve.json <<'PY' || fail "power curve page"
import html, json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
d = json.load(open(sys.argv[2]))
assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/", "")
assert "https://" not in page, "the page fetches something"
svgs = re.findall(r"<svg\b.*?</svg>", page, re.S)
assert len(svgs) == 1 and 'class="chart"' in svgs[0], "one PLplot chart expected"
svg = html.unescape(re.sub(r"</tspan>\s*<tspan[^>]*>", "", svgs[0]))
for text in ("Power (%)", "True effect on completion time (log scale)", "alpha 5%", "-20%"):
    assert text in svg, "chart lacks %r" % text
assert "<polyline" in svg or "<path" in svg, "no lines drawn"
rows = re.findall(r'<tr><td class="r">([^<]+)</td><td class="r">([^<]+)</td>'
                  r'<td class="r">([^<]+)</td>', page)
assert len(rows) == len(d["curve"]), rows
for (eff, power, se), pt in zip(rows, d["curve"]):
    assert eff == "%+.1f%%" % (100 * pt["effect_pct"]), (eff, pt)
    assert power == "%.3f" % pt["power"] and se == "%.3f" % pt["power_mc_se"], (power, se, pt)
assert "Bars: 95% Monte Carlo intervals" in page
assert "2026-01-01 00:00 UTC" in page, "SOURCE_DATE_EPOCH not used"
PY
mv curve.html first.html
# shellcheck disable=SC2086
up 0 power $curve --out curve.html
cmp first.html curve.html || fail "same options and SOURCE_DATE_EPOCH, different bytes"
# shellcheck disable=SC2086
up 0 power $curve --out curve.md
contains curve.md "| true effect | power | Monte Carlo SE |"
contains curve.md "| +25.0% | $(json_get curve.json '"%.3f" % d["curve"][1]["power"]') |"
# shellcheck disable=SC2086
up 0 power $curve --out - --format md
contains out "# Power curve"
lacks out "Power at +25.0%"
# shellcheck disable=SC2086
up 0 power --participants 16 --tasks 10 --target-power 0.8 --sims 100 --seed 3 --curve 0,20% --out mde.html
contains mde.html "Minimum detectable effect"
contains mde.html "Dotted: the target power."
unset SOURCE_DATE_EPOCH
for bad in "--out x.html" "--curve 0,10% --format md" "--curve 0,10% --out x.html --format pdf"; do
    # shellcheck disable=SC2086
    up 2 power --participants 16 --tasks 10 --effect 25% --sims 50 $bad
    one_error_line
done
[ ! -e x.html ] || fail "a refused run wrote x.html"
up 1 power --participants 16 --tasks 10 --effect 25% --sims 50 --curve 0 --out no/such/dir.html
one_error_line
[ ! -e no ] || fail "a failed write left something behind"

# the panel of every SE type
up 0 power --participants 8 --tasks 6 --effect 0 --sims 100 --panel --json
[ "$(json_get out 'len(d["panel"])')" = 18 ] || fail "panel entries"

for bad in \
    "--participants 16 --tasks 10" \
    "--participants 16 --tasks 10 --effect 20% --target-power 0.8" \
    "--participants 16 --tasks 10 --target-power 1.5" \
    "--participants 16 --tasks 10 --effect 20% --sims 0" \
    "--participants 16 --tasks 10 --effect 20% --se cr9" \
    "--participants 16 --tasks 10 --effect 20% --level 2" \
    "--participants 16 --tasks 10 --effect 20% --seed 0" \
    "--tasks 10 --effect 20%"; do
    # shellcheck disable=SC2086
    up 2 power $bad
    one_error_line
done
done_testing
