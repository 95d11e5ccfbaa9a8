//! Finding the plugin library Cargo built for the test run, checking that it carries the
//! allocation guard, and making temporary directories to lay it out in. Shared by the CLAP host
//! (`clap::bundle`) and the VST3 host (`vst3`).
//!
//! With `MURMUR_TEST_BUNDLES` set to a folder holding `Murmur.clap` and `Murmur.vst3`, the hosts
//! load those bundles instead: `cargo xtask windows-test` tests the Windows release bundles
//! under Wine that way (TESTING.md).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The file name Cargo gives Murmur's `cdylib` on the target the tests run on
/// (`libmurmur.so`, `libmurmur.dylib`, `murmur.dll`).
fn library_file_name() -> String {
    format!(
        "{}murmur{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// The folder of built bundles to test instead of the test build's library, if one is given.
/// A release bundle has no allocation guard: the tests then check what it does, not that its
/// audio thread never allocates (the test build proves that for the same code).
pub fn bundles_under_test() -> Option<PathBuf> {
    std::env::var_os("MURMUR_TEST_BUNDLES").map(PathBuf::from)
}

/// Finds the plugin library Cargo built for this test run. Integration test binaries live in
/// `<target>/<profile>/deps/`, next to the `cdylib` that was built as their dependency; Cargo
/// uplifts that file to `<target>/<profile>/` only when the library itself is being built, so the
/// copy in `deps/` is the one that matches this test binary and is preferred. `CARGO_TARGET_DIR`
/// is honoured as a fallback.
pub fn built_plugin_library() -> PathBuf {
    let file_name = library_file_name();
    let exe = std::env::current_exe().expect("path of the test executable");
    let deps_dir = exe
        .parent()
        .expect("test executable has a parent directory");
    let profile_dir = deps_dir
        .parent()
        .expect("deps directory has a parent directory");
    let profile = profile_dir
        .file_name()
        .map(|name| name.to_os_string())
        .unwrap_or_else(|| "debug".into());

    let mut candidates = vec![deps_dir.join(&file_name), profile_dir.join(&file_name)];
    if let Some(target_dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let target_dir = PathBuf::from(target_dir);
        candidates.push(target_dir.join(&profile).join(&file_name));
        candidates.push(target_dir.join("debug").join(&file_name));
    }

    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "Murmur's plugin library was not found; looked at {candidates:?}. `cargo test` \
                 builds it because the crate's `crate-type` includes \"cdylib\"."
            )
        })
}

/// Makes sure the library was built with the allocation guard in process(), which is what turns
/// an allocation on the audio thread into a test failure. A build of the library without it (for
/// example a plain `cargo build` that replaced the file) would make the processing tests
/// meaningless.
///
/// The guard only exists in builds with debug assertions (nice-plug's `assert_process_allocs`,
/// which `cargo test` enables through the dev-dependency), so there is nothing to check
/// otherwise. The marker is the guard's error message, logged right before it aborts: it is data
/// the guard's code uses, so it is present exactly when the guard is linked in, also in a build
/// without symbols or debug info.
pub fn assert_alloc_guard_compiled_in(library: &Path) {
    if !cfg!(debug_assertions) {
        return;
    }
    let bytes = std::fs::read(library).unwrap_or_else(|e| panic!("read {library:?}: {e}"));
    let marker: &[u8] = b"Memory allocation of ";
    assert!(
        bytes.windows(marker.len()).any(|window| window == marker),
        "{} was built without nice-plug's `assert_process_allocs`; rebuild it with `cargo test` \
         (a concurrent `cargo build` may have replaced it)",
        library.display()
    );
}

/// A new, empty, uniquely named directory under the system's temporary directory, named
/// `<prefix>-<process id>-<nanoseconds>-<counter>`.
pub fn fresh_temp_dir(prefix: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}
