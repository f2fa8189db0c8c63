#!/usr/bin/env python3
"""Generate demand.csv for the synthetic_fleet example: a small, made-up ML fleet.

14 days (336 hours) from 2026-10-05T00:00:00Z (a Monday), 7 workloads, hourly average GPUs
on each workload's current GPU model. Deterministic: standard library only, fixed seeds, one
random stream per workload. Running it again rewrites demand.csv with the same bytes.

    python3 gen.py            # writes demand.csv next to this file

All shapes are invented for illustration. No real trace is behind them.
"""

import math
import os
import random
from datetime import datetime, timedelta, timezone

SEED = 20261005
START = datetime(2026, 10, 5, tzinfo=timezone.utc)
HOURS = 14 * 24


def rng(name_index):
    # One independent, fixed stream per workload: editing one generator leaves the others as they are.
    return random.Random(SEED * 100 + name_index)


def add_interval(series, start, end, gpus):
    """Add `gpus` for the real-valued hour interval [start, end), prorated within each hour."""
    start = max(start, 0.0)
    end = min(end, float(len(series)))
    h = int(math.floor(start))
    while h < end:
        overlap = min(end, h + 1) - max(start, h)
        if overlap > 0:
            series[h] += gpus * overlap
        h += 1


def hour_of_day(t):
    return t % 24


def day_index(t):
    return t // 24  # 0 = Monday 2026-10-05


def is_weekend(t):
    return day_index(t) % 7 in (5, 6)


def diurnal(t, peak_hour, sharpness):
    """1 at peak_hour (UTC), 0 twelve hours away, raised cosine with adjustable sharpness."""
    x = 0.5 * (1.0 + math.cos(2.0 * math.pi * (hour_of_day(t) - peak_hour) / 24.0))
    return x ** sharpness


def chat_serving(r):
    # LLM chat service on H100: trough ~10, weekday peak ~24 around 16:00 UTC (EU afternoon /
    # US morning). Weekends are ~35% lower at the peak. Small multiplicative noise.
    out = []
    for t in range(HOURS):
        week = 0.62 if is_weekend(t) else 1.0
        level = 10.0 + 14.0 * week * diurnal(t, 16, 1.4)
        out.append(level * (1.0 + r.gauss(0.0, 0.03)))
    return out


def embed_api(r):
    # Embedding API on L4: 4 GPUs at night, ~12 at the weekday peak around 14:00 UTC.
    out = []
    for t in range(HOURS):
        week = 0.55 if is_weekend(t) else 1.0
        level = 4.0 + 8.0 * week * diurnal(t, 14, 1.0)
        out.append(level * (1.0 + r.gauss(0.0, 0.04)))
    return out


def llm_pretrain(r):
    # Pretraining run on H100: 64 GPUs (8 nodes x 8) around the clock, with 3 maintenance gaps of
    # 3-8 h that start and end mid-hour. A few hours run on 56 GPUs while a failed node is swapped.
    out = [64.0] * HOURS
    gap_days = sorted(r.sample(range(1, 14), 3))
    for d in gap_days:
        start = d * 24 + r.uniform(1.0, 20.0)
        length = r.uniform(3.0, 8.0)
        add_interval(out, start, start + length, -64.0)
    for _ in range(4):
        start = r.uniform(0.0, HOURS - 6)
        add_interval(out, start, start + r.uniform(2.0, 6.0), -8.0)
    return [max(v, 0.0) for v in out]


def finetune(r):
    # Fine-tuning jobs on A100-80GB: 8-32 GPUs (whole 8-GPU nodes), 6-40 h each, separated by idle
    # gaps of 2-30 h. Now and then a second job overlaps the first.
    out = [0.0] * HOURS
    t = r.uniform(0.0, 12.0)
    while t < HOURS:
        gpus = 8.0 * r.randint(1, 4)
        length = r.uniform(6.0, 40.0)
        add_interval(out, t, t + length, gpus)
        if r.random() < 0.25:  # overlapping second job
            s = t + r.uniform(1.0, length)
            add_interval(out, s, s + r.uniform(6.0, 20.0), 8.0 * r.randint(1, 2))
        t += length + r.uniform(2.0, 30.0)
    return out


def research_notebooks(r):
    # Interactive notebooks on A10G: short 1-4 GPU sessions (0.5-3 h) started between 08:00
    # and 18:00 UTC, 6-12 a weekday and 0-2 on weekend days.
    out = [0.0] * HOURS
    for d in range(HOURS // 24):
        weekend = d % 7 in (5, 6)
        n = r.randint(0, 2) if weekend else r.randint(6, 12)
        for _ in range(n):
            start = d * 24 + r.uniform(8.0, 18.0)
            add_interval(out, start, start + r.uniform(0.5, 3.0), float(r.randint(1, 4)))
    return out


def hparam_sweeps(r):
    # Hyper-parameter sweeps on A100-40GB: on about 70% of weekdays one sweep of 8-16 GPUs is
    # launched between 09:00 and 17:00 UTC and runs for 2-6 h. None run at weekends.
    out = [0.0] * HOURS
    for d in range(HOURS // 24):
        go = r.random() < 0.7
        start = d * 24 + r.uniform(9.0, 17.0)
        length = r.uniform(2.0, 6.0)
        gpus = float(r.randint(8, 16))
        if go and d % 7 not in (5, 6):
            add_interval(out, start, start + length, gpus)
    return out


def batch_scoring(r):
    # Nightly batch scoring on T4: 16 GPUs from 02:00 to 06:00 UTC every night.
    out = [0.0] * HOURS
    for d in range(HOURS // 24):
        add_interval(out, d * 24 + 2.0, d * 24 + 6.0, 16.0)
    return out


# Order of this list fixes each workload's random stream. Append new workloads at the end.
GENERATORS = [
    ("chat-serving", chat_serving),
    ("embed-api", embed_api),
    ("llm-pretrain", llm_pretrain),
    ("finetune", finetune),
    ("research-notebooks", research_notebooks),
    ("hparam-sweeps", hparam_sweeps),
    ("batch-scoring", batch_scoring),
]


def fmt(v):
    v = round(v, 3)
    if v < 0.0005:  # clamps float noise and avoids "-0.000"
        v = 0.0
    return "%.3f" % v


def main():
    series = {name: gen(rng(i)) for i, (name, gen) in enumerate(GENERATORS)}
    lines = ["timestamp,workload,gpus"]
    for t in range(HOURS):
        ts = (START + timedelta(hours=t)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for name in sorted(series):
            lines.append("%s,%s,%s" % (ts, name, fmt(series[name][t])))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demand.csv")
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %s (%d rows)" % (path, len(lines) - 1))


if __name__ == "__main__":
    main()
