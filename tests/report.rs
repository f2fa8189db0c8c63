//! `gpuplan report`: every bundled scenario's plan becomes one self-contained HTML file whose
//! summary cards carry the plan JSON's numbers and whose charts have data; then a real
//! browser (Debian's chromium, headless) renders each page: no console message, every
//! chart present in the rendered DOM with drawn data, the cards' numbers equal to the JSON.
//! Without a browser the HTML checks still run and the browser part says it was skipped.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Plan fixtures of the bundled scenarios (tests/fixtures/report/SOURCE.txt) and the demand
/// history each was planned on.
const BUNDLED: [(&str, &str); 9] = [
    ("synthetic", "synthetic_fleet"),
    ("synthetic-no-spot", "synthetic_fleet"),
    ("synthetic-1y-only", "synthetic_fleet"),
    ("synthetic-forecast", "synthetic_fleet"),
    ("synthetic-forecast-averse", "synthetic_fleet"),
    ("synthetic-forecast-growth50", "synthetic_fleet"),
    ("helios", "helios_earth"),
    ("helios-forecast", "helios_earth"),
    ("servegen", "servegen"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join(format!("tests/fixtures/report/{name}.json"))
}

fn demand_of(data: &str) -> PathBuf {
    root().join(format!("scenarios/data/{data}/demand.csv"))
}

fn gpuplan(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gpuplan"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run gpuplan")
}

/// Runs `gpuplan report` and returns the HTML written.
fn report(plan: &Path, demand: Option<&Path>, compare: &[PathBuf], out: &Path) -> String {
    let mut args: Vec<&std::ffi::OsStr> = vec!["report".as_ref(), plan.as_os_str()];
    if let Some(d) = demand {
        args.extend(["--demand".as_ref(), d.as_os_str()]);
    }
    if !compare.is_empty() {
        args.push("--compare".as_ref());
        args.extend(compare.iter().map(|c| c.as_os_str()));
    }
    args.extend(["--out".as_ref(), out.as_os_str()]);
    let o = gpuplan(&args);
    assert!(
        o.status.success(),
        "gpuplan report {}: {}",
        plan.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read_to_string(out).expect("report written")
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("plan")).expect("plan JSON")
}

/// The value of attribute `name` in the tag text `tag`.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(&tag[i..i + tag[i..].find('"')?])
}

/// Summary cards: (data-field, data-value, shown value text).
fn cards(html: &str) -> Vec<(String, f64, String)> {
    let mut out = Vec::new();
    for part in html.split("<div class=\"card\"").skip(1) {
        let tag = &part[..part.find('>').expect("card tag")];
        let field = attr(tag, "data-field").expect("data-field").to_string();
        let value: f64 = attr(tag, "data-value")
            .expect("data-value")
            .parse()
            .expect("data-value is a number");
        let v = part.find("<div class=\"value\">").expect("value div") + 19;
        let shown = part[v..v + part[v..].find("</div>").expect("end")].to_string();
        out.push((field, value, shown));
    }
    out
}

/// `USD 1,234.56` → 1234.56; `58.5%` → 0.585.
fn parse_shown(s: &str) -> f64 {
    if let Some(p) = s.strip_suffix('%') {
        return p.parse::<f64>().expect("percentage") / 100.0;
    }
    let n = s.strip_prefix("USD ").expect("money with its currency");
    n.replace(',', "").parse().expect("money")
}

/// The cards the plan JSON implies, computed from the JSON alone: (field, value, is money).
fn expected_cards(doc: &Value) -> Vec<(&'static str, f64, bool)> {
    let c = &doc["costs"];
    let f = |v: &Value| v.as_f64().expect("number");
    let sum = |g: &dyn Fn(&Value) -> f64| -> f64 {
        doc["purchases"]
            .as_array()
            .expect("purchases")
            .iter()
            .map(g)
            .sum()
    };
    vec![
        ("costs.expected", f(&c["expected"]), true),
        (
            "costs.on_demand_baseline",
            f(&c["on_demand_baseline"]),
            true,
        ),
        (
            "costs.savings_vs_all_on_demand",
            f(&c["savings_vs_all_on_demand"]),
            true,
        ),
        ("costs.esr", f(&c["esr"]), false),
        ("costs.p90", f(&c["p90"]), true),
        ("costs.cvar", f(&c["cvar"]), true),
        (
            "purchases.upfront_cost",
            sum(&|p| f(&p["upfront_cost"])),
            true,
        ),
        (
            "purchases.total_owed",
            sum(&|p| f(&p["cost_in_window"]) + f(&p["liability_after_window"])),
            true,
        ),
    ]
}

/// Every card the JSON implies is there, with the JSON's number in its data and on screen.
fn assert_cards(html: &str, doc: &Value, what: &str) {
    let found = cards(html);
    for (field, v, money) in expected_cards(doc) {
        let (_, data, shown) = found
            .iter()
            .find(|c| c.0 == field)
            .unwrap_or_else(|| panic!("{what}: no card {field}"));
        assert!(
            (data - v).abs() <= 1e-6 * v.abs().max(1.0),
            "{what}: card {field} data {data} != JSON {v}"
        );
        let s = parse_shown(shown);
        let tol = if money { 0.006 } else { 0.0005 };
        let want = if money {
            (v * 100.0).round() / 100.0
        } else {
            v
        };
        assert!(
            (s - want).abs() <= tol,
            "{what}: card {field} shows {shown:?}, JSON {v}"
        );
    }
}

/// Charts: (data-chart id, figure HTML).
fn charts(html: &str) -> Vec<(String, String)> {
    html.split("<figure class=\"chart\"")
        .skip(1)
        .map(|part| {
            let tag = &part[..part.find('>').expect("figure tag")];
            let id = attr(tag, "data-chart").expect("data-chart").to_string();
            let body = part[..part.find("</figure>").expect("figure end")].to_string();
            (id, body)
        })
        .collect()
}

/// Drawn data marks in a chart's SVG: filled polygons with area, coloured rectangles with a
/// size (not the white background), circles.
fn data_marks(svg: &str) -> usize {
    let mut n = 0;
    for (tag_name, part) in ["<polygon", "<rect", "<circle"]
        .iter()
        .flat_map(|t| svg.split(t).skip(1).map(move |p| (*t, p)))
    {
        let tag = &part[..part.find('>').unwrap_or(part.len())];
        let fill = attr(tag, "fill").unwrap_or("none");
        if fill.eq_ignore_ascii_case("#FFFFFF") || fill == "none" {
            continue;
        }
        let drawn = match tag_name {
            "<polygon" => {
                let pts = attr(tag, "points").unwrap_or("");
                let ys: std::collections::BTreeSet<&str> = pts
                    .split_whitespace()
                    .filter_map(|p| p.split(',').nth(1))
                    .collect();
                pts.split_whitespace().count() >= 3 && ys.len() >= 2
            }
            "<rect" => {
                let size = |k| {
                    attr(tag, k)
                        .and_then(|v| v.parse::<f64>().ok())
                        .unwrap_or(0.0)
                };
                size("width") > 0.0 && size("height") > 0.0
            }
            _ => {
                attr(tag, "r")
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(0.0)
                    > 0.0
            }
        };
        n += usize::from(drawn);
    }
    n
}

/// The chart ids the plan implies (load charts are checked separately).
fn expected_charts(doc: &Value, compared: bool) -> Vec<&'static str> {
    let mut v = Vec::new();
    if doc["risk"]["scenarios"].as_u64().unwrap_or(1) > 1 {
        v.push("distribution");
    }
    if !doc["costs"]["demand_minus_20pct"].is_null() {
        v.push("sensitivity");
    }
    let n = |k: &str| doc[k].as_array().map_or(0, Vec::len);
    if n("purchases") + n("owned_commitments") > 0 {
        v.push("ladder");
    }
    if compared {
        v.push("compare");
    }
    v
}

/// Charts present, each with data; at least one load chart when demand was given.
fn assert_charts(html: &str, doc: &Value, compared: bool, what: &str) {
    let found = charts(html);
    for id in expected_charts(doc, compared) {
        assert!(
            found.iter().any(|c| c.0 == id),
            "{what}: chart {id} missing"
        );
    }
    assert!(
        found.iter().any(|c| c.0 == "load-0"),
        "{what}: no load chart"
    );
    for (id, body) in &found {
        assert!(body.contains("<svg"), "{what}: chart {id} has no SVG");
        assert!(data_marks(body) > 0, "{what}: chart {id} draws no data");
    }
    assert!(
        !html.contains("could not be drawn"),
        "{what}: a chart failed"
    );
}

/// Self-contained and clean: no script, no external resource, no NaN/null/infinity.
fn assert_self_contained(html: &str, what: &str) {
    for bad in [
        "<script", " src=", " href=", "url(", "NaN", "null", "Infinity", "inf ",
    ] {
        assert!(!html.contains(bad), "{what}: contains {bad:?}");
    }
    let http = html.matches("http").count();
    let svg_ns = html.matches("http://www.w3.org/2000/svg").count();
    assert_eq!(http, svg_ns, "{what}: a link other than the SVG namespace");
}

/// The headless browser (`GPUPLAN_BROWSER`, else Debian's chromium), or `None` with a message
/// that the browser checks are skipped (also with `GPUPLAN_BROWSER=none`).
fn browser() -> Option<PathBuf> {
    let chosen = std::env::var_os("GPUPLAN_BROWSER");
    if chosen.as_deref() == Some("none".as_ref()) {
        return skipped("GPUPLAN_BROWSER=none");
    }
    let candidates = chosen.map(PathBuf::from).into_iter().chain(
        [
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome",
        ]
        .map(PathBuf::from),
    );
    for c in candidates {
        if c.is_file() {
            return Some(c);
        }
    }
    skipped(
        "no chromium found (/usr/bin/chromium; install Debian's `chromium` or set GPUPLAN_BROWSER)",
    )
}

/// Says the browser checks are skipped, on the real stderr (not the test harness's capture,
/// so that a CI log shows it).
fn skipped(why: &str) -> Option<PathBuf> {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED browser checks: {why}");
    None
}

/// What the browser made of a page: the DOM after load and its console messages.
struct Rendered {
    dom: String,
    console: Vec<String>,
}

/// Runs the browser headless on `page` with a fresh profile: `--dump-dom`, or a screenshot.
fn run_browser(browser: &Path, page: &Path, screenshot: Option<&Path>) -> Rendered {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()));
    match screenshot {
        Some(png) => cmd
            .arg(format!("--screenshot={}", png.display()))
            .arg("--window-size=1400,3000"),
        None => cmd.arg("--dump-dom"),
    };
    // Output goes to files, not pipes: a page's DOM is larger than a pipe's buffer.
    let out_path = profile.path().join("stdout.txt");
    let err_path = profile.path().join("stderr.txt");
    let file = |p: &Path| Stdio::from(std::fs::File::create(p).expect("output file"));
    let mut child = cmd
        .arg(format!("file://{}", page.display()))
        .stdout(file(&out_path))
        .stderr(file(&err_path))
        .spawn()
        .expect("start the browser");
    let t0 = Instant::now();
    while child.try_wait().expect("browser status").is_none() {
        if t0.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the browser did not finish on {} in 90 s", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    let err = read(&err_path);
    Rendered {
        dom: read(&out_path),
        console: err
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_string)
            .collect(),
    }
}

/// Renders pages two at a time (2 cores) and checks each against its plan JSON.
fn check_in_browser(browser: &Path, pages: &[(PathBuf, Value, bool)]) {
    std::thread::scope(|s| {
        for chunk in pages.chunks(pages.len().div_ceil(2).max(1)) {
            s.spawn(move || {
                for (page, doc, compared) in chunk {
                    let what = page.display().to_string();
                    let r = run_browser(browser, page, None);
                    assert!(r.console.is_empty(), "{what}: console: {:?}", r.console);
                    assert!(r.dom.contains("<main>"), "{what}: no DOM dumped");
                    assert_cards(&r.dom, doc, &what);
                    assert_charts(&r.dom, doc, *compared, &what);
                }
            });
        }
    });
}

#[test]
fn every_bundled_plan_reports_with_its_numbers_and_charts_in_a_browser() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut pages = Vec::new();
    for (name, data) in BUNDLED {
        let plan = fixture(name);
        let out = dir.path().join(format!("{name}.html"));
        let html = report(&plan, Some(&demand_of(data)), &[], &out);
        let doc = json(&plan);
        assert_self_contained(&html, name);
        assert_cards(&html, &doc, name);
        assert_charts(&html, &doc, false, name);
        pages.push((out, doc, false));
    }
    if let Some(b) = browser() {
        check_in_browser(&b, &pages);
    }
}

#[test]
fn a_fresh_plan_reports_side_by_side_and_renders_to_a_screenshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = dir.path().join("plan.json");
    let o = gpuplan(&[
        "plan".as_ref(),
        "scenarios/synthetic.toml".as_ref(),
        "--out".as_ref(),
        plan.as_os_str(),
        "--resolution".as_ref(),
        "48".as_ref(),
        "--quiet".as_ref(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let others = [fixture("synthetic-no-spot"), fixture("synthetic-forecast")];
    let out = dir.path().join("report.html");
    let html = report(&plan, Some(&demand_of("synthetic_fleet")), &others, &out);
    let doc = json(&plan);
    assert_self_contained(&html, "fresh plan");
    assert_cards(&html, &doc, "fresh plan");
    assert_charts(&html, &doc, true, "fresh plan");
    // The side-by-side table names every plan and shows each one's expected cost.
    let compare = &html[html.find("id=\"compare\"").expect("compare section")..];
    for p in &others {
        let d = json(p);
        let e = d["costs"]["expected"].as_f64().expect("expected");
        let shown = gpuplan::domain::money::Usd(e).to_string();
        assert!(compare.contains(&shown), "compare lacks {shown}");
    }
    let Some(b) = browser() else { return };
    check_in_browser(&b, &[(out.clone(), doc, true)]);
    let png = dir.path().join("report.png");
    let r = run_browser(&b, &out, Some(&png));
    assert!(r.console.is_empty(), "console: {:?}", r.console);
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert_eq!(&bytes[1..4], b"PNG");
    assert!(
        bytes.len() > 20_000,
        "a near-empty screenshot ({} bytes)",
        bytes.len()
    );
}

#[test]
fn the_console_check_catches_a_page_error() {
    let Some(b) = browser() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><main></main><script>undefinedFunction();</script></body></html>",
    )
    .expect("write");
    let r = run_browser(&b, &page, None);
    assert!(
        r.console.iter().any(|l| l.contains("undefinedFunction")),
        "a script error must show as a console message: {:?}",
        r.console
    );
}

#[test]
fn without_demand_the_page_says_how_to_get_the_hourly_charts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("r.html");
    let html = report(&fixture("synthetic"), None, &[], &out);
    assert!(html.contains("Pass <code>--demand CSV</code>"));
    assert!(!html.contains("data-chart=\"load-"));
    // One demand path: the distribution section explains instead of drawing an empty chart.
    assert!(html.contains("no distribution across scenarios"));
    assert!(!html.contains("data-chart=\"distribution\""));
    assert!(html.contains("data-chart=\"sensitivity\""));
}

#[test]
fn bad_input_is_one_line_exit_2_and_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"schema_version\": \"1.0.0\",\n  oops\n}\n").expect("write");
    let out = dir.path().join("r.html");
    let o = gpuplan(&[
        "report".as_ref(),
        bad.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("bad.json:3:"), "{err}");
    assert!(!out.exists());
    let o = gpuplan(&[
        "report".as_ref(),
        fixture("synthetic").as_os_str(),
        "--top".as_ref(),
        "0".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
}

#[test]
fn a_thousand_workloads_stay_readable() {
    use gpuplan::domain::time::HourWindow;
    use gpuplan::domain::DemandHistory;
    use gpuplan::output::report::{report_html, DemandView, ReportInput, TABLE_ROWS};
    let cat = gpuplan::ingest::catalog::load_catalog(None).expect("catalog");
    let offerings: Vec<_> = cat.offerings.iter().take(40).collect();
    assert_eq!(
        offerings.len(),
        40,
        "the shipped catalog has 40 offerings or more"
    );
    let mut doc = json(&fixture("synthetic"));
    let n = 1000;
    let start = "2026-10-05T00:00:00Z";
    let placements: Vec<Value> = (0..n)
        .map(|i| {
            let o = offerings[i % 40];
            let from = offerings[(i + 1) % 40];
            serde_json::json!({
                "workload": format!("w{i:04}"), "class": "inference", "current_gpu": o.gpu_model,
                "cloud": o.cloud.as_str(), "region": o.region, "instance_type": o.instance_type,
                "gpu_model": o.gpu_model, "share": 1.0,
                "instances_per_gpu_of_demand": 1.0 / f64::from(o.gpus),
                "current_offering": from.key(), "tier_change": true, "max_spot_share": 0.0,
                "adders_per_gpu_hour": 0.0, "overhead_pct": 0.0, "share_committed": 0.0,
                "share_spot": 0.0, "share_on_demand": 1.0, "expected_cost": 100.0,
                "gpu_hours": 168.0 + i as f64, "cost_per_gpu_hour_of_demand": 1.0
            })
        })
        .collect();
    doc["placements"] = Value::Array(placements);
    doc["horizon"]["start"] = Value::from(start);
    let doc: gpuplan::plan::doc::PlanDoc = serde_json::from_value(doc).expect("a plan document");
    let t0 = gpuplan::ingest::csvread::parse_instant(start, false).expect("start");
    let window = HourWindow {
        start: t0,
        end: t0 + chrono::Duration::hours(168),
    };
    let history = DemandHistory {
        window,
        workloads: (0..n).map(|i| format!("w{i:04}")).collect(),
        gpus: (0..n)
            .map(|i| (0..168).map(|t| ((i + t) % 7) as f64).collect())
            .collect(),
        rows: n * 168,
    };
    let plan = doc.to_plan().expect("plan");
    let d = gpuplan::analysis::dispatch::plan_dispatch(&plan, &cat, &history, 168, 400)
        .expect("dispatch");
    assert_eq!(d.pools.len(), 40);
    let html = report_html(&ReportInput {
        plan: &doc,
        plan_file: "many.json",
        demand: DemandView::Drawn(&d),
        compare: &[],
        catalog: &cat,
        top: 6,
    });
    let ids: Vec<String> = charts(&html).into_iter().map(|c| c.0).collect();
    let loads: Vec<&String> = ids.iter().filter(|i| i.starts_with("load-")).collect();
    assert_eq!(
        loads,
        [
            "load-0",
            "load-1",
            "load-2",
            "load-3",
            "load-4",
            "load-5",
            "load-other"
        ]
    );
    assert!(html.contains("34 other offerings"));
    let tiers = &html[html.find("id=\"tiers\"").expect("tiers")..];
    let tiers = &tiers[..tiers.find("</section>").expect("end")];
    assert_eq!(tiers.matches("<tr>").count(), 1 + TABLE_ROWS);
    assert!(tiers.contains(&format!("{} more tier changes", n - TABLE_ROWS)));
    assert!(html.len() < 3_000_000, "{} bytes", html.len());
    assert_self_contained(&html, "1,000 workloads");
}

#[test]
fn the_charted_dispatch_adds_up_to_the_plans_hourly_repricing() {
    let cat = gpuplan::ingest::catalog::load_catalog(None).expect("catalog");
    let plan = gpuplan::plan::doc::read_plan(&fixture("synthetic")).expect("plan");
    let doc = json(&fixture("synthetic"));
    let history =
        gpuplan::ingest::demand::read_demand(&demand_of("synthetic_fleet")).expect("demand");
    let whole = gpuplan::plan::evaluate(&plan, &cat, &history, None).expect("evaluate");
    // The plan's own re-priced cost: the chart's evaluator is the one behind costs.expected.
    let expected = doc["costs"]["expected"].as_f64().expect("expected");
    assert!(
        (whole.total - expected).abs() < 0.01,
        "{} vs {expected}",
        whole.total
    );
    for max_points in [400, 48] {
        let d = gpuplan::analysis::dispatch::plan_dispatch(&plan, &cat, &history, 336, max_points)
            .expect("dispatch");
        assert_eq!(d.step_hours, 336 / max_points.min(336));
        assert!(!d.shifted);
        let step = d.step_hours as f64;
        let total = |f: fn(&gpuplan::analysis::dispatch::PoolSeries) -> &Vec<f64>| -> f64 {
            d.pools
                .iter()
                .map(|p| f(p).iter().sum::<f64>() * step)
                .sum()
        };
        let near = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs().max(1.0);
        assert!(near(total(|p| &p.committed), whole.instance_hours[1]));
        assert!(near(total(|p| &p.spot), whole.instance_hours[2]));
        assert!(near(total(|p| &p.on_demand), whole.instance_hours[3]));
        // The one p5.48xlarge reservation bought is usable on that offering in every hour.
        let p5 = d
            .pools
            .iter()
            .find(|p| p.offering == "aws/us-east-1/p5.48xlarge")
            .expect("p5");
        assert!(p5.unit_capacity.iter().all(|c| (c - 1.0).abs() < 1e-9));
    }
}

#[test]
fn a_plan_without_costs_says_why_instead_of_showing_numbers() {
    let mut v = json(&fixture("synthetic"));
    v["costs"] = Value::Null;
    v["risk"] = Value::Null;
    v["purchases"] = Value::Array(vec![]);
    v["solve"]["status"] = Value::from("infeasible");
    v["infeasibility"] = serde_json::json!({
        "group": "capacity",
        "message": "load above the capacity limit of aws/us-east-1/p5.48xlarge",
        "conflicts": [{
            "kind": "capacity",
            "workloads": ["llm-serving"],
            "offerings": ["aws/us-east-1/p5.48xlarge"],
            "hours": ["2025-01-06T12:00:00Z"],
            "constraints": ["[caps] p5 <= 2"],
            "message": "llm-serving needs 24 GPUs at <peak> where the cap allows 16",
            "relaxations": [{"constraint": "[caps] p5", "change": "raise to 24", "cost": 1234.5}]
        }]
    });
    let doc: gpuplan::plan::doc::PlanDoc = serde_json::from_value(v).expect("doc");
    let cat = gpuplan::ingest::catalog::load_catalog(None).expect("catalog");
    let html = gpuplan::output::report::report_html(&gpuplan::output::report::ReportInput {
        plan: &doc,
        plan_file: "infeasible.json",
        demand: gpuplan::output::report::DemandView::Failed("no demand <given>"),
        compare: &[],
        catalog: &cat,
        top: 6,
    });
    assert_self_contained(&html, "infeasible");
    assert!(html.contains("No costs: the solve ended infeasible"));
    assert!(html.contains("load above the capacity limit"));
    assert!(
        html.contains("needs 24 GPUs at &lt;peak&gt;"),
        "each conflict, escaped"
    );
    assert!(
        html.contains("[caps] p5: raise to 24 (USD 1,234.50)"),
        "its way out and cost"
    );
    assert!(html.contains("no demand &lt;given&gt;"), "escaped");
    assert!(html.contains("This plan buys no commitment."));
    assert!(cards(&html).is_empty());
}
