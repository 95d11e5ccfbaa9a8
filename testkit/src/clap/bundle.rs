//! Loading the plugin library Cargo built for the test run (found by `crate::plugin_files`) as
//! `Murmur.clap`. Part of the test host (`testkit::clap`).

use std::ffi::CString;
use std::sync::OnceLock;

use clack_host::prelude::*;

use crate::plugin_files::{
    assert_alloc_guard_compiled_in, built_plugin_library, bundles_under_test, fresh_temp_dir,
};

pub struct Bundle {
    pub entry: PluginEntry,
    /// The Murmur effect.
    pub plugin_id: CString,
    /// The Murmur Triggers instrument.
    pub triggers_id: CString,
    pub host_info: HostInfo,
}

/// Loads `Murmur.clap` once per test process: the built library (or the bundle under test) is
/// copied into a fresh temporary directory under the name a CLAP bundle has, then opened like a
/// host would.
pub fn bundle() -> &'static Bundle {
    static BUNDLE: OnceLock<Bundle> = OnceLock::new();
    BUNDLE.get_or_init(|| {
        let library = match bundles_under_test() {
            Some(folder) => folder.join("Murmur.clap"),
            None => {
                let library = built_plugin_library();
                assert_alloc_guard_compiled_in(&library);
                library
            }
        };
        let dir = fresh_temp_dir("murmur-clap-host");
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
        assert_eq!(
            descriptors.len(),
            2,
            "Murmur.clap holds the effect and the instrument"
        );
        let described = |index: usize| {
            let descriptor = descriptors[index];
            let features: Vec<String> = descriptor
                .features()
                .map(|f| f.to_string_lossy().into_owned())
                .collect();
            (
                descriptor.name().map(|n| n.to_string_lossy().into_owned()),
                descriptor
                    .id()
                    .expect("the plugin descriptor has an id")
                    .to_owned(),
                features,
            )
        };
        let (name, plugin_id, features) = described(0);
        assert_eq!(name.as_deref(), Some("Murmur"), "the effect's CLAP name");
        assert_eq!(plugin_id.to_str(), Ok("audio.murmur.murmur"));
        assert!(features.iter().any(|f| f == "audio-effect"), "{features:?}");
        let (name, triggers_id, features) = described(1);
        assert_eq!(
            name.as_deref(),
            Some("Murmur Triggers"),
            "the instrument's CLAP name"
        );
        assert_eq!(triggers_id.to_str(), Ok("audio.murmur.triggers"));
        assert!(features.iter().any(|f| f == "instrument"), "{features:?}");

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
            triggers_id,
            host_info,
        }
    })
}
