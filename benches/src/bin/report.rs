//! Prints one benchmark run as tables: every group's figures, and each as a ratio
//! of idspec's to it (above 1: idspec takes longer or uses more).
//!
//! Reads what `cargo bench -p idspec-bench` left in `target/criterion` and
//! `target/idspec-bench`; writes the same Markdown to
//! `target/idspec-bench/report.md`. Run by `benches/run`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use idspec_bench::{criterion_dir, records_dir, IDSPEC};
use serde_json::Value;

/// One measured row of a group.
struct Row {
    id: String,
    value: f64,
    unit: String,
    /// Elements per iteration, for a per-second figure.
    per_iteration: Option<u64>,
}

fn main() {
    let mut groups: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    let mut notes: BTreeMap<String, String> = BTreeMap::new();
    collect_criterion(&criterion_dir(), &mut groups);
    collect_records(&records_dir(), &mut groups, &mut notes);
    if groups.is_empty() {
        eprintln!("no results: run `cargo bench -p idspec-bench` first (benches/run does both)");
        std::process::exit(1);
    }
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", machine());
    for (group, rows) in &groups {
        let _ = writeln!(out, "### {group}\n");
        let _ = writeln!(out, "| measured | figure | idspec ÷ this |");
        let _ = writeln!(out, "|---|---:|---:|");
        let idspec = rows.iter().find(|r| r.id == IDSPEC).map(|r| r.value);
        for row in rows {
            let ratio = match idspec {
                Some(idspec) if row.id != IDSPEC && row.value > 0.0 => {
                    format!("{:.2}x", idspec / row.value)
                }
                _ => "".to_owned(),
            };
            let _ = writeln!(out, "| {} | {} | {ratio} |", row.id, figure(row));
        }
        if let Some(note) = notes.get(group) {
            let _ = writeln!(out, "\n{note}");
        }
        let _ = writeln!(out);
    }
    print!("{out}");
    let _ = std::fs::create_dir_all(records_dir());
    let _ = std::fs::write(records_dir().join("report.md"), out);
}

fn figure(row: &Row) -> String {
    if row.unit != "ns" {
        return format!("{} {}", trim(row.value), row.unit);
    }
    let time = if row.value >= 1e9 {
        format!("{:.3} s", row.value / 1e9)
    } else if row.value >= 1e6 {
        format!("{:.3} ms", row.value / 1e6)
    } else if row.value >= 1e3 {
        format!("{:.2} µs", row.value / 1e3)
    } else {
        format!("{:.0} ns", row.value)
    };
    match row.per_iteration {
        Some(n) => format!("{time} ({}/s)", trim(n as f64 / (row.value / 1e9))),
        None => time,
    }
}

fn trim(value: f64) -> String {
    if value >= 100.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

/// Every `new/benchmark.json` under criterion's directory, grouped by its group
/// and parameter; the function is who was measured.
fn collect_criterion(dir: &Path, groups: &mut BTreeMap<String, Vec<Row>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() || path.file_name().is_some_and(|n| n == "report") {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            if let Some((group, row)) = read_criterion(&path) {
                groups.entry(group).or_default().push(row);
            }
            continue;
        }
        collect_criterion(&path, groups);
    }
    for rows in groups.values_mut() {
        // idspec first, then the others in a stable order.
        rows.sort_by(|a, b| (a.id != IDSPEC, &a.id).cmp(&(b.id != IDSPEC, &b.id)));
    }
}

fn read_criterion(new: &Path) -> Option<(String, Row)> {
    let benchmark = read_json(&new.join("benchmark.json"))?;
    let estimates = read_json(&new.join("estimates.json"))?;
    let mut group = benchmark["group_id"].as_str()?.to_owned();
    if let Some(parameter) = benchmark["value_str"].as_str() {
        group = format!("{group} ({parameter})");
    }
    let per_iteration = benchmark["throughput"]["Elements"].as_u64();
    Some((
        group,
        Row {
            id: benchmark["function_id"].as_str()?.to_owned(),
            // The slope of time against iterations where criterion measured one
            // (its own headline figure, steadier than the mean on a busy machine),
            // else the mean.
            value: estimates["slope"]["point_estimate"]
                .as_f64()
                .or_else(|| estimates["mean"]["point_estimate"].as_f64())?,
            unit: "ns".to_owned(),
            per_iteration,
        },
    ))
}

fn collect_records(
    dir: &Path,
    groups: &mut BTreeMap<String, Vec<Row>>,
    notes: &mut BTreeMap<String, String>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let Some(body) = read_json(&path) else {
            continue;
        };
        let Some(group) = body["group"].as_str() else {
            continue;
        };
        let rows = body["figures"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| {
                Some(Row {
                    id: f["id"].as_str()?.to_owned(),
                    value: f["value"].as_f64()?,
                    unit: f["unit"].as_str()?.to_owned(),
                    per_iteration: None,
                })
            });
        groups.entry(group.to_owned()).or_default().extend(rows);
        if let Some(note) = body["note"].as_str().filter(|n| !n.is_empty()) {
            notes.insert(group.to_owned(), note.to_owned());
        }
    }
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// The machine, as BENCHMARKS.md reports it.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(str::trim)
        .unwrap_or("unknown CPU");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("Machine: {model}, {cores} cores available.")
}
