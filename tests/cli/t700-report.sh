#!/bin/sh
# uplift report on a demo study built through the CLI: every section and chart of the
# HTML report, every number equal to `uplift analyze --json`, the flow diagram equal
# to `uplift status --json`, Markdown and JSON formats, CSV input, usage errors and
# refusals that leave no file behind.
. "$UPLIFT_SRC/tests/cli/lib.sh"
. "$UPLIFT_SRC/tests/cli/t7xx-demo-study.sh.inc"

up 0 analyze --json --subgroup category
cp out analyze.json
up 0 status --json
cp out status.json

up 0 report --subgroup category
contains err "wrote report.html"
[ -s report.html ] || fail "no report.html"
[ ! -s out ] || fail "report wrote to stdout"

python3 - report.html analyze.json status.json <<'PY' || fail "HTML report structure and numbers"
import json, math, re, sys
import xml.etree.ElementTree as ET
html = open(sys.argv[1], encoding="utf-8").read()
a = json.load(open(sys.argv[2]))
s = json.load(open(sys.argv[3]))

def die(msg):
    sys.exit("report.html: " + msg)

# self-contained: no scripts, no external resources
for bad in ("<script", "<link", "@import", "<img", "<iframe", "src=", "url(http", 'href="http'):
    if bad in html:
        die("not self-contained: " + bad)

# every section, in order
sections = ["summary", "consort", "baseline", "primary", "participants", "forecast",
            "perception", "agreement", "subgroups", "randomization-inference", "methods",
            "reproducibility"]
pos = [html.find('id="%s"' % k) for k in sections]
for k, p in zip(sections, pos):
    if p < 0:
        die("section %s missing" % k)
if pos != sorted(pos):
    die("sections out of order")

def section(k):
    start = html.find('id="%s"' % k)
    end = min([p for p in (html.find("<section", start + 1), html.find("<footer", start + 1))
               if p > 0] or [len(html)])
    return html[start:end]

# charts: inline SVG, well-formed, titled, labelled in words, unique ids page-wide
svgs = re.findall(r"<svg.*?</svg>", html, re.S)
texts = {}
for svg in svgs:
    root = ET.fromstring(svg)
    title = root.find("{http://www.w3.org/2000/svg}title")
    if title is None or not title.text:
        die("chart without a title")
    texts[title.text] = " ".join(t for t in root.itertext())
ids = re.findall(r'\sid="([^"]+)"', html)
dups = {i for i in ids if ids.count(i) > 1}
if dups:
    die("duplicate ids: %s" % sorted(dups)[:5])

def chart(fig):
    sec = re.search(r'<figure id="%s">(.*?)</figure>' % fig, html, re.S)
    if not sec or "<svg" not in sec.group(1):
        die("chart %s missing" % fig)
    root = ET.fromstring(re.search(r"<svg.*?</svg>", sec.group(1), re.S).group(0))
    return root, " ".join(root.itertext())

root, text = chart("fig-se-panel-0")
for word in ("Change in completion time", "cr2, t (chosen)", "classical, z", "0%"):
    if word not in text:
        die("SE panel chart lacks %r" % word)
root, text = chart("fig-forecast")
for word in ("Forecast for the assigned condition (minutes, log scale)",
             "Actual total time (minutes, log scale)", "forecast = actual", "no_ai", "ai"):
    if word not in text:
        die("forecast chart lacks %r" % word)
root, text = chart("fig-agreement")
for word in ("Reported / measured time", "minutes, log scale", "1x"):
    if word not in text:
        die("agreement chart lacks %r" % word)

# colours: one per arm, the same in the charts and the flow diagram
colours = {"no_ai": "#0072b2", "ai": "#d55e00"}
for fig in ("fig-forecast", "fig-agreement"):
    fills = {c.lower() for c in re.findall(r'fill="(#[0-9A-Fa-f]{6})"',
                                           re.search(r'<figure id="%s">.*?</figure>' % fig,
                                                     html, re.S).group(0))}
    if not set(colours.values()) <= fills:
        die("%s does not use the arm colours %s: %s" % (fig, colours, fills))
se_fills = {c.lower() for c in re.findall(r'stroke="(#[0-9A-Fa-f]{6})"',
                                          re.search(r'<figure id="fig-se-panel-0">.*?</figure>',
                                                    html, re.S).group(0))}
if colours["ai"] not in se_fills:
    die("SE panel not in the ai colour")
for arm, col in colours.items():
    if "border-top-color:%s" % col not in section("consort"):
        die("flow diagram box of %s not in %s" % (arm, col))

# the demo study computes every analysis of issue 6 (with --subgroup category)
for key in ("per_participant", "perception", "subgroups", "agreement",
            "randomization_inference", "compliance", "ratio_of_means"):
    if a[key] is None:
        die("analyze did not compute %s on the demo study" % key)
root, text = chart("fig-perception")
for word in ("Forecast before the task", "Believed afterwards", "Predicted by experts",
             "Predicted by managers", "Measured"):
    if word not in text:
        die("perception chart lacks %r" % word)
root, text = chart("fig-participants")
for word in ["All participants"] + ["p0%d" % i for i in range(1, 7)]:
    if word not in text:
        die("forest plot lacks %r" % word)
root, text = chart("fig-subgroups")
for lvl in a["subgroups"]["levels"]:
    if lvl["level"] not in text:
        die("subgroup chart lacks %r" % lvl["level"])
root, text = chart("fig-ri")
for word in ("observed %+.1f%%" % (100 * math.expm1(a["randomization_inference"]["statistic"])),
             "Share of re-drawn assignments (%)", "Effect on completion time"):
    if word not in text:
        die("randomization-inference histogram lacks %r" % word)
root, text = chart("fig-agreement")
if "mean ratio %.2fx" % a["agreement"]["ratio"] not in text:
    die("agreement chart lacks the mean ratio line")

# optional analyses: a chart when computed, a note saying so when not
for key, sec, fig in (("per_participant", "participants", "fig-participants"),
                      ("perception", "perception", "fig-perception"),
                      ("subgroups", "subgroups", "fig-subgroups")):
    has_fig = ('id="%s"' % fig) in html
    if (a[key] is not None) != has_fig:
        die("%s: computed=%s but chart=%s" % (key, a[key] is not None, has_fig))
    if a[key] is None and "Not computed" not in section(sec):
        die("section %s does not say it was not computed" % sec)
if a["randomization_inference"] is None and "Not computed" not in section("randomization-inference"):
    die("randomization inference: no note")

# every number with a JSON path equals analyze --json
def lookup(doc, path):
    for part in re.findall(r"[A-Za-z_]+|\[\d+\]", path):
        doc = doc[int(part[1:-1])] if part.startswith("[") else doc[part]
    return doc
keyed = re.findall(r'data-key="([^"]+)" data-value="([^"]+)">([^<]*)<', html)
if len(keyed) < 100:
    die("only %d keyed numbers" % len(keyed))
seen = set()
for key, value, shown in keyed:
    want = lookup(a, key)
    seen.add(key)
    if value == "null":
        if want is not None:
            die("%s: report says null, analyze says %r" % (key, want))
        continue
    got = float(value)
    if want is None or not math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-15):
        die("%s: report %r, analyze %r" % (key, got, want))
    if key.endswith(".pct") or re.search(r"pct_ci\[\d\]$", key):
        # analyze's JSON holds 15 significant digits: at a rounding tie of the
        # one-decimal display (e.g. -19.95) either neighbour is right
        allowed = {"%+.1f%%" % (100 * want + d) for d in (-1e-9, 0.0, 1e-9)}
        if shown not in allowed:
            die("%s shown as %r, expected %s" % (key, shown, " or ".join(sorted(allowed))))
for key in ["n", "clusters", "effects[0].pct", "effects[0].pct_ci[0]", "effects[0].pct_ci[1]",
            "effects[0].p", "effects[0].se", "effects[0].df", "effects[0].coef",
            "effects[0].n_arm"] + ["se_panel[%d].pct_ci[1]" % i for i in range(len(a["se_panel"]))] \
        + ["perception.predictions[%d].pct_ci[%d]" % (i, j)
           for i in range(len(a["perception"]["predictions"])) for j in (0, 1)]:
    if key not in seen:
        die("number %s not in the report" % key)
if len(a["se_panel"]) != 18:
    die("expected 18 SE panel rows in analyze")

# the headline in words
e = a["effects"][0]
words = "took %.1f%% %s" % (abs(100 * e["pct"]), "longer" if e["pct"] >= 0 else "less time")
header = html[html.find("<header>"):html.find("</header>")]
if words not in header or 'class="headline"' not in header:
    die("the page does not open with the headline %r" % words)
if re.search(r'p = <span[^>]*>&lt;', html):
    die("a p-value reads 'p = <0.001'")
for w in a["warnings"]:
    if w.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") not in section("primary"):
        die("warning missing: %r" % w)
if not any("clusters" in w for w in a["warnings"]):
    die("the demo study should warn about few clusters")

# study summary and flow diagram equal status --json
summary = section("summary")
for v in (s["study"]["protocol_sha256"], s["study"]["commitment"], s["study"]["uid"],
          "allocation still concealed"):
    if v not in summary:
        die("summary lacks %r" % v)
consort = section("consort")
for label, v in (("Participants enrolled", s["participants"]), ("Tasks enrolled", s["enrolled"]),
                 ("with both forecasts", s["forecast"]),
                 ("Excluded before assignment", s["excluded_before_assignment"]),
                 ("Randomized", s["assigned"])):
    if not re.search(r"%s <strong>%d</strong>" % (label, v), consort):
        die("flow diagram: %s is not %d" % (label, v))
boxes = re.findall(r'<div class="box arm".*?</div>', consort, re.S)
if len(boxes) != len(s["arms"]):
    die("one box per arm expected")
for box, arm in zip(boxes, s["arms"]):
    if ">%s</strong>" % arm["arm"] not in box:
        die("arm box order: %s" % arm["arm"])
    for label, k in (("Assigned", "assigned"), ("Started", "started"), ("Done", "done"),
                     ("Abandoned", "abandoned")):
        if "%s <b>%d</b>" % (label, arm[k]) not in box:
            die("flow diagram %s %s is not %d" % (arm["arm"], label, arm[k]))
    n_arm = next((x["n_arm"] for x in a["effects"] if x["arm"] == arm["arm"]),
                 a["n"] - sum(x["n_arm"] for x in a["effects"]))
    if "Analysed <b>%d</b>" % n_arm not in box:
        die("flow diagram %s analysed is not %d" % (arm["arm"], n_arm))
for r in s["exclusion_reasons"]:
    if "%s: %d" % (r["reason"], r["count"]) not in consort:
        die("exclusion reason %r missing" % r["reason"])

# the row accounting in one sentence, zero counts left out
rows = a["rows"]
parts = [(rows[k], w) for k, w in (("excluded", "excluded"), ("abandoned", "abandoned"),
         ("not_done", "not done"), ("unassigned", "without an arm"),
         ("missing_outcome", "without an outcome"),
         ("missing_covariate", "without the covariate")) if rows[k]]
other = sum(n for n, _ in parts)
listed = ["%d %s" % p for p in parts]
listed = ", ".join(listed[:-1]) + " and " + listed[-1] if len(listed) > 1 else listed[0]
want = "Of %d tasks, %d were analysed; the other %d were not (%s)." % (
    rows["input"], rows["analysed"], other, listed)
if want not in consort or re.search(r"\b0 (excluded|abandoned|not done|without)", consort):
    die("row sentence: want %r" % want)

# baseline: tasks randomized per arm
base = section("baseline")
row = re.search(r"Tasks randomized</td>(.*?)</tr>", base).group(1)
if [int(x) for x in re.findall(r">(\d+)<", row)] != [x["assigned"] for x in s["arms"]]:
    die("baseline tasks randomized differ from status")

# methods from the protocol, footer
methods = section("methods")
for w in ("simple randomization", "HMAC-SHA-256", "CR2", "log of the total time",
          "forecast without AI"):
    if w not in methods:
        die("methods lack %r" % w)
foot = html[html.find('id="reproducibility"'):]
for w in ("GSL", "SQLite", "PLplot", "uplift report", "mt19937"):
    if w not in foot:
        die("footer lacks %r" % w)
print("ok: %d sections, %d charts, %d numbers checked" % (len(sections), len(svgs), len(keyed)))
PY

# same inputs and time: byte-identical report
SOURCE_DATE_EPOCH=1767225600 up 0 report --out a.html
SOURCE_DATE_EPOCH=1767225600 up 0 report --out a.html.2
sed 's/a\.html\.2/a.html/' a.html.2 | cmp -s - a.html || fail "report not reproducible"
contains a.html "2026-01-01 00:00 UTC"

# Markdown
up 0 report --format md --out report.md
python3 - report.md analyze.json <<'PY' || fail "Markdown report"
import json, sys
md = open(sys.argv[1]).read()
a = json.load(open(sys.argv[2]))
e = a["effects"][0]
for h in ("# METR 2025 replication", "## Study summary", "## Flow of participants",
          "## Baseline by arm", "## Primary result", "## Effect by participant",
          "## Perception and reality", "## Self-reported and measured time",
          "## Where AI helps", "## Randomization inference", "## Methods",
          "## Reproducibility", "| **cr2 (chosen)** | t |"):
    assert h in md, h
assert "(%+.1f%%; %g%% interval [%+.1f%%, %+.1f%%]" % (100 * e["pct"], 100 * a["level"],
        100 * e["pct_ci"][0], 100 * e["pct_ci"][1]) in md, "headline"
assert "took %.1f%% %s than" % (abs(100 * e["pct"]), "longer" if e["pct"] >= 0 else "less time") in md
assert "<svg" not in md
PY
up 0 report --format md --out -
contains out "## Primary result"

# JSON: analyze + status + protocol
up 0 report --format json --subgroup category --out report.json
python3 - report.json analyze.json status.json <<'PY' || fail "JSON report"
import json, sys
r = json.load(open(sys.argv[1]))
a = json.load(open(sys.argv[2]))
s = json.load(open(sys.argv[3]))
for k, v in a.items():
    assert r[k] == v, k
assert "balance" in s and s["balance"]["strata"], "status --json has the balance by stratum"
assert r["status"] == s, (r["status"], s)
p = r["protocol"]
assert p["sha256"] == s["study"]["protocol_sha256"]
assert [x["label"] for x in p["arms"]] == ["no_ai", "ai"]
assert p["randomization"]["scheme"] == "simple"
assert p["analysis"]["se_type"] == "auto" and p["analysis"]["outcome"] == "total"
assert p["text"].startswith("# The design of METR")
assert r["report"]["uplift"] and r["report"]["gsl"] and r["report"]["sqlite"]
assert "report --format json" in r["report"]["command_line"]
# the same numbers in the same digits as analyze --json (one writer, no text round trip)
import re
tokens = lambda path: re.findall(r'(?<=: )-?[0-9][0-9.e+-]*|(?<=^ )\s*-?[0-9][0-9.e+-]*',
                                 open(path).read(), re.M)
ta, tr = tokens(sys.argv[2]), tokens(sys.argv[1])
assert ta and tr[:len(ta)] == ta, next((x, y) for x, y in zip(ta, tr) if x != y)
PY

# a CSV: the same options as analyze
up 0 export --out tasks-export.csv
up 0 analyze --csv tasks-export.csv --se hc2 --json
cp out csv-analyze.json
up 0 report --csv tasks-export.csv --se hc2 --out csv.html
python3 - csv.html csv-analyze.json <<'PY' || fail "report of a CSV"
import json, re, sys
html = open(sys.argv[1]).read()
a = json.load(open(sys.argv[2]))
assert "a CSV file" in html
assert "(chosen)" in html
got = {k: v for k, v in re.findall(r'data-key="([^"]+)" data-value="([^"]+)"', html)}
assert abs(float(got["effects[0].pct"]) - a["effects"][0]["pct"]) <= 1e-12 * abs(a["effects"][0]["pct"])
assert a["se_type"] == "hc2"
assert html.count("<svg") >= 3
PY

# a study in progress (randomized, nothing done): the report shows its progress
use_study progress
up 0 init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml"
up 0 participant add ana
head -9 tasks.csv | sed 's/^p01,/ana,/' >progress-tasks.csv # p01's eight tasks, for ana
up 0 task import progress-tasks.csv
up 0 randomize
up 0 report --out progress.html
contains err "no analysis yet"
up 0 report --format json --out progress.json
python3 - progress.html progress.json <<'PY' || fail "report of a study in progress"
import json, re, sys
html = open(sys.argv[1]).read()
doc = json.load(open(sys.argv[2]))
for k in ("summary", "consort", "baseline", "primary", "participants", "forecast", "perception",
          "agreement", "subgroups", "randomization-inference", "methods", "reproducibility"):
    assert 'id="%s"' % k in html, k
assert "No result yet" in html
assert html.count("Not computed: the analysis cannot run yet") == 7
assert re.search(r"Randomized <strong>8</strong>", html)
assert "<svg" not in html
assert doc["analysis_error"] and "effects" not in doc
assert doc["status"]["assigned"] == 8 and doc["protocol"]["arms"][0]["label"] == "no_ai"
PY
use_study study

# usage errors and refusals: exit 2 or 1, one line, no file left behind
up 2 report --format pdf
one_error_line
up 2 report --se bogus
one_error_line
up 2 report --seed 0
one_error_line
contains err "from 1 to 4294967295"
up 2 report --map participant=dev
one_error_line
up 2 report extra
one_error_line
up 1 --db "$(study_addr nowhere)" report --out nothing.html
one_error_line
[ ! -e nothing.html ] || fail "refused report left a file"
up 1 report --out no-such-dir/report.html
one_error_line
printf 'task_id,participant,arm,forecast_ai_min,forecast_no_ai_min,reported_min\n1,a,ai,10,10,10\n' >one-arm.csv
up 1 report --csv one-arm.csv --out one-arm.html
one_error_line
[ ! -e one-arm.html ] || fail "refused report left a file"
ls ./*.tmp-* 2>/dev/null && fail "temporary files left behind"

done_testing
