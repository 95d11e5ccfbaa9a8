//! Murmur for Windows, cross-built here with MinGW-w64 and tested under Wine.
//!
//! `cargo xtask windows` builds the release library and command line for
//! `x86_64-pc-windows-gnu` and lays them out in `target/bundled-windows/` as a Windows host and
//! user expect them:
//! - `Murmur.clap`: the library itself, under the CLAP extension;
//! - `Murmur.vst3/Contents/x86_64-win/Murmur.vst3`: the VST3 bundle (Steinberg's "VST 3
//!   Locations / Format");
//! - `murmur.exe`: the command line.
//!
//! Nothing is written to `target/bundled/`, which keeps the Linux build.
//!
//! `cargo xtask windows-test` builds those and the Linux bundles, then (TESTING.md):
//! 1. has the Linux bundles write their portrait (`tests/hosts/portable_build.rs`);
//! 2. runs that test under Wine against the Windows bundles, checking the Linux portrait and
//!    writing the Windows one; then, built for Windows and run under Wine, the library's and the
//!    command line's unit tests, the command-line tests that need no Unix tools, and the CLAP
//!    and VST3 host tests, the render hashes and the editor test (`tests/editor/win32.rs`) against the Windows
//!    bundles;
//! 3. has the Linux bundles check the Windows portrait;
//! 4. runs the command-line checks of `tests/cli/windows.rs` (a Linux test program driving
//!    `murmur.exe` under Wine).

use std::path::{Path, PathBuf};

use super::{cargo, run};

/// The Rust target of the Windows build.
pub const TARGET: &str = "x86_64-pc-windows-gnu";

/// Cargo's target folder (`CARGO_TARGET_DIR`, else `target/` in the workspace).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// Builds the Windows bundles and `murmur.exe`; returns the folder they are in.
pub fn bundle() -> nice_plug_xtask::Result<PathBuf> {
    nice_plug_xtask::chdir_workspace_root()?;
    run(
        cargo().args([
            "build",
            "--release",
            "--target",
            TARGET,
            "-p",
            "murmur",
            "--lib",
            "--bin",
            "murmur",
        ]),
        "building Murmur for Windows",
    )?;
    let built = target_dir().join(TARGET).join("release");
    let out = target_dir().join("bundled-windows");
    let vst3_binary = out.join("Murmur.vst3/Contents/x86_64-win");
    // A bundle left by an earlier build is replaced whole.
    if out.join("Murmur.vst3").exists() {
        std::fs::remove_dir_all(out.join("Murmur.vst3"))?;
    }
    std::fs::create_dir_all(&vst3_binary)?;
    copy(&built.join("murmur.dll"), &out.join("Murmur.clap"))?;
    copy(&built.join("murmur.dll"), &vst3_binary.join("Murmur.vst3"))?;
    copy(&built.join("murmur.exe"), &out.join("murmur.exe"))?;
    eprintln!(
        "Created the Windows bundles and murmur.exe in '{}'",
        out.display()
    );
    Ok(out)
}

fn copy(from: &Path, to: &Path) -> nice_plug_xtask::Result<()> {
    std::fs::copy(from, to).map_err(|e| {
        std::io::Error::other(format!("copy {} to {}: {e}", from.display(), to.display()))
    })?;
    Ok(())
}

/// Builds the Windows and Linux bundles and tests the Windows ones under Wine (see the module's
/// documentation).
pub fn test() -> nice_plug_xtask::Result<()> {
    let windows = bundle()?;
    crate::bundle_release()?;
    let linux = target_dir().join("bundled");
    let portraits = target_dir().join("portrait");
    let linux_portrait = portraits.join("linux");
    let windows_portrait = portraits.join("windows");
    for folder in [&linux_portrait, &windows_portrait] {
        if folder.exists() {
            std::fs::remove_dir_all(folder)?;
        }
    }

    // The portrait test on the Linux bundles, which writes or checks a portrait.
    let linux_portrait_test = || {
        let mut command = cargo();
        command
            .args([
                "test",
                "--test",
                "hosts",
                "--",
                "--ignored",
                "portable_build::",
            ])
            .env("MURMUR_TEST_BUNDLES", &linux);
        command
    };
    run(
        linux_portrait_test().env("MURMUR_PORTRAIT_OUT", &linux_portrait),
        "the Linux bundles' portrait",
    )?;
    // Relative paths: the Windows test programs run in the workspace (drive Z: under Wine).
    run(
        cargo()
            .args(["test", "--target", TARGET, "--test", "hosts"])
            .args(["--", "--ignored", "portable_build::"])
            .env("MURMUR_TEST_BUNDLES", &windows)
            .env("MURMUR_PORTRAIT_PEER", &linux_portrait)
            .env("MURMUR_PORTRAIT_OUT", &windows_portrait),
        "the Windows bundles against the Linux portrait, under Wine",
    )?;
    run(
        cargo()
            .args(["test", "--target", TARGET, "--lib", "--bin", "murmur"])
            .env("MURMUR_TEST_BUNDLES", &windows),
        "the library's and the command line's unit tests on Windows, under Wine",
    )?;
    // The suites of each test program that need no Unix tools, chosen by module.
    for (program, modules) in [
        ("cli", &["commands::", "render::", "parity::"][..]),
        ("hosts", &["clap_host::", "vst3_host::"][..]),
        ("engine", &["render_hashes::"][..]),
    ] {
        run(
            cargo()
                .args(["test", "--target", TARGET, "--test", program, "--"])
                .args(modules)
                .env("MURMUR_TEST_BUNDLES", &windows),
            &format!("the {program} tests {modules:?} on Windows, under Wine"),
        )?;
    }
    run(
        cargo()
            .args(["test", "--target", TARGET, "--test", "editor"])
            .args(["--", "--ignored", "win32::"])
            .env("MURMUR_TEST_BUNDLES", &windows),
        "the editor in a Win32 window, under Wine",
    )?;
    run(
        linux_portrait_test().env("MURMUR_PORTRAIT_PEER", &windows_portrait),
        "the Linux bundles against the Windows portrait",
    )?;
    run(
        cargo()
            .args(["test", "--test", "cli", "--", "--ignored", "windows::"])
            .env("MURMUR_WINDOWS_BUNDLES", &windows),
        "murmur.exe under Wine",
    )?;
    Ok(())
}
