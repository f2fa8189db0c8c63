#!/usr/bin/env python3
"""The fleet-hour band coverage of a rolling-origin forecast and its standard error, as
docs/forecast.md ("How precisely one trace can score a fleet band") measures them.

Usage: python3 scripts/fleet_coverage_se.py DEMAND_CSV FORECAST_CSV

DEMAND_CSV is the scenario's demand (timestamp,workload,gpus); FORECAST_CSV is written by
`gpuplan forecast SCENARIO --holdout 7d --origins N --step 24h --csv FILE`. Per origin, the
share of its held-out hours whose actual fleet total lies within the fleet rows' (workload
`*`) P10-P90; the trace's coverage is their mean. Consecutive daily origins share six of
their seven held-out days, so the standard error is Newey-West's with Bartlett weights over
lags 1-6.
"""
import collections
import csv
import math
import sys


def main(demand_csv, forecast_csv):
    actual = collections.defaultdict(float)
    with open(demand_csv, newline="") as f:
        for row in csv.DictReader(f):
            actual[row["timestamp"]] += float(row["gpus"])
    per_origin = collections.defaultdict(lambda: [0, 0])
    with open(forecast_csv, newline="") as f:
        for row in csv.DictReader(f):
            if row["workload"] != "*":
                continue
            a = actual[row["timestamp"]]
            c = per_origin[row["origin"]]
            c[0] += 1
            c[1] += float(row["p10"]) <= a <= float(row["p90"])
    x = [inside / hours for _, (hours, inside) in sorted(per_origin.items())]
    n = len(x)
    if n == 0:
        sys.exit(f"{forecast_csv}: no fleet rows (workload '*')")
    mean = sum(x) / n
    d = [v - mean for v in x]
    var = sum(v * v for v in d) / n
    for lag in range(1, min(7, n)):
        var += 2 * (1 - lag / 7) * sum(d[i] * d[i + lag] for i in range(n - lag)) / n
    se = math.sqrt(max(var, 0.0) / n)
    print(f"origins {n}  fleet-hour coverage {100 * mean:.1f}%  standard error {100 * se:.1f} points")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
