//! `idspec`: check specs, generate code, print the schema, summarize clients, run a
//! provider's sandbox, and the demo that drives every generated client through its
//! sandbox.

mod demo;
mod login;
mod sandbox;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use idspec_codegen::{
    generate, load_file, render, schema, summary, write_if_changed, GenerateOptions,
};

const USAGE: &str = "\
usage:
  idspec check <spec>...              check specs; print every problem, located
  idspec generate <spec> [--out DIR]  print the generated module, or write DIR/<id>.rs
  idspec schema [--out FILE]          print (or write) the JSON Schema of the spec language
  idspec summary <spec>...            check, generate, and describe each generated client
  idspec sandbox <spec> [--port N]    run the provider's sandbox until Ctrl-C
  idspec demo [<spec>...]             every provider's generated client through a full login and
                                      its documented errors against its sandbox (all of specs/ by default)
  idspec login --spec <spec> ...      a real login from the terminal (idspec login --help)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("check") => check(&args[1..]),
        Some("generate") => generate_cmd(&args[1..]),
        Some("schema") => schema_cmd(&args[1..]),
        Some("summary") => summary_cmd(&args[1..]),
        Some("sandbox") => sandbox::run(&args[1..]),
        Some("demo") => demo::run(&args[1..]),
        Some("login") => login::run(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown command\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn specs(args: &[String]) -> Result<Vec<PathBuf>, String> {
    if args.is_empty() {
        return Err(format!("no spec given\n{USAGE}"));
    }
    Ok(args.iter().map(PathBuf::from).collect())
}

fn check(args: &[String]) -> Result<(), String> {
    let mut failed = 0;
    for path in specs(args)? {
        match load_file(&path) {
            Ok(_) => println!("ok: {}", path.display()),
            Err(diagnostics) => {
                failed += 1;
                eprintln!("{diagnostics}");
            }
        }
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(format!(
            "{failed} spec{} failed the check",
            if failed == 1 { "" } else { "s" }
        ))
    }
}

pub(crate) fn option_value<'a>(
    args: &'a [String],
    flag: &str,
) -> Result<(Vec<&'a String>, Option<&'a String>), String> {
    let mut rest = Vec::new();
    let mut value = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == flag {
            value = Some(iter.next().ok_or_else(|| format!("{flag} needs a value"))?);
        } else {
            rest.push(arg);
        }
    }
    Ok((rest, value))
}

fn generate_cmd(args: &[String]) -> Result<(), String> {
    let (rest, out) = option_value(args, "--out")?;
    let [spec_path] = rest.as_slice() else {
        return Err(format!("generate takes one spec\n{USAGE}"));
    };
    let spec = load_file(spec_path).map_err(|d| d.to_string())?;
    let tokens = generate(&spec, &GenerateOptions::default());
    let source = file_name(Path::new(spec_path.as_str()));
    let text = render(&tokens, &source);
    match out {
        None => print!("{text}"),
        Some(dir) => {
            let path = Path::new(dir).join(format!("{}.rs", spec.spec().id));
            let changed = write_if_changed(&path, &text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            println!(
                "{} {}",
                if changed { "wrote" } else { "unchanged" },
                path.display()
            );
        }
    }
    Ok(())
}

fn schema_cmd(args: &[String]) -> Result<(), String> {
    let (_, out) = option_value(args, "--out")?;
    let text = schema::schema_json();
    match out {
        None => print!("{text}"),
        Some(path) => {
            write_if_changed(Path::new(path), &text)
                .map_err(|e| format!("cannot write {path}: {e}"))?;
        }
    }
    Ok(())
}

fn summary_cmd(args: &[String]) -> Result<(), String> {
    let mut failed = 0;
    for path in specs(args)? {
        match load_file(&path) {
            Ok(spec) => {
                let tokens = generate(&spec, &GenerateOptions::default());
                let lines = render(&tokens, &file_name(&path)).lines().count();
                print!("{}", summary::summary(&spec));
                println!("  generated: {lines} lines of Rust\n");
            }
            Err(diagnostics) => {
                failed += 1;
                eprintln!("{diagnostics}");
            }
        }
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} spec(s) failed the check"))
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
