//! `cargo xtask bundle murmur --release`: builds the CLAP and VST3 bundles into `target/bundled/`.
//! `cargo xtask demo`: builds the bundles, then renders the 30 s binaural demo with the
//! `murmur` command line to `target/demo/murmur-demo.wav`.
//! `cargo xtask windows`: cross-builds the Windows bundles and `murmur.exe` into
//! `target/bundled-windows/` (see `windows.rs`).
//! `cargo xtask windows-test`: builds those, then tests them under Wine.

mod windows;

use std::process::Command;

fn main() -> nice_plug_xtask::Result<()> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("demo") => demo(),
        Some("windows") => windows::bundle().map(|_| ()),
        Some("windows-test") => windows::test(),
        _ => nice_plug_xtask::main(),
    }
}

fn demo() -> nice_plug_xtask::Result<()> {
    nice_plug_xtask::main_with_args(
        "cargo xtask",
        ["bundle", "murmur", "--release"].map(String::from),
    )?;
    let status = cargo()
        .args([
            "run",
            "--release",
            "--bin",
            "murmur",
            "--",
            "demo",
            "--overwrite",
        ])
        .status()?;
    if !status.success() {
        return Err(std::io::Error::other(format!("rendering the demo failed ({status})")).into());
    }
    Ok(())
}

/// The Cargo that runs this task.
fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}

/// Runs `command`, failing with `what` when it does not succeed.
fn run(command: &mut Command, what: &str) -> nice_plug_xtask::Result<()> {
    let status = command
        .status()
        .map_err(|e| std::io::Error::other(format!("{what}: cannot start: {e}")))?;
    if !status.success() {
        return Err(std::io::Error::other(format!("{what} failed ({status})")).into());
    }
    Ok(())
}
