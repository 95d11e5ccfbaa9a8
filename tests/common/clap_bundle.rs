//! Finding the plugin library Cargo built for the test run and loading it as `Murmur.clap`. Part of
//! the host in `clap.rs`.

use std::ffi::CString;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use clack_host::prelude::*;

#[cfg(target_os = "linux")]
const LIBRARY_NAME: &str = "libmurmur.so";
#[cfg(target_os = "macos")]
const LIBRARY_NAME: &str = "libmurmur.dylib";
#[cfg(target_os = "windows")]
const LIBRARY_NAME: &str = "murmur.dll";

/// The plugin library cargo built for this test run: `target/<profile>/deps/<this test>` lives
/// next to `target/<profile>/libmurmur.so`. `CARGO_TARGET_DIR` is honoured as a fallback.
fn built_library() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the test executable");
    let deps_dir = exe
        .parent()
        .expect("test executable has a parent directory");
    let profile_dir = deps_dir.parent().expect("deps directory has a parent");
    let profile = profile_dir
        .file_name()
        .map(|name| name.to_os_string())
        .unwrap_or_else(|| "debug".into());

    // `cargo test` leaves the cdylib in `deps/`; `cargo build` also copies one up a level.
    let mut candidates = vec![deps_dir.join(LIBRARY_NAME), profile_dir.join(LIBRARY_NAME)];
    if let Some(target_dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let target_dir = PathBuf::from(target_dir);
        candidates.push(target_dir.join(&profile).join(LIBRARY_NAME));
        candidates.push(target_dir.join("debug").join(LIBRARY_NAME));
    }

    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "Murmur's plugin library was not found; looked at {candidates:?}. It is built by \
                 `cargo test` because the crate is a cdylib."
            )
        })
}

/// A fresh, uniquely named directory under the system temp dir.
fn fresh_temp_dir() -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "murmur-clap-host-{}-{}-{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

pub struct Bundle {
    pub entry: PluginEntry,
    pub plugin_id: CString,
    pub host_info: HostInfo,
}

/// Loads `Murmur.clap` once per test process: the built library is copied into a fresh temporary
/// directory under the name a CLAP bundle has on Linux, then opened like a host would.
pub fn bundle() -> &'static Bundle {
    static BUNDLE: OnceLock<Bundle> = OnceLock::new();
    BUNDLE.get_or_init(|| {
        let library = built_library();
        if cfg!(debug_assertions) {
            // Only a library built with nice-plug's `assert_process_allocs` (which `cargo test`
            // enables through the dev-dependency) proves that processing does not allocate.
            let bytes = std::fs::read(&library).unwrap_or_else(|e| panic!("read {library:?}: {e}"));
            assert!(
                bytes.windows(13).any(|w| w == b"AllocDisabler"),
                "{library:?} was built without allocation checks in process(); rebuild it with \
                 `cargo test` (a concurrent `cargo build` may have replaced it)"
            );
        }
        let dir = fresh_temp_dir();
        let bundle_path = dir.join("Murmur.clap");
        std::fs::copy(&library, &bundle_path)
            .unwrap_or_else(|e| panic!("copy {library:?} to {bundle_path:?}: {e}"));

        // SAFETY: this is the plugin under test; loading it runs its initializers.
        let entry = unsafe { PluginEntry::load(&bundle_path) }
            .unwrap_or_else(|e| panic!("load {bundle_path:?} as a CLAP bundle: {e}"));
        // The library stays mapped after its file is gone.
        let _ = std::fs::remove_dir_all(&dir);

        let factory = entry
            .get_plugin_factory()
            .expect("Murmur.clap exposes a plugin factory");
        let descriptors: Vec<_> = factory.plugin_descriptors().collect();
        assert_eq!(descriptors.len(), 1, "Murmur.clap holds exactly one plugin");
        let descriptor = descriptors[0];
        assert_eq!(
            descriptor.name().map(|n| n.to_string_lossy().into_owned()),
            Some("Murmur".to_owned()),
            "plugin name in the CLAP descriptor"
        );
        let plugin_id = descriptor
            .id()
            .expect("the plugin descriptor has an id")
            .to_owned();

        let host_info = HostInfo::new(
            "Murmur CLAP test host",
            "Murmur",
            "https://example.invalid",
            "0.1.0",
        )
        .expect("host info");

        Bundle {
            entry,
            plugin_id,
            host_info,
        }
    })
}
