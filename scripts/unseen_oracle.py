#!/usr/bin/env python3
"""What a forecaster that knew the generator's own law would score on a fleet of
`scripts/unseen_traces.py`, as docs/forecast.md ("How low a weekly error can go") reports it.

Usage: python3 scripts/unseen_oracle.py KIND SEED DAYS ORIGINS

KIND, SEED and DAYS are the generator's (the same fleet, regenerated with its hidden state);
ORIGINS the number of rolling daily origins, the last one a week before the end of the
history, as with `gpuplan forecast SCENARIO --holdout 7d --origins ORIGINS --step 24h`.

For every origin and workload the oracle forecasts the week after the origin by the
conditional expectation of the generator given everything up to the origin: its parameters
(rates, trends, the daily and weekly shapes) and its hidden state at the last history hour
(the random-walk level of a DLRM-like workload, the burst of an image-generation workload,
the requests a sparse serving workload holds). No forecast can do better on average; it
still errs by the noise still to come. It prints the per-workload weekly GPU-hours WAPE
(sum over workloads and origins of |forecast - actual| over the sum of actuals) of:

- the oracle;
- seasonal-naive (last week's total, the baseline of `gpuplan forecast`);
- the mean of every whole week of history before the origin (the oldest partial week left
  out), the best a forecaster can do on a fixed weekly pattern plus independent noise
  without knowing the pattern;

and each one's ratio to seasonal-naive.

This script mirrors the generator's law by hand: if a generator changes, change it too.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import unseen_traces  # noqa: E402  (the generator, next to this script)

WEEK = 168


def dlrm_mean(p, level, last, h):
    """E[GPUs at hour h] given the random-walk level at hour `last` (one step a day)."""
    steps = h // 24 - last // 24
    grown = level + steps * p["drift"] + steps * p["step"] ** 2 / 2
    diurnal = 1 + p["amp"] * math.cos(2 * math.pi * (h % 24 - p["peak"]) / 24)
    weekend = p["weekend"] if (h // 24) % 7 >= 5 else 1.0
    return p["base"] * math.exp(grown) * diurnal * weekend


def image_means(p, burst, last, hours):
    """E[GPUs] at hours last+1 .. last+hours given the burst at hour `last`: a burst ends
    with odds 1/30 an hour; an idle workload starts one with odds 1/500 (mild) or 1/200, of
    mean size 1.25 or 5."""
    start, size = (1 / 500, 1.25) if p["mild"] else (1 / 200, 5.0)
    idle, mean_burst = (0.0, burst) if burst > 0 else (1.0, 0.0)
    out = []
    for h in range(last + 1, last + 1 + hours):
        mean_burst, idle = mean_burst * 29 / 30 + idle * start * size, idle * (1 - start) + (1 - idle) / 30
        hod = h % 24
        diurnal = 0.3 + 1.4 * max(0.0, math.sin(math.pi * (hod - 7) / 14)) if 7 <= hod <= 21 else 0.3
        weekend = 0.6 if (h // 24) % 7 >= 5 else 1.0
        out.append(p["rate"] * diurnal * weekend * (1 + mean_burst))
    return out


def sparse_rate(p, h):
    """The Poisson arrival rate of requests at hour h."""
    hod = h % 24
    diurnal = 0.2 + 1.6 * max(0.0, math.sin(math.pi * (hod - 6) / 16)) if 6 <= hod <= 22 else 0.2
    weekend = 0.5 if (h // 24) % 7 >= 5 else 1.0
    return p["rate"] * diurnal * weekend * math.exp(p["trend"] * h / 24)


def sparse_mean(p, held, origin, h):
    """E[GPUs at hour h >= origin]: the requests held at the origin that are still running,
    plus arrivals from the origin on, each held 1-4 hours (so still running k hours after its
    arrival with odds (4 - k) / 4)."""
    still = sum(1 for end in held if end > h)
    fresh = sum(sparse_rate(p, j) * (4 - (h - j)) / 4 for j in range(max(origin, h - 3), h + 1))
    return still + fresh


def stationary_mean(p, h):
    """The fixed weekly pattern."""
    swing = 0.3 * math.sin(2 * math.pi * (h % 24) / 24 + p["phase"])
    weekday = 0.2 if (h // 24) % 7 < 5 else 0.0
    return p["level"] * (1 + swing + weekday)


def oracle_week(kind, state, origin):
    """The oracle's GPU-hours for the week after `origin`."""
    p, hourly, last = state["params"], state["hourly"], origin - 1
    hours = range(origin, origin + WEEK)
    if kind == "dlrm":
        return sum(dlrm_mean(p, hourly[last], last, h) for h in hours)
    if kind in ("imggen", "imgmild"):
        return sum(image_means(p, hourly[last], last, WEEK))
    if kind == "sparse":
        return sum(sparse_mean(p, hourly[last], origin, h) for h in hours)
    return sum(stationary_mean(p, h) for h in hours)


def main(argv):
    if len(argv) != 5 or argv[1] not in unseen_traces.KINDS:
        sys.exit(__doc__)
    try:
        kind, seed, days, origins = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    except ValueError:
        sys.exit(f"SEED, DAYS and ORIGINS must be whole numbers, got {argv[2:]}")
    states = {}
    rows, workloads = unseen_traces.generate(kind, seed, days, states)
    total = days * 24
    if origins < 1 or total - WEEK - 24 * (origins - 1) < WEEK:
        sys.exit(f"{days} days allow at most {(total - 2 * WEEK) // 24 + 1} origins with a week of fit")
    series = {name: [0.0] * total for name, _ in workloads}
    for h, name, v in rows:
        series[name][h] = float(v)
    err = {"oracle": 0.0, "seasonal_naive": 0.0, "mean_of_whole_weeks": 0.0}
    actual_sum = 0.0
    for k in range(origins):
        origin = total - WEEK - 24 * (origins - 1 - k)
        weeks = origin // WEEK
        for name, _ in workloads:
            y = series[name]
            actual = sum(y[origin:origin + WEEK])
            actual_sum += actual
            err["oracle"] += abs(oracle_week(kind, states[name], origin) - actual)
            err["seasonal_naive"] += abs(sum(y[origin - WEEK:origin]) - actual)
            err["mean_of_whole_weeks"] += abs(sum(y[origin - weeks * WEEK:origin]) / weeks - actual)
    naive = err["seasonal_naive"]
    print(f"{kind} seed {seed}, {days} days, {origins} origins, {len(workloads)} workloads")
    for name, e in err.items():
        print(f"  {name:20} WAPE {100 * e / actual_sum:6.2f}%   {e / naive:.3f} x naive")


if __name__ == "__main__":
    main(sys.argv)
