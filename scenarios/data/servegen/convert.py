"""ServeGen requests per hour -> GPUs per hour (the demand gpuplan reads).

Assumption (stated, not from the trace): each model is served by replicas of a fixed size with
a fixed sustainable throughput, and the fleet is provisioned for the busiest 10 minutes of each
hour: replicas = ceil(peak_10min_rps / rps_per_replica), gpus = replicas x gpus_per_replica.
Only the three language models with 14 days of data are used.

Run: python3 convert.py  (reads requests_hourly.csv, writes demand.csv)
"""
import csv, math, os

HERE = os.path.dirname(os.path.abspath(__file__))
# model: (GPUs per replica, sustainable requests/s per replica)
REPLICA = {
    "m-large": (8, 20.0),   # 8 x H100 tensor-parallel replica
    "m-mid": (2, 12.0),     # 2 x A100-80GB
    "m-small": (1, 8.0),    # 1 x L4
}
rows = []
with open(os.path.join(HERE, "requests_hourly.csv")) as f:
    for r in csv.DictReader(f):
        if r["workload"] not in REPLICA:
            continue
        g, rps = REPLICA[r["workload"]]
        replicas = math.ceil(float(r["peak_10min_rps"]) / rps) if float(r["peak_10min_rps"]) > 0 else 0
        rows.append((r["timestamp"], r["workload"], replicas * g))
rows.sort()
with open(os.path.join(HERE, "demand.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["timestamp", "workload", "gpus"])
    for t, m, g in rows:
        w.writerow([t, m, g])
