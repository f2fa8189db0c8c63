//! Time aggregation is exact when every distinct hour keeps its own bucket: on random tiny
//! instances whose hours repeat, the bucketed model (fewer buckets than hours) reaches the
//! full-resolution optimum, and its plan re-prices to the same cost.

mod common;
use common::*;
use gpuplan::engine::{plan as plan_at, plan_full_resolution};
use gpuplan::ingest::scenario::Resolution;

const GPUS: &[Gpu] = &[Gpu("G16", 16.0, 1.0, 1.0), Gpu("G80", 80.0, 1.5, 1.5)];

#[test]
fn one_bucket_per_distinct_hour_is_the_full_resolution_optimum() {
    for seed in 0..8u64 {
        // Three distinct hour patterns repeated over 12 hours, two workloads.
        let a = [1.0, 2.5, 0.0];
        let b = [2.0, 0.5, 3.0];
        let rot = seed as usize % 3;
        let da: Vec<f64> = (0..12)
            .map(|i| a[(i + rot) % 3] * (1.0 + seed as f64 / 10.0))
            .collect();
        let db: Vec<f64> = (0..12).map(|i| b[(i * 7 + rot) % 3]).collect();
        let case = Case {
            gpus: GPUS,
            offerings: &[
                Off("tst1.xlarge", "G16", 1, 3.0 + seed as f64 * 0.1, Some(1.2), 5.0),
                Off("tst2.xlarge", "G80", 1, 4.0, None, 0.0),
            ],
            offers: &[
                Offer("ri1", "unit", "instance_type", "tst1.xlarge", 35.0),
                Offer("sp", "spend", "family", "tst2", 25.0),
            ],
            workloads: &[
                (
                    "a",
                    "class = \"training\"\ncurrent_gpu = \"G16\"\ninterruptible = true\nmax_spot_share = 0.5",
                ),
                ("b", "class = \"inference\"\ncurrent_gpu = \"G80\""),
            ],
            demand: &[("a", da), ("b", db)],
            owned: None,
            extra: "",
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let inp = load(dir.path(), &case);
        let full = plan_full_resolution(&inp, &exact());
        let agg = plan_at(&inp, &exact(), Resolution::Buckets(3));
        assert!(agg.buckets <= 3, "seed {seed}: {} buckets", agg.buckets);
        let (fo, ao) = (
            full.outcome.objective.expect("full"),
            agg.outcome.objective.expect("agg"),
        );
        assert!(close(fo, ao), "seed {seed}: full {fo} vs bucketed {ao}");
        assert!(close(evaluated(&full), evaluated(&agg)), "seed {seed}");
    }
}

#[test]
fn too_few_buckets_never_beat_the_full_optimum_after_re_pricing() {
    // With 2 buckets for 3 distinct hours the model is an approximation; its plan, re-priced
    // hour by hour, cannot cost less than the full-resolution optimum.
    let case = Case {
        gpus: GPUS,
        offerings: &[Off("tst1.xlarge", "G16", 1, 3.0, None, 0.0)],
        offers: &[Offer("ri1", "unit", "instance_type", "tst1.xlarge", 35.0)],
        workloads: &[("a", "class = \"training\"\ncurrent_gpu = \"G16\"")],
        demand: &[("a", (0..24).map(|i| [1.0, 2.0, 4.0][i % 3]).collect())],
        owned: None,
        extra: "",
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load(dir.path(), &case);
    let full = plan_full_resolution(&inp, &exact());
    let agg = plan_at(&inp, &exact(), Resolution::Buckets(2));
    assert!(evaluated(&agg) >= evaluated(&full) - 1e-6);
}
