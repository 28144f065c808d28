#!/usr/bin/python3
"""Writes a synthetic task table (the columns of README.md's task table) of N rows in G clusters.

    gen_tasks.py N G SEED OUT.csv

Participants get a random effect, tasks a log-normal forecast and a +19% effect of the
ai arm; a fifth of the post-review times are zero.  Deterministic for a seed."""
import math
import random
import sys

n, g, seed, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
r = random.Random(seed)
u = [r.gauss(0.0, 0.4) for _ in range(g)]
with open(out, "w") as f:
    f.write("task_id,participant,arm,reported_min,post_review_min,forecast_no_ai_min\n")
    for i in range(n):
        p = i * g // n  # contiguous, equal-sized clusters
        ai = r.random() < 0.5
        fc = math.exp(r.gauss(math.log(90.0), 0.8))
        total = math.exp(0.2 + 0.85 * math.log(fc) + (math.log(1.19) if ai else 0.0)
                         + u[p] + r.gauss(0.0, 0.7))
        post = 0.0 if r.random() < 0.2 else total * r.uniform(0.0, 0.35)
        f.write("t%d,p%03d,%s,%.6f,%.6f,%.6f\n"
                % (i + 1, p, "ai" if ai else "no_ai", total - post, post, fc))
