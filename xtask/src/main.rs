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
        _ => {
            nice_plug_xtask::main()?;
            only_plugin_bundles()
        }
    }
}

/// Builds the release bundles into `target/bundled/`.
fn bundle_release() -> nice_plug_xtask::Result<()> {
    nice_plug_xtask::main_with_args(
        "cargo xtask",
        ["bundle", "murmur", "--release"].map(String::from),
    )?;
    only_plugin_bundles()
}

/// nice-plug-xtask also copies a binary named after the package into `target/bundled/` as a
/// "standalone" plugin; Murmur's is the command line, not a plugin, so the folder keeps only
/// the two plugin bundles (the command line is `target/release/murmur`).
fn only_plugin_bundles() -> nice_plug_xtask::Result<()> {
    let bundled = windows::target_dir().join("bundled");
    for standalone in ["Murmur", "Murmur.exe"] {
        let path = bundled.join(standalone);
        if path.is_file() {
            std::fs::remove_file(&path)?;
            eprintln!(
                "Removed '{}': the command line is not a plugin (it is target/release/murmur)",
                path.display()
            );
        }
    }
    let app = bundled.join("Murmur.app");
    if app.is_dir() {
        std::fs::remove_dir_all(&app)?;
    }
    Ok(())
}

fn demo() -> nice_plug_xtask::Result<()> {
    bundle_release()?;
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
