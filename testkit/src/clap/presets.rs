//! A host's preset browser: Murmur's presets listed through the CLAP preset-discovery factory,
//! as Bitwig-style hosts index them, and loaded through the plugin's preset-load extension.

use std::ffi::{CStr, CString};

use clack_extensions::preset_discovery::prelude::*;
use clack_host::prelude::*;

use super::Murmur;
use super::bundle::bundle;

/// The preset flags (factory, user, …), for the tests.
pub use clack_extensions::preset_discovery::prelude::Flags;

/// A location the provider declared.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredLocation {
    pub name: String,
    /// `None` for presets inside the plugin, else the folder or file.
    pub path: Option<CString>,
    pub flags: Flags,
}

/// One preset as the provider described it.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscoveredPreset {
    pub name: String,
    pub load_key: Option<CString>,
    /// The location it was found at (`None`: inside the plugin).
    pub path: Option<CString>,
    /// The plugin IDs it declares ("clap" ABI only).
    pub plugin_ids: Vec<String>,
    pub flags: Flags,
    pub description: Option<String>,
}

/// What a provider declared, and its file types.
#[derive(Default)]
struct Indexer {
    locations: Vec<DeclaredLocation>,
    extensions: Vec<String>,
}

impl IndexerImpl for Indexer {
    fn declare_filetype(&mut self, file_type: FileType) -> Result<(), HostError> {
        let extension = file_type
            .file_extension
            .map(|e| e.to_string_lossy().into_owned());
        self.extensions.push(extension.unwrap_or_default());
        Ok(())
    }

    fn declare_location(&mut self, location: LocationInfo) -> Result<(), HostError> {
        let path = match location.location {
            Location::Plugin => None,
            Location::File { path } => Some(path.to_owned()),
        };
        self.locations.push(DeclaredLocation {
            name: location.name.to_string_lossy().into_owned(),
            path,
            flags: location.flags,
        });
        Ok(())
    }

    fn declare_soundpack(&mut self, _soundpack: Soundpack) -> Result<(), HostError> {
        Ok(())
    }
}

/// Collects the presets of one `get_metadata` call.
struct Receiver {
    path: Option<CString>,
    presets: Vec<DiscoveredPreset>,
    errors: Vec<String>,
}

impl Receiver {
    fn current(&mut self) -> Option<&mut DiscoveredPreset> {
        self.presets.last_mut()
    }
}

impl MetadataReceiverImpl for Receiver {
    fn on_error(&mut self, error_code: i32, error_message: Option<&CStr>) {
        let message = error_message.map(|m| m.to_string_lossy().into_owned());
        self.errors
            .push(format!("{error_code}: {}", message.unwrap_or_default()));
    }

    fn begin_preset(
        &mut self,
        name: Option<&CStr>,
        load_key: Option<&CStr>,
    ) -> Result<(), HostError> {
        self.presets.push(DiscoveredPreset {
            name: name
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            load_key: load_key.map(CStr::to_owned),
            path: self.path.clone(),
            plugin_ids: Vec::new(),
            flags: Flags::empty(),
            description: None,
        });
        Ok(())
    }

    fn add_plugin_id(&mut self, plugin_id: UniversalPluginId) {
        let clap = plugin_id.abi == c"clap";
        if let (true, Some(preset)) = (clap, self.current()) {
            preset
                .plugin_ids
                .push(plugin_id.id.to_string_lossy().into_owned());
        }
    }

    fn set_soundpack_id(&mut self, _soundpack_id: &CStr) {}

    fn set_flags(&mut self, flags: Flags) {
        if let Some(preset) = self.current() {
            preset.flags = flags;
        }
    }

    fn add_creator(&mut self, _creator: &CStr) {}

    fn set_description(&mut self, description: &CStr) {
        if let Some(preset) = self.current() {
            preset.description = Some(description.to_string_lossy().into_owned());
        }
    }

    fn set_timestamps(&mut self, _creation: Option<Timestamp>, _modification: Option<Timestamp>) {}

    fn add_feature(&mut self, _feature: &CStr) {}

    fn add_extra_info(&mut self, _key: &CStr, _value: &CStr) {}
}

/// Everything a host's indexer learns from Murmur's preset providers: the locations they
/// declare, the file extensions, and every preset (the files in a folder location, one by one,
/// as an indexer crawls them), with any error a provider reported.
pub fn discover() -> (
    Vec<DeclaredLocation>,
    Vec<String>,
    Vec<DiscoveredPreset>,
    Vec<String>,
) {
    let bundle = bundle();
    let factory: PresetDiscoveryFactory = bundle
        .entry
        .get_factory()
        .expect("Murmur.clap has a preset-discovery factory");
    let ids: Vec<CString> = factory
        .provider_descriptors()
        .filter_map(|d| d.id().map(CStr::to_owned))
        .collect();
    let (mut locations, mut extensions, mut presets, mut errors) = (vec![], vec![], vec![], vec![]);
    for id in ids {
        let mut provider =
            Provider::instantiate(Indexer::default(), &bundle.entry, &id, &bundle.host_info)
                .unwrap_or_else(|e| panic!("provider {id:?}: {e}"));
        let declared = provider.indexer().locations.clone();
        extensions.extend(provider.indexer().extensions.clone());
        for location in &declared {
            let mut crawl = |path: Option<CString>| {
                let mut receiver = Receiver {
                    path: path.clone(),
                    presets: Vec::new(),
                    errors: Vec::new(),
                };
                let at = match &path {
                    None => Location::Plugin,
                    Some(path) => Location::File { path },
                };
                provider.get_metadata(at, &mut receiver);
                presets.extend(receiver.presets);
                errors.extend(receiver.errors);
            };
            match &location.path {
                None => crawl(None),
                Some(folder) => {
                    let folder = std::path::PathBuf::from(folder.to_string_lossy().into_owned());
                    let mut files: Vec<_> = std::fs::read_dir(&folder)
                        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
                        .unwrap_or_default();
                    files.sort();
                    for file in files {
                        let wanted = file.extension().is_some_and(|e| {
                            extensions.iter().any(|x| x.as_str() == e.to_string_lossy())
                        });
                        if wanted {
                            crawl(Some(
                                CString::new(file.to_string_lossy().into_owned()).unwrap(),
                            ));
                        }
                    }
                }
            }
        }
        locations.extend(declared);
    }
    (locations, extensions, presets, errors)
}

impl Murmur {
    /// Loads `preset` through the plugin's preset-load extension, as a host's browser does;
    /// whether the plugin took it.
    pub fn load_preset(&mut self, preset: &DiscoveredPreset) -> bool {
        let load = self
            .instance
            .plugin_shared_handle()
            .get_extension::<PluginPresetLoad>()
            .expect("Murmur implements clap.preset-load");
        let location = match &preset.path {
            None => Location::Plugin,
            Some(path) => Location::File { path },
        };
        let handle = self.instance.plugin_handle();
        load.load_from_location(&handle, location, preset.load_key.as_deref())
            .is_ok()
    }
}
