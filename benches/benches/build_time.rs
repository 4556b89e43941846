//! The build time of the generated crate: how long `cargo build` takes to compile
//! `idspec` (its build script generating every provider's module, then the
//! modules) once its dependencies are built, beside the peer's crate.
//!
//! - `idspec`: every built-in provider (the default features).
//! - `idspec, one provider`: `generic_oidc` only, what one provider adds.
//! - `limit: idspec, no provider`: the crate with no provider, the fixed cost
//!   (its build script runs and generates nothing).
//! - `idspec-runtime`: the runtime the generated code calls, compiled once and
//!   shared by every provider.
//! - `openidconnect-rs`: the `openidconnect` crate, the peer a service would
//!   compile instead.
//!
//! Dev profile, as an edit-compile cycle pays it. Each figure is the median of
//! three builds after `cargo clean -p` of that one package, in a target directory
//! of its own (`target/build-time`) whose dependencies were built first and are
//! not timed. Builds use every core, as `cargo build` does.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use idspec_bench::{record, target_dir, Figure, IDSPEC};

const RUNS: usize = 3;

struct Build {
    id: &'static str,
    package: &'static str,
    args: &'static [&'static str],
}

const BUILDS: &[Build] = &[
    Build {
        id: IDSPEC,
        package: "idspec",
        args: &[],
    },
    Build {
        id: "idspec, one provider",
        package: "idspec",
        args: &["--no-default-features", "--features", "generic_oidc"],
    },
    Build {
        id: "limit: idspec, no provider",
        package: "idspec",
        args: &["--no-default-features"],
    },
    Build {
        id: "idspec-runtime",
        package: "idspec-runtime",
        args: &[],
    },
    Build {
        id: "openidconnect-rs",
        package: "openidconnect",
        args: &[],
    },
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cargo(args: &[&str], target: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(args)
        .arg("--target-dir")
        .arg(target)
        .arg("--quiet")
        .current_dir(workspace())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo {args:?} failed");
}

fn main() {
    // `cargo bench -- <filter>` runs the other benches only; this one is slow.
    let filter = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
    if filter.is_some_and(|f| !"build_time".contains(&f) && !"build time".contains(&f)) {
        return;
    }
    let target = target_dir().join("build-time");
    let mut figures = Vec::new();
    for build in BUILDS {
        let mut command = vec!["build", "-p", build.package];
        command.extend(build.args);
        // Dependencies first, untimed.
        cargo(&command, &target);
        let mut times: Vec<f64> = (0..RUNS)
            .map(|_| {
                cargo(&["clean", "-p", build.package], &target);
                let started = Instant::now();
                cargo(&command, &target);
                started.elapsed().as_secs_f64()
            })
            .collect();
        times.sort_by(f64::total_cmp);
        figures.push(Figure::new(build.id, times[RUNS / 2], "s"));
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    record(
        "build time (dev profile)",
        &figures,
        &format!(
            "Median of {RUNS} `cargo build -p <package>` after `cargo clean -p <package>`, \
             dependencies already built, {cores} cores. idspec's figure includes compiling \
             and running its build script and the proc-macro crate is not rebuilt."
        ),
    )
    .expect("the results directory is writable");
}
