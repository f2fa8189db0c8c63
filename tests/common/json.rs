//! JSON checks shared by the output tests.

use serde_json::Value;

/// Every path (`$.solve.seconds`, `$.purchases[1].quantity`) in `v` whose value is null:
/// gpuplan's outputs leave an absent value out, so each is a defect.
pub fn null_paths(v: &Value, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    collect(v, path, &mut out);
    out
}

fn collect(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Null => out.push(path.to_string()),
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| collect(x, &format!("{path}.{k}"), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| collect(x, &format!("{path}[{i}]"), out)),
        _ => {}
    }
}
