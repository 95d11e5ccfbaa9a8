//! Murmur's test kit, shared by the integration tests, the command line's and the library's unit
//! tests, and the benches. It knows Murmur only from the outside: the library's public API, the
//! built plugin library loaded as a host loads it, and the `murmur` program.
//!
//! - [`signal`] makes test signals; [`measure`] measures what comes out (spectra, band levels,
//!   interaural time and level differences, the click metric). Both live in the crate
//!   `testkit/signals`, which the library's own unit tests use too.
//! - [`render`] drives the real `Engine` as a host would, [`triggers`] its trigger layers.
//! - [`clap`] and [`vst3`] are minimal hosts around the built plugin library ([`plugin_files`]
//!   finds it); `clap::gui` opens the editor on a private X display (Linux).
//! - [`cli`] runs the built `murmur` program; [`flac`] writes FLAC files for its decoder.
//! - [`frozen_params`] and `clap::expected_params` are the public contract the parameter tests
//!   hold Murmur to; [`soak_session`] is the sleep-bed session of the soak test and bench.

pub use signals::{measure, signal};

pub mod clap;
pub mod cli;
pub mod flac;
pub mod frozen_params;
pub mod plugin_files;
pub mod render;
pub mod soak_session;
pub mod triggers;
pub mod vst3;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Murmur's source tree: the workspace root, the folder above this crate.
pub fn murmur_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the test kit lies inside Murmur's source tree")
}

/// A file of `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    murmur_dir().join("tests/fixtures").join(name)
}

/// Serializes the tests of one test program that must not run beside each other: the editor
/// tests share one display and measure this process's threads and memory, which a test running
/// beside them would disturb. A failed test does not block the others.
pub fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs the ignored test `name` (its path in this test program) alone in a process of its own
/// with `env` set: what a test cannot set in its own process while others run beside it (the
/// plugin reads it there). Panics unless that test ran and passed; gives its standard output.
pub fn run_alone(name: &str, env: &[(&str, &std::ffi::OsStr)]) -> String {
    let mut command = std::process::Command::new(std::env::current_exe().expect("this test"));
    command.args([
        "--exact",
        name,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for (key, value) in env {
        command.env(key, value);
    }
    let child = command.output().expect("the test program runs");
    let stdout = String::from_utf8_lossy(&child.stdout).into_owned();
    assert!(
        child.status.success() && stdout.contains("1 passed"),
        "{name}: {stdout}{}",
        String::from_utf8_lossy(&child.stderr)
    );
    stdout
}
