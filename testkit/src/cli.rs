//! Running the built `murmur` binary from the command-line tests.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The `murmur` program Cargo built for this test run. Integration test binaries live in
/// `<target>/<profile>/deps/`; Cargo builds the package's programs into `<target>/<profile>/`
/// before it runs them.
pub fn murmur_program() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the test executable");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test executable lies in <target>/<profile>/deps");
    let program = profile_dir.join(format!("murmur{}", std::env::consts::EXE_SUFFIX));
    assert!(
        program.is_file(),
        "{} does not exist: `cargo test` builds it for the integration tests",
        program.display()
    );
    program
}

/// Runs `murmur` with `args` and waits for it.
pub fn murmur(args: &[&str]) -> Output {
    Command::new(murmur_program())
        .args(args)
        .output()
        .expect("run murmur")
}

/// A fresh, empty folder for one test (named after it, the process and the call: tests run in
/// parallel threads of one process, and two that share a helper must not share its files).
pub fn temp_dir(name: &str) -> PathBuf {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("murmur-cli-{name}-{}-{call}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
