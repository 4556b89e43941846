//! What idspec's benchmarks share: where a run's figures are written and how the
//! `report` binary reads them back.
//!
//! Timings are criterion's (its `estimates.json` under `target/criterion`). Figures
//! that are not a time per iteration (round trips per login, bytes per pending
//! flow, a crate's build time) are recorded with [`record`] under
//! `target/idspec-bench`. Every group measures `idspec` and, beside it in the same
//! run, its peers and the limit, so `report` can print each as a ratio.

use std::path::PathBuf;

use serde_json::{json, Value};

/// The id idspec's own measurement has in every group.
pub const IDSPEC: &str = "idspec";

/// The target directory the benches write to (`CARGO_TARGET_DIR`, else the
/// workspace's `target`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// Where criterion keeps its estimates.
pub fn criterion_dir() -> PathBuf {
    target_dir().join("criterion")
}

/// Where [`record`] writes.
pub fn records_dir() -> PathBuf {
    target_dir().join("idspec-bench")
}

/// One figure of a recorded group.
#[derive(Clone, Debug)]
pub struct Figure {
    /// Who was measured: [`IDSPEC`], a peer (`openidconnect-rs`, `josekit`) or a
    /// limit (`limit: …`).
    pub id: String,
    /// The value.
    pub value: f64,
    /// Its unit, as printed (`bytes/flow`, `round trips/login`, `s`).
    pub unit: String,
}

impl Figure {
    /// A figure.
    pub fn new(id: impl Into<String>, value: f64, unit: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            value,
            unit: unit.into(),
        }
    }
}

/// Records a group of figures that criterion does not measure, with a note on
/// what bounds them; `report` prints them beside the timings.
pub fn record(group: &str, figures: &[Figure], note: &str) -> std::io::Result<()> {
    let dir = records_dir();
    std::fs::create_dir_all(&dir)?;
    let rows: Vec<Value> = figures
        .iter()
        .map(|f| json!({"id": f.id, "value": f.value, "unit": f.unit}))
        .collect();
    let body = json!({"group": group, "figures": rows, "note": note});
    let text = serde_json::to_string_pretty(&body).map_err(std::io::Error::other)?;
    std::fs::write(dir.join(format!("{group}.json")), text)?;
    for f in figures {
        println!("{group}/{}: {} {}", f.id, f.value, f.unit);
    }
    Ok(())
}
