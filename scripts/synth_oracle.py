#!/usr/bin/env python3
"""What a forecaster that knew the generator's own law would score on the training
workloads of a `gpuplan synth` fleet, as docs/forecast.md ("What remains weak") reports it.

Usage: python3 scripts/synth_oracle.py DEMAND_CSV ORIGINS [SIMS] [SEED]

DEMAND_CSV is the demand.csv that `gpuplan synth` wrote; ORIGINS the number of rolling
daily origins, the last one a week before the end of the history (as with `gpuplan forecast
SCENARIO --holdout 7d --origins ORIGINS --step 24h`). Training workloads are the ones named
`train-*`, as the generator names them.

The generator (`training_curve` in src/synth/fleet.rs) runs jobs one after the other: a
size of 8, 16, 24, 32, 48 or 64 GPUs (weights 25, 25, 15, 15, 10, 10), a length uniform in
12-120 h, a node of 8 GPUs out for 2-6 h in 30% of the jobs above 8 GPUs, then an idle gap
uniform in 2-48 h. The oracle reads each workload's state at the origin (the running job's
size and age, or the idle gap's age), draws SIMS futures of the week from that law, and
reports:

- the weekly GPU-hours WAPE of the futures' mean (the conditional-mean forecast) and of
  seasonal-naive, over the training workloads, and their ratio;
- the share of held-out hours whose actual training-fleet total lies within the P10-P90
  of the futures' fleet totals: the fleet-hour coverage of exactly calibrated bands.

This script mirrors the generator by hand: if `training_curve` changes, change it too.
"""
import collections
import csv
import random
import sys

WEEK = 168
SIZES = [8, 16, 24, 32, 48, 64]
SIZE_WEIGHTS = [25, 25, 15, 15, 10, 10]


def add(curve, a, b, gpus):
    """Adds `gpus` over [a, b) hours, fractional hours in proportion."""
    a, b = max(a, 0.0), min(b, float(len(curve)))
    i = int(a)
    while i < b:
        curve[i] += gpus * (min(b, i + 1) - max(a, i))
        i += 1


def future(rng, state, size, age):
    """One week drawn from the generator's law after the origin."""
    curve = [0.0] * WEEK
    if state == "busy":
        low = max(12.0, age)
        rest = rng.uniform(low, max(low, 120.0)) - age
        add(curve, 0.0, rest, size)
        t = rest + rng.uniform(2.0, 48.0)
    else:
        low = max(2.0, age)
        t = rng.uniform(low, max(low, 48.0)) - age
    while t < WEEK:
        gpus = rng.choices(SIZES, SIZE_WEIGHTS)[0]
        length = rng.uniform(12.0, 120.0)
        add(curve, t, t + length, gpus)
        if gpus > 8 and rng.random() < 0.3:
            a = t + rng.uniform(0.0, length)
            add(curve, a, min(a + rng.uniform(2.0, 6.0), t + length), -8.0)
        t += length + rng.uniform(2.0, 48.0)
    return curve


def state_at(y, o):
    """(state, size, age) of a series at origin `o`: busy with the largest of the running
    job's last 24 hours (a node may be out), or idle."""
    busy = y[o - 1] > 0
    age = 0
    while o - 1 - age >= 0 and (y[o - 1 - age] > 0) == busy:
        age += 1
    if busy:
        return "busy", max(y[max(o - age, o - 24):o]), age
    return "idle", 0.0, age


def quantile(sorted_values, p):
    """Linear-interpolated quantile of a sorted list."""
    x = p * (len(sorted_values) - 1)
    i = int(x)
    j = min(i + 1, len(sorted_values) - 1)
    return sorted_values[i] + (sorted_values[j] - sorted_values[i]) * (x - i)


def main(demand_csv, origins, sims, seed):
    series = collections.defaultdict(list)
    with open(demand_csv, newline="") as f:
        for row in csv.DictReader(f):
            if row["workload"].startswith("train-"):
                series[row["workload"]].append(float(row["gpus"]))
    if not series:
        sys.exit(f"{demand_csv}: no workload named train-*")
    hours = len(next(iter(series.values())))
    rng = random.Random(seed)
    err = {"oracle": 0.0, "naive": 0.0}
    actual_total, covered, scored = 0.0, 0, 0
    for k in range(origins):
        o = hours - WEEK - (origins - 1 - k) * 24
        if o < WEEK:
            sys.exit(f"{origins} origins need {WEEK * 2 + (origins - 1) * 24} hours")
        fleet = [[0.0] * WEEK for _ in range(sims)]
        fleet_actual = [0.0] * WEEK
        for y in series.values():
            state = state_at(y, o)
            week = sum(y[o:o + WEEK])
            mean = 0.0
            for s in range(sims):
                path = future(rng, *state)
                mean += sum(path) / sims
                for h, v in enumerate(path):
                    fleet[s][h] += v
            for h in range(WEEK):
                fleet_actual[h] += y[o + h]
            actual_total += week
            err["oracle"] += abs(mean - week)
            err["naive"] += abs(sum(y[o - WEEK:o]) - week)
        for h in range(WEEK):
            totals = sorted(f[h] for f in fleet)
            covered += quantile(totals, 0.1) <= fleet_actual[h] <= quantile(totals, 0.9)
            scored += 1
    print(f"training workloads: {len(series)}, origins: {origins}, futures: {sims}")
    print(f"weekly WAPE  oracle mean {err['oracle'] / actual_total:.3f}"
          f"  seasonal-naive {err['naive'] / actual_total:.3f}"
          f"  ratio {err['oracle'] / err['naive']:.3f}")
    print(f"training-fleet P10-P90 coverage of the oracle's bands {100 * covered / scored:.1f}%")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4, 5):
        sys.exit(__doc__.split("\n\n")[1])
    main(sys.argv[1], int(sys.argv[2]),
         int(sys.argv[3]) if len(sys.argv) > 3 else 1000,
         int(sys.argv[4]) if len(sys.argv) > 4 else 7)
