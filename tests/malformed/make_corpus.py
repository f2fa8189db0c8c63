#!/usr/bin/env python3
"""Regenerates the malformed-input corpus (one directory per case). The committed files are
the source of truth; this script only documents how they were made (some hold raw non-UTF-8
bytes). Running it deletes and rewrites every case directory next to it."""
import os, shutil
ROOT = os.path.dirname(os.path.abspath(__file__))
SCEN = 'demand = "demand.csv"\nworkloads = "workloads.toml"\n'
SCEN_C = SCEN + 'commitments = "commitments.csv"\n'
DEMAND = ("timestamp,workload,gpus\n"
          "2026-01-01T00:00:00Z,a,1\n"
          "2026-01-01T01:00:00Z,a,2\n"
          "2026-01-01T02:00:00Z,a,3\n"
          "2026-01-01T03:00:00Z,a,4\n")
def demand_with(line, text):
    ls = DEMAND.splitlines(keepends=True)
    ls[line - 1] = text + "\n"
    return "".join(ls)
WL = '[defaults]\ncurrent_gpu = "A100-80GB"\n\n[workloads.a]\nclass = "training"\n'
COMMIT_OK = "aws-ri-p5.48xlarge-us-east-1-3y-no_upfront,2,2026-01-01,2029-01-01\n"
COMMIT_HDR = "offer_id,quantity_or_hourly,start,end\n"
OFF_HDR = "cloud,region,instance_type,gpu_model,gpus,on_demand_hourly,spot_hourly,spot_interruption_pct,capacity_limit,price_date,source\n"
OFF_OK = "aws,us-east-1,p5.48xlarge,H100,8,50.00,28.106,7.5,,2026-11-01,user quote\n"
OFR_HDR = "id,cloud,kind,term_months,payment,match,match_value,region,discount_pct,upfront_fraction,price_date,source\n"

cases = {}
def case(name, expect_file, marker, scenario=SCEN, demand=DEMAND, workloads=WL, commitments=None, catalog=None, raw=None):
    files = {"scenario.toml": scenario, "demand.csv": demand, "workloads.toml": workloads}
    if commitments is not None:
        files["commitments.csv"] = commitments
    if catalog:
        for k, v in catalog.items():
            files["catalog/" + k] = v
    if raw:
        files.update(raw)
    files["expect.txt"] = f"{expect_file}\n{marker}\n"
    cases[name] = files

# --- demand.csv -------------------------------------------------------------------------
case("demand_bad_timestamp", "demand.csv", "demand.csv:3:1:", demand=demand_with(3, "2026-01-01T0X:00:00Z,a,2"))
case("demand_timestamp_not_on_hour", "demand.csv", "demand.csv:4:1:", demand=demand_with(4, "2026-01-01T02:30:00Z,a,3"))
case("demand_timestamp_no_zone", "demand.csv", "demand.csv:3:1:", demand=demand_with(3, "2026-01-01T01:00:00,a,2"))
case("demand_negative_gpus", "demand.csv", "demand.csv:3:3:", demand=demand_with(3, "2026-01-01T01:00:00Z,a,-2"))
case("demand_nan_gpus", "demand.csv", "demand.csv:4:3:", demand=demand_with(4, "2026-01-01T02:00:00Z,a,NaN"))
case("demand_inf_gpus", "demand.csv", "demand.csv:5:3:", demand=demand_with(5, "2026-01-01T03:00:00Z,a,inf"))
case("demand_non_numeric_gpus", "demand.csv", "demand.csv:2:3:", demand=demand_with(2, "2026-01-01T00:00:00Z,a,two"))
case("demand_duplicate_row", "demand.csv", "demand.csv:4:", demand=demand_with(4, "2026-01-01T00:00:00Z,a,3"))
case("demand_missing_column", "demand.csv", "demand.csv:1:",
     demand="timestamp,gpus\n2026-01-01T00:00:00Z,1\n2026-01-01T01:00:00Z,2\n")
case("demand_empty_file", "demand.csv", "demand.csv: ", demand="")
case("demand_header_only", "demand.csv", "demand.csv: ", demand="timestamp,workload,gpus\n")
case("demand_wrong_field_count", "demand.csv", "demand.csv:3:", demand=demand_with(3, "2026-01-01T01:00:00Z,a,2,extra"))
case("demand_empty_workload", "demand.csv", "demand.csv:4:2:", demand=demand_with(4, "2026-01-01T02:00:00Z,,3"))
case("demand_non_utf8", "demand.csv", "demand.csv:3:2:", demand=None,
     raw={"demand.csv": DEMAND.encode().replace(b"01:00:00Z,a,2", b"01:00:00Z,a\xff,2")})

# --- workloads.toml ---------------------------------------------------------------------
case("workloads_non_utf8", "workloads.toml", "workloads.toml:5:", workloads=None,
     raw={"workloads.toml": WL.encode().replace(b'class = "training"', b'class = "training" # caf\xff')})
case("workloads_unknown_key", "workloads.toml", "workloads.toml:6:", workloads=WL + "interuptible = true\n")
case("workloads_unknown_top_level_key", "workloads.toml", "workloads.toml:1:", workloads="version = 2\n" + WL)
case("workloads_unknown_gpu", "workloads.toml", "workloads.toml:2: field 'defaults.current_gpu'",
     workloads=WL.replace('"A100-80GB"', '"A100"'))
case("workloads_spot_share_string", "workloads.toml", "workloads.toml:7: field 'workloads.a.max_spot_share'",
     workloads=WL + 'interruptible = true\nmax_spot_share = "0.5"\n')
case("workloads_class_integer", "workloads.toml", "workloads.toml:5: field 'workloads.a.class'",
     workloads=WL.replace('class = "training"', "class = 1"))
case("workloads_spot_share_above_one", "workloads.toml", "workloads.toml:7: field 'workloads.a.max_spot_share'",
     workloads=WL + "interruptible = true\nmax_spot_share = 1.5\n")
case("workloads_defaults_spot_share_above_one", "workloads.toml", "workloads.toml:4: field 'defaults.max_spot_share'",
     workloads='[defaults]\ncurrent_gpu = "A100-80GB"\ninterruptible = true\nmax_spot_share = 2.0\n\n[workloads.a]\nclass = "training"\n')
case("workloads_spot_share_not_interruptible", "workloads.toml", "workloads.toml:6: field 'workloads.a.max_spot_share'",
     workloads=WL + "max_spot_share = 0.5\n")
case("workloads_bad_class", "workloads.toml", "workloads.toml:5: field 'workloads.a.class'",
     workloads=WL.replace('"training"', '"trainng"'))
case("workloads_missing_current_gpu", "workloads.toml", "field 'defaults.current_gpu'",
     workloads='[defaults]\nteam = "ml"\n\n[workloads.a]\nclass = "training"\n')
case("workloads_unknown_cloud", "workloads.toml", "workloads.toml:6: field 'workloads.a.allowed_clouds'",
     workloads=WL + 'allowed_clouds = ["aws", "azur"]\n')
case("workloads_bad_scale_to_zero", "workloads.toml", "workloads.toml:6: field 'workloads.a.scale_to_zero'",
     workloads=WL + 'scale_to_zero = ["22:00-6"]\n')
case("workloads_toml_syntax_error", "workloads.toml", "workloads.toml:5:",
     workloads=WL.replace('class = "training"', 'class = "training'))

# --- scenario.toml ----------------------------------------------------------------------
case("scenario_missing_demand", "scenario.toml", "scenario.toml: field 'demand'", scenario='workloads = "workloads.toml"\n')
case("scenario_unknown_key", "scenario.toml", "scenario.toml:3:", scenario=SCEN + 'horizon = "2h"\n')
case("scenario_missing_demand_file", "demand_2026.csv", "demand_2026.csv: ",
     scenario=SCEN.replace('"demand.csv"', '"demand_2026.csv"'))
case("scenario_toml_syntax_error", "scenario.toml", "scenario.toml:1:", scenario=SCEN.replace('"demand.csv"', "demand.csv"))
case("scenario_window_start_outside_history", "scenario.toml", "scenario.toml:5: field 'window.start'",
     scenario=SCEN + '\n[window]\nstart = "2025-12-31T22:00:00Z"\nend = "2026-01-01T02:00:00Z"\n')
case("scenario_window_end_outside_history", "scenario.toml", "scenario.toml:6: field 'window.end'",
     scenario=SCEN + '\n[window]\nstart = "2026-01-01T01:00:00Z"\nend = "2026-01-01T08:00:00Z"\n')
case("scenario_lookback_longer_than_history", "scenario.toml", "scenario.toml:5: field 'window.lookback'",
     scenario=SCEN + '\n[window]\nlookback = "2d"\n')
case("scenario_bad_lookback_duration", "scenario.toml", "scenario.toml:5: field 'window.lookback'",
     scenario=SCEN + '\n[window]\nlookback = "2 weeks"\n')
# Found by the scenario fuzz target: a multi-byte last character panicked the duration parser.
case("scenario_lookback_multibyte_unit", "scenario.toml", "scenario.toml:5: field 'window.lookback'",
     scenario=SCEN + '\n[window]\nlookback = "7d\u00e9"\n')
case("scenario_bad_solver_method", "scenario.toml", "scenario.toml:5: field 'solver.method'",
     scenario=SCEN + '\n[solver]\nmethod = "fastest"\n')

# --- commitments.csv --------------------------------------------------------------------
case("commitments_unknown_offer", "commitments.csv", "commitments.csv:3:1:", scenario=SCEN_C,
     commitments=COMMIT_HDR + COMMIT_OK + "aws-ri-p5.48xlarge-us-east-1-3y-no-upfront,1,2026-01-01,2029-01-01\n")
case("commitments_fractional_unit_quantity", "commitments.csv", "commitments.csv:3:2:", scenario=SCEN_C,
     commitments=COMMIT_HDR + COMMIT_OK + "aws-ri-p4d.24xlarge-us-east-1-1y-no_upfront,1.5,2026-01-01,2027-01-01\n")
case("commitments_end_before_start", "commitments.csv", "commitments.csv:3:4:", scenario=SCEN_C,
     commitments=COMMIT_HDR + COMMIT_OK + "aws-ri-p4d.24xlarge-us-east-1-1y-no_upfront,1,2026-06-01,2026-01-01\n")
case("commitments_bad_date", "commitments.csv", "commitments.csv:3:3:", scenario=SCEN_C,
     commitments=COMMIT_HDR + COMMIT_OK + "aws-ri-p4d.24xlarge-us-east-1-1y-no_upfront,1,2026-13-01,2027-01-01\n")

# --- catalog override (catalog/) --------------------------------------------------------
case("catalog_offering_unknown_gpu", "offerings.csv", "offerings.csv:3:",
     catalog={"offerings.csv": OFF_HDR + OFF_OK + "aws,us-east-1,p9.48xlarge,H300,8,80,,,,2026-11-01,user quote\n"})
case("catalog_spot_not_below_on_demand", "offerings.csv", "offerings.csv:3:7:",
     catalog={"offerings.csv": OFF_HDR + OFF_OK + "aws,us-east-1,g6.xlarge,L4,1,0.80,0.95,5,,2026-11-01,user quote\n"})
case("catalog_missing_price_date", "offerings.csv", "offerings.csv:3:10:",
     catalog={"offerings.csv": OFF_HDR + OFF_OK + "aws,us-east-1,g6.xlarge,L4,1,0.80,0.35,5,,,user quote\n"})
case("catalog_unknown_column", "offerings.csv", "offerings.csv:1:12:",
     catalog={"offerings.csv": OFF_HDR.replace("source\n", "source,notes\n") + OFF_OK.replace("quote\n", "quote,negotiated\n")})
case("catalog_discount_100", "commitment_offers.csv", "commitment_offers.csv:2:9:",
     catalog={"commitment_offers.csv": OFR_HDR + "my-sp,aws,spend,12,no_upfront,family,p5,us-east-1,100,0,2026-11-01,user quote\n"})
case("catalog_commitment_matches_no_offering", "commitment_offers.csv", "commitment_offers.csv:2:",
     catalog={"commitment_offers.csv": OFR_HDR + "my-ri,aws,unit,12,no_upfront,instance_type,p9.48xlarge,us-east-1,40,0,2026-11-01,user quote\n"})

# --- cross-checks and edge cases --------------------------------------------------------
case("workloads_current_offering_gpu_mismatch", "workloads.toml", "workloads.toml:6: field 'workloads.a.current_offering'",
     workloads=WL + 'current_offering = "p5.48xlarge"\n')
case("workloads_defaults_current_offering_mismatch", "workloads.toml", "workloads.toml:3: field 'defaults.current_offering'",
     demand="timestamp,workload,gpus\n2026-01-01T00:00:00Z,a,1\n2026-01-01T00:00:00Z,b,1\n2026-01-01T01:00:00Z,a,2\n2026-01-01T01:00:00Z,b,2\n",
     workloads='[defaults]\ncurrent_gpu = "A100-80GB"\ncurrent_offering = "p5.48xlarge"\n\n[workloads.a]\nclass = "training"\n')
case("scenario_mask_covers_window", "scenario.toml", "scenario.toml:5: field 'window.mask'",
     scenario=SCEN + '\n[window]\nmask = [{ start = "2026-01-01T00:00:00Z", end = "2026-01-01T04:00:00Z", reason = "outage" }]\n')
case("scenario_lookback_huge", "scenario.toml", "scenario.toml:5: field 'window.lookback'",
     scenario=SCEN + '\n[window]\nlookback = "9999999999999999d"\n')

# --- plausibility bounds (issue 14: magnitudes a real fleet never reaches) ---------------
GPU_HDR = "gpu_model,memory_gb,bf16_tflops,memory_bandwidth_gbps,training_perf,inference_perf,source\n"
case("demand_gpus_1e300", "demand.csv", "demand.csv:4:3:", demand=demand_with(4, "2026-01-01T02:00:00Z,a,1e300"))
case("demand_gpus_denormal", "demand.csv", "demand.csv:2:3:", demand=demand_with(2, "2026-01-01T00:00:00Z,a,5e-324"))
case("demand_gpus_above_bound", "demand.csv", "demand.csv:3:3:", demand=demand_with(3, "2026-01-01T01:00:00Z,a,1000001"))
case("demand_gpus_overflowing_exponent", "demand.csv", "demand.csv:5:3:", demand=demand_with(5, "2026-01-01T03:00:00Z,a,1e400"))
case("workloads_overhead_pct_1e308", "workloads.toml", "workloads.toml:6: field 'workloads.a.overhead_pct'",
     workloads=WL + "overhead_pct = 1e308\n")
case("workloads_storage_1e300", "workloads.toml", "workloads.toml:3: field 'defaults.storage_per_gpu_hour'",
     workloads='[defaults]\ncurrent_gpu = "A100-80GB"\nstorage_per_gpu_hour = 1e300\n\n[workloads.a]\nclass = "training"\n')
case("workloads_egress_above_bound", "workloads.toml", "workloads.toml:6: field 'workloads.a.egress_per_gpu_hour'",
     workloads=WL + "egress_per_gpu_hour = 5000.0\n")
case("workloads_memory_above_bound", "workloads.toml", "workloads.toml:6: field 'workloads.a.min_gpu_memory_gb'",
     workloads=WL + "min_gpu_memory_gb = 1e6\n")
case("workloads_gpus_per_replica_above_bound", "workloads.toml", "workloads.toml:6: field 'workloads.a.gpus_per_replica'",
     workloads=WL + "gpus_per_replica = 100000\n")
case("workloads_shiftable_hours_above_bound", "workloads.toml", "workloads.toml:6: field 'workloads.a.shiftable_hours'",
     workloads=WL + "shiftable_hours = 100000\n")
case("workloads_absent_overhead_1e308", "workloads.toml", "workloads.toml:8: field 'workloads.b.overhead_pct'",
     workloads=WL + '\n[workloads.b]\noverhead_pct = 1e308\n')
case("scenario_growth_1e300", "scenario.toml", "scenario.toml:5: field 'growth.annual_pct'",
     scenario=SCEN + '\n[growth]\nannual_pct = 1e300\n')
case("scenario_growth_minus_100", "scenario.toml", "scenario.toml:5: field 'growth.annual_pct'",
     scenario=SCEN + '\n[growth]\nannual_pct = -100\n')
case("scenario_max_upfront_above_bound", "scenario.toml", "scenario.toml:5: field 'caps.max_upfront'",
     scenario=SCEN + '\n[caps]\nmax_upfront = 1e13\n')
case("scenario_max_committed_share_above_one", "scenario.toml", "scenario.toml:5: field 'caps.max_committed_share'",
     scenario=SCEN + '\n[caps]\nmax_committed_share = 1.5\n')
case("scenario_max_cvar_above_bound", "scenario.toml", "scenario.toml:5: field 'risk.max_cvar'",
     scenario=SCEN + '\n[risk]\nmax_cvar = 1e300\n')
case("scenario_time_limit_above_bound", "scenario.toml", "scenario.toml:5: field 'solver.time_limit_seconds'",
     scenario=SCEN + '\n[solver]\ntime_limit_seconds = 1e9\n')
case("scenario_threads_above_bound", "scenario.toml", "scenario.toml:5: field 'solver.threads'",
     scenario=SCEN + '\n[solver]\nthreads = 100000\n')
case("scenario_terms_above_bound", "scenario.toml", "scenario.toml:5: field 'instruments.terms_months'",
     scenario=SCEN + '\n[instruments]\nterms_months = [12, 1200]\n')
case("scenario_forecast_scenarios_zero", "scenario.toml", "scenario.toml:5: field 'forecast.scenarios'",
     scenario=SCEN + '\n[forecast]\nscenarios = 0\n')
case("scenario_workloads_missing_file", "workloads_v2.toml", "field 'workloads' of",
     scenario=SCEN.replace('"workloads.toml"', '"workloads_v2.toml"'))
case("commitments_quantity_above_bound", "commitments.csv", "commitments.csv:3:2:", scenario=SCEN_C,
     commitments=COMMIT_HDR + COMMIT_OK + "aws-ri-p4d.24xlarge-us-east-1-1y-no_upfront,10000000,2026-01-01,2027-01-01\n")
case("commitments_spend_above_bound", "commitments.csv", "commitments.csv:3:2:", scenario=SCEN_C,
     commitments=COMMIT_HDR + COMMIT_OK + "aws-csp-1y-no_upfront,1e300,2026-01-01,2027-01-01\n")
case("catalog_on_demand_above_bound", "offerings.csv", "offerings.csv:3:6:",
     catalog={"offerings.csv": OFF_HDR + OFF_OK + "aws,us-east-1,g6.xlarge,L4,1,1e300,,,,2026-11-01,user quote\n"})
case("catalog_gpus_per_instance_above_bound", "offerings.csv", "offerings.csv:3:5:",
     catalog={"offerings.csv": OFF_HDR + OFF_OK + "aws,us-east-1,g6.xlarge,L4,4096,0.80,,,,2026-11-01,user quote\n"})
case("catalog_capacity_above_bound", "offerings.csv", "offerings.csv:3:9:",
     catalog={"offerings.csv": OFF_HDR + OFF_OK + "aws,us-east-1,g6.xlarge,L4,1,0.80,,,1e300,2026-11-01,user quote\n"})
case("catalog_gpu_memory_above_bound", "gpus.csv", "gpus.csv:2:2:",
     catalog={"gpus.csv": GPU_HDR + "X100,1e300,1000,3350,1,1,user\n"})
case("catalog_perf_ratio_above_bound", "gpus.csv", "gpus.csv:2:5:",
     catalog={"gpus.csv": GPU_HDR + "X100,80,1000,3350,1e9,1,user\n"})
case("catalog_term_above_bound", "commitment_offers.csv", "commitment_offers.csv:2:4:",
     catalog={"commitment_offers.csv": OFR_HDR + "my-sp,aws,spend,1200,no_upfront,family,p5,us-east-1,30,0,2026-11-01,user quote\n"})

# Only the cases defined here are rewritten: cases added by hand (the committed files are the
# source of truth) stay.
for name in cases:
    p = os.path.join(ROOT, name)
    if os.path.isdir(p):
        shutil.rmtree(p)
for name, files in cases.items():
    for rel, content in files.items():
        if content is None:
            continue
        path = os.path.join(ROOT, name, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content if isinstance(content, bytes) else content.encode())
print(len(cases))
