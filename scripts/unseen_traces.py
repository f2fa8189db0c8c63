#!/usr/bin/env python3
"""Generates the demand fleets that docs/forecast.md scores the forecaster on as traces not
used to build it: kinds of workload the shipped traces do not cover. Each run writes a
scenario directory (demand.csv, workloads.toml, scenario.toml) and a file `origins` with the
number of daily origins its history allows at one week of fit and one week of holdout.

Usage: python3 scripts/unseen_traces.py KIND SEED OUT_DIR [DAYS]

KIND:
  dlrm     smooth recommendation inference (DLRM-like): 6-12 workloads, a daily random-walk
           level with drift, weekend factor 0.78-0.95, diurnal swing 35-60%, 1-4% noise
  imggen   bursty image generation: 5-10 Poisson workloads (0.1-1.5 GPUs at the base rate),
           bursts of x3-x9 lasting about 30 h, about one a week
  imgmild  the same with base rates 0.2-3 and milder (x1.5-x3), rarer bursts
  sparse   sparse serving of whole GPUs: 4-12 workloads, requests arriving as a Poisson
           stream (0.03-0.4 an hour, a daily cycle, half on weekends, +-1%/day drift),
           each holding a GPU for 1-4 hours
  stationary  a control with nothing to learn over time: 12 workloads, each a fixed
           weekly pattern (a daily swing of +-30%, +20% on weekdays) times a level of
           10-43 GPUs, plus independent normal noise of 15% of the level; its forecast
           errors are alike on every forecast day

docs/forecast.md uses dlrm seeds 1-3 (36 days), imggen seeds 1-3, imgmild seeds 4-6 and
sparse seeds 1-4 (30 days each), stationary seed 3 (56 days). The same seed always gives the
same fleet.
"""
import datetime
import math
import os
import random
import sys

START = datetime.datetime(2026, 1, 5)  # a Monday


def poisson(rnd, lam):
    """A Poisson draw (Knuth's product of uniforms; normal approximation above 30)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(round(rnd.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rnd.random()
        if p < limit:
            return k
        k += 1


def record(states, name, **params):
    """The list a generator appends each hour's hidden state to (its random-walk level, its
    burst, the end hours of the requests it holds), kept with its parameters in
    `states[name]` when `states` is a dict (`scripts/unseen_oracle.py` reads them); a
    throwaway list otherwise. Recording draws nothing, so a seed's fleet is the same either way.
    """
    hourly = []
    if states is not None:
        states[name] = {"params": params, "hourly": hourly}
    return hourly


def dlrm(rnd, hours, states=None):
    rows, workloads = [], []
    for w in range(rnd.randint(6, 12)):
        name = f"rec-{w}"
        workloads.append((name, "A10G"))
        base, level = rnd.uniform(20, 150), 0.0
        drift, step = rnd.gauss(0.002, 0.004), rnd.uniform(0.005, 0.02)
        amp, weekend, noise = rnd.uniform(0.35, 0.6), rnd.uniform(0.78, 0.95), rnd.uniform(0.01, 0.04)
        peak = rnd.uniform(12, 16)
        state = record(states, name, base=base, drift=drift, step=step, amp=amp, weekend=weekend, peak=peak)
        for h in range(hours):
            if h % 24 == 0:
                level += drift + rnd.gauss(0, step)
            state.append(level)
            diurnal = 1 + amp * math.cos(2 * math.pi * (h % 24 - peak) / 24)
            wk = weekend if (h // 24) % 7 >= 5 else 1.0
            v = base * math.exp(level) * diurnal * wk * (1 + rnd.gauss(0, noise))
            rows.append((h, name, round(max(v, 0), 3)))
    return rows, workloads


def image_generation(rnd, hours, mild, states=None):
    rows, workloads = [], []
    for w in range(rnd.randint(5, 10)):
        name = f"img-{w}"
        workloads.append((name, "L4"))
        rate, burst = (rnd.uniform(0.2, 3.0) if mild else rnd.uniform(0.1, 1.5)), 0.0
        state = record(states, name, rate=rate, mild=mild)
        for h in range(hours):
            hod = h % 24
            diurnal = 0.3 + 1.4 * max(0.0, math.sin(math.pi * (hod - 7) / 14)) if 7 <= hod <= 21 else 0.3
            if burst > 0 and rnd.random() < 1 / 30:
                burst = 0.0
            elif burst == 0 and rnd.random() < (1 / 500 if mild else 1 / 200):
                burst = rnd.uniform(0.5, 2) if mild else rnd.uniform(2, 8)
            state.append(burst)
            lam = rate * diurnal * (0.6 if (h // 24) % 7 >= 5 else 1.0) * (1 + burst)
            rows.append((h, name, poisson(rnd, lam)))
    return rows, workloads


def sparse_serving(rnd, hours, states=None):
    rows, workloads = [], []
    for w in range(rnd.randint(4, 12)):
        name = f"sd-{w}"
        workloads.append((name, "L4"))
        rate, busy, trend = rnd.uniform(0.03, 0.4), [], rnd.gauss(0, 0.01)
        state = record(states, name, rate=rate, trend=trend)
        for h in range(hours):
            hod = h % 24
            diurnal = 0.2 + 1.6 * max(0.0, math.sin(math.pi * (hod - 6) / 16)) if 6 <= hod <= 22 else 0.2
            lam = rate * diurnal * (0.5 if (h // 24) % 7 >= 5 else 1.0) * math.exp(trend * h / 24)
            for _ in range(poisson(rnd, lam)):
                busy.append(h + rnd.randint(1, 4))
            busy = [end for end in busy if end > h]
            state.append(tuple(busy))
            rows.append((h, name, len(busy)))
    return rows, workloads


def stationary(rnd, hours, states=None):
    rows, workloads = [], []
    for w in range(12):
        name = f"st-{w}"
        workloads.append((name, "L4"))
        level = 10 + 3 * w
        record(states, name, level=level, phase=w)
        for h in range(hours):
            swing = 0.3 * math.sin(2 * math.pi * (h % 24) / 24 + w)
            weekday = 0.2 if (h // 24) % 7 < 5 else 0.0
            v = level * (1 + swing + weekday) + rnd.gauss(0, 0.15 * level)
            rows.append((h, name, round(max(v, 0), 3)))
    return rows, workloads


def write(out, kind, seed, days, rows, workloads):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "demand.csv"), "w") as f:
        f.write("timestamp,workload,gpus\n")
        for h, name, v in sorted(rows):
            t = START + datetime.timedelta(hours=h)
            f.write(f"{t.strftime('%Y-%m-%dT%H:00:00Z')},{name},{v}\n")
    with open(os.path.join(out, "workloads.toml"), "w") as f:
        for name, gpu in workloads:
            f.write(f'[workloads.{name}]\nclass = "inference"\ncurrent_gpu = "{gpu}"\nteam = "t"\n\n')
    with open(os.path.join(out, "scenario.toml"), "w") as f:
        f.write(f'name = "{kind}{seed}"\ndemand = "demand.csv"\nworkloads = "workloads.toml"\n')
    with open(os.path.join(out, "origins"), "w") as f:
        f.write(str(days - 14 + 1))


KINDS = ("dlrm", "imggen", "imgmild", "sparse", "stationary")


def generate(kind, seed, days, states=None):
    """The rows `(hour, workload, gpus)` and workloads `(name, gpu)` of a fleet; with
    `states` a dict, each workload's hidden state too (see `record`)."""
    rnd = random.Random(seed)
    if kind == "dlrm":
        return dlrm(rnd, days * 24, states)
    if kind == "sparse":
        return sparse_serving(rnd, days * 24, states)
    if kind == "stationary":
        return stationary(rnd, days * 24, states)
    return image_generation(rnd, days * 24, kind == "imgmild", states)


def main(argv):
    if len(argv) not in (4, 5) or argv[1] not in KINDS:
        sys.exit(__doc__)
    kind, seed, out = argv[1], int(argv[2]), argv[3]
    days = int(argv[4]) if len(argv) == 5 else 36
    rows, workloads = generate(kind, seed, days)
    write(out, kind, seed, days, rows, workloads)


if __name__ == "__main__":
    main(sys.argv)
