//! The CLAP entry point: the plugin factory for both plugins, as nice-plug's `nice_export_clap!`
//! builds it, and a preset-discovery factory, so that hosts' preset browsers list Murmur's
//! presets (the factory ones, kept inside the plugin, and the user's, as files) and load them
//! through the plugin's preset-load extension.
//!
//! nice-plug serves only the plugin factory and its wrapper has no preset-load extension. So this
//! file builds the same entry point from nice-plug's public parts, and gives the host each
//! instance's `clap_plugin` with two of its functions replaced: `get_extension` adds preset-load
//! and hands everything else to nice-plug's, and `destroy` frees this wrapping after nice-plug's
//! own `destroy`. Every other function is nice-plug's; they find their wrapper through
//! `plugin_data`, which stays nice-plug's. A preset is loaded the way nice-plug loads a host's
//! saved state (`set_state_inner`), which tells the host to rescan the values.

use std::ffi::{CStr, CString, c_char, c_void};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use clap_sys::ext::params::{
    CLAP_EXT_PARAMS, CLAP_PARAM_IS_ENUM, clap_param_info, clap_plugin_params,
};
use clap_sys::ext::preset_load::{
    CLAP_EXT_PRESET_LOAD, CLAP_EXT_PRESET_LOAD_COMPAT, clap_plugin_preset_load,
};
use clap_sys::factory::preset_discovery::*;
use clap_sys::universal_plugin_id::clap_universal_plugin_id;
use nice_plug::prelude::ClapPlugin;
use nice_plug::wrapper::clap::{
    CLAP_PLUGIN_FACTORY_ID, CLAP_VERSION, PluginDescriptor, Wrapper, clap_host, clap_plugin,
    clap_plugin_descriptor, clap_plugin_entry, clap_plugin_factory,
};
use nice_plug::wrapper::setup_logger;

use crate::params::{self, ParamSheet};
use crate::{Murmur, MurmurTriggers, presets, user_presets};

/// The provider's ID and what hosts show for it.
const PROVIDER_ID: &CStr = c"audio.murmur.presets";
/// The plugins every preset is for: both play the same parameters.
const PLUGIN_IDS: [&CStr; 2] = [c"audio.murmur.murmur", c"audio.murmur.triggers"];

/// The entry point hosts look up.
#[unsafe(no_mangle)]
#[used]
pub static clap_entry: clap_plugin_entry = clap_plugin_entry {
    clap_version: CLAP_VERSION,
    init: Some(entry_init),
    deinit: Some(entry_deinit),
    get_factory: Some(get_factory),
};

unsafe extern "C" fn entry_init(_plugin_path: *const c_char) -> bool {
    setup_logger::<Murmur>();
    setup_logger::<MurmurTriggers>();
    true
}

unsafe extern "C" fn entry_deinit() {}

unsafe extern "C" fn get_factory(factory_id: *const c_char) -> *const c_void {
    if factory_id.is_null() {
        return std::ptr::null();
    }
    // SAFETY: the host passes a C string.
    let id = unsafe { CStr::from_ptr(factory_id) };
    if id == CLAP_PLUGIN_FACTORY_ID {
        &PLUGIN_FACTORY as *const clap_plugin_factory as *const c_void
    } else if id == CLAP_PRESET_DISCOVERY_FACTORY_ID
        || id == CLAP_PRESET_DISCOVERY_FACTORY_ID_COMPAT
    {
        &PRESET_FACTORY as *const clap_preset_discovery_factory as *const c_void
    } else {
        std::ptr::null()
    }
}

// ---------------------------------------------------------------------------------------------
// The plugin factory
// ---------------------------------------------------------------------------------------------

static PLUGIN_FACTORY: clap_plugin_factory = clap_plugin_factory {
    get_plugin_count: Some(plugin_count),
    get_plugin_descriptor: Some(plugin_descriptor),
    create_plugin: Some(create_plugin),
};

/// Both plugins' descriptors, in the order the factory lists them.
fn descriptors() -> &'static [PluginDescriptor; 2] {
    static DESCRIPTORS: OnceLock<[PluginDescriptor; 2]> = OnceLock::new();
    DESCRIPTORS.get_or_init(|| {
        [
            PluginDescriptor::for_plugin::<Murmur>(),
            PluginDescriptor::for_plugin::<MurmurTriggers>(),
        ]
    })
}

unsafe extern "C" fn plugin_count(_factory: *const clap_plugin_factory) -> u32 {
    descriptors().len() as u32
}

unsafe extern "C" fn plugin_descriptor(
    _factory: *const clap_plugin_factory,
    index: u32,
) -> *const clap_plugin_descriptor {
    descriptors()
        .get(index as usize)
        .map_or(std::ptr::null(), |d| d.clap_plugin_descriptor() as *const _)
}

unsafe extern "C" fn create_plugin(
    _factory: *const clap_plugin_factory,
    host: *const clap_host,
    plugin_id: *const c_char,
) -> *const clap_plugin {
    if plugin_id.is_null() {
        return std::ptr::null();
    }
    // SAFETY: the host passes a C string.
    let id = unsafe { CStr::from_ptr(plugin_id) };
    let [effect, instrument] = descriptors();
    // SAFETY: `host` is the host's, valid for the plugin's life.
    unsafe {
        if id == effect.clap_id() {
            Instance::create::<Murmur>(host)
        } else if id == instrument.clap_id() {
            Instance::create::<MurmurTriggers>(host)
        } else {
            std::ptr::null()
        }
    }
}

/// What the host holds for one plugin: nice-plug's `clap_plugin` with `get_extension` and
/// `destroy` replaced. `plugin` comes first, so the host's pointer to it is a pointer to this.
#[repr(C)]
struct Instance {
    plugin: clap_plugin,
    /// nice-plug's own functions.
    inner: clap_plugin,
    /// Loads a preset into this instance's wrapper (`plugin_data`); whether it was taken.
    load: unsafe fn(*mut c_void, &ParamSheet) -> bool,
    /// nice-plug's `clap.params`, and the same with `get_info` marking the choices as lists.
    params: OnceLock<[clap_plugin_params; 2]>,
}

impl Instance {
    /// A new instance of `P`, as nice-plug's factory makes one, wrapped.
    ///
    /// # Safety
    /// `host` must be the host's `clap_host`.
    unsafe fn create<P: ClapPlugin>(host: *const clap_host) -> *const clap_plugin {
        // nice-plug's `destroy` turns `plugin_data` back into this `Arc`.
        // SAFETY: `host` is the host's (see above).
        let wrapper = Arc::into_raw(unsafe { Wrapper::<P>::new(host) });
        // SAFETY: `wrapper` is alive until `destroy`; its `clap_plugin` is set up (with
        // `plugin_data` pointing at it) by `Wrapper::new`.
        let inner = unsafe { *(*wrapper).clap_plugin.as_ptr() };
        let plugin = clap_plugin {
            get_extension: Some(get_extension),
            destroy: Some(destroy),
            ..inner
        };
        let instance = Box::new(Instance {
            plugin,
            inner,
            load: load_into::<P>,
            params: OnceLock::new(),
        });
        Box::into_raw(instance) as *const clap_plugin
    }
}

/// Sets every parameter but Bypass to `sheet`'s values the way nice-plug loads a host's saved
/// state (`clap.state`'s `load`): at once, on the calling main thread, and then the host is told
/// to rescan the values. Whether the state was taken.
///
/// # Safety
/// `plugin_data` must be a live `Wrapper<P>`.
unsafe fn load_into<P: ClapPlugin>(plugin_data: *mut c_void, sheet: &ParamSheet) -> bool {
    // SAFETY: see above.
    let wrapper = unsafe { &*(plugin_data as *const Wrapper<P>) };
    wrapper.set_state_inner(&mut params::state_with(wrapper.get_state_object(), sheet))
}

unsafe extern "C" fn destroy(plugin: *const clap_plugin) {
    if plugin.is_null() {
        return;
    }
    // SAFETY: `plugin` is an `Instance` from `Instance::create`, destroyed once by the host;
    // nice-plug's `destroy` reads only `plugin_data`, the same in both, and the instance is freed
    // after it.
    unsafe {
        if let Some(destroy) = (*(plugin as *const Instance)).inner.destroy {
            destroy(plugin);
        }
        drop(Box::from_raw(plugin as *mut Instance));
    }
}

static PRESET_LOAD: clap_plugin_preset_load = clap_plugin_preset_load {
    from_location: Some(from_location),
};

unsafe extern "C" fn get_extension(plugin: *const clap_plugin, id: *const c_char) -> *const c_void {
    if plugin.is_null() || id.is_null() {
        return std::ptr::null();
    }
    // SAFETY: the host passes a C string and the pointer `create_plugin` gave it.
    let (name, instance) = unsafe { (CStr::from_ptr(id), &*(plugin as *const Instance)) };
    if name == CLAP_EXT_PRESET_LOAD || name == CLAP_EXT_PRESET_LOAD_COMPAT {
        return &PRESET_LOAD as *const clap_plugin_preset_load as *const c_void;
    }
    let Some(get_extension) = instance.inner.get_extension else {
        return std::ptr::null();
    };
    // SAFETY: nice-plug's own function, on a pointer whose `plugin_data` is its wrapper.
    let extension = unsafe { get_extension(plugin, id) };
    if name != CLAP_EXT_PARAMS || extension.is_null() {
        return extension;
    }
    // SAFETY: nice-plug's `clap.params`, static in its wrapper.
    let inner = unsafe { *(extension as *const clap_plugin_params) };
    let [_, ours] = instance.params.get_or_init(|| {
        [
            inner,
            clap_plugin_params {
                get_info: Some(param_info),
                ..inner
            },
        ]
    });
    ours as *const clap_plugin_params as *const c_void
}

/// nice-plug's parameter info, with the choices flagged as lists (`CLAP_PARAM_IS_ENUM`): nice-plug
/// declares them only as stepped, so a host's generic view shows a two-choice list (HRTF: Sphere
/// or SOFA) as an on/off box, and longer ones as a number.
unsafe extern "C" fn param_info(
    plugin: *const clap_plugin,
    index: u32,
    info: *mut clap_param_info,
) -> bool {
    // SAFETY: the pointer `create_plugin` gave the host; `params` is set before the host can
    // have this function.
    let instance = unsafe { &*(plugin as *const Instance) };
    let Some([inner, _]) = instance.params.get() else {
        return false;
    };
    // SAFETY: nice-plug's own function, with the host's arguments.
    let found = inner
        .get_info
        .is_some_and(|get_info| unsafe { get_info(plugin, index, info) });
    if found && !info.is_null() {
        // SAFETY: nice-plug filled it.
        let info = unsafe { &mut *info };
        let name = unsafe { CStr::from_ptr(info.name.as_ptr()) }.to_string_lossy();
        if choice_names().iter().any(|n| *n == name) {
            info.flags |= CLAP_PARAM_IS_ENUM;
        }
    }
    found
}

/// The names of Murmur's choice parameters.
fn choice_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        use nice_plug::prelude::Params;
        let params = crate::params::MurmurParams::default();
        params
            .param_map()
            .into_iter()
            .filter(|(_, ptr, _)| matches!(ptr, nice_plug::prelude::ParamPtr::EnumParam(_)))
            // SAFETY: the pointers point into `params`, alive in this closure.
            .map(|(_, ptr, _)| unsafe { ptr.name() }.to_owned())
            .collect()
    })
}

/// Loads a factory preset (`load_key` its name, inside the plugin) or a preset file.
unsafe extern "C" fn from_location(
    plugin: *const clap_plugin,
    kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    load_key: *const c_char,
) -> bool {
    if plugin.is_null() {
        return false;
    }
    // SAFETY: as in `get_extension`; strings are the host's C strings or null.
    let (instance, location, load_key) = unsafe {
        (
            &*(plugin as *const Instance),
            text(location),
            text(load_key),
        )
    };
    let Some(sheet) = preset_sheet(kind, location.as_deref(), load_key.as_deref()) else {
        return false;
    };
    // SAFETY: `plugin_data` is this instance's wrapper, alive until `destroy`.
    unsafe { (instance.load)(instance.plugin.plugin_data, &sheet) }
}

/// A C string the host passed, if any.
///
/// # Safety
/// `ptr` must be null or a C string.
unsafe fn text(ptr: *const c_char) -> Option<String> {
    // SAFETY: see above.
    (!ptr.is_null()).then(|| {
        unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned()
    })
}

/// The values a preset location holds: a factory preset by name inside the plugin, or a preset
/// file on top of the defaults (as the command line and the editor read it). `None` when there
/// is no such preset or the file cannot be used.
fn preset_sheet(
    kind: clap_preset_discovery_location_kind,
    location: Option<&str>,
    load_key: Option<&str>,
) -> Option<ParamSheet> {
    match kind {
        CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN => {
            presets::find(load_key?).map(|p| ParamSheet::with_settings(&p.settings))
        }
        CLAP_PRESET_DISCOVERY_LOCATION_FILE => user_presets::load_sheet(Path::new(location?)).ok(),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The preset-discovery factory
// ---------------------------------------------------------------------------------------------

/// A `Sync` wrapper for the static descriptors, which hold pointers to static strings.
struct Static<T>(T);
// SAFETY: the wrapped values only point at `'static` C strings and are never written.
unsafe impl<T> Sync for Static<T> {}

static PRESET_FACTORY: clap_preset_discovery_factory = clap_preset_discovery_factory {
    count: Some(provider_count),
    get_descriptor: Some(provider_descriptor),
    create: Some(create_provider),
};

static PROVIDER: Static<clap_preset_discovery_provider_descriptor> =
    Static(clap_preset_discovery_provider_descriptor {
        clap_version: CLAP_VERSION,
        id: PROVIDER_ID.as_ptr(),
        name: c"Murmur presets".as_ptr(),
        vendor: c"Murmur".as_ptr(),
    });

unsafe extern "C" fn provider_count(_factory: *const clap_preset_discovery_factory) -> u32 {
    1
}

unsafe extern "C" fn provider_descriptor(
    _factory: *const clap_preset_discovery_factory,
    index: u32,
) -> *const clap_preset_discovery_provider_descriptor {
    if index == 0 {
        &PROVIDER.0
    } else {
        std::ptr::null()
    }
}

/// One provider: the host's indexer, and the user's preset folder as declared to it.
#[repr(C)]
struct Provider {
    provider: clap_preset_discovery_provider,
    indexer: *const clap_preset_discovery_indexer,
    user_folder: Option<CString>,
}

unsafe extern "C" fn create_provider(
    _factory: *const clap_preset_discovery_factory,
    indexer: *const clap_preset_discovery_indexer,
    provider_id: *const c_char,
) -> *const clap_preset_discovery_provider {
    // SAFETY: the host passes a C string.
    if indexer.is_null()
        || provider_id.is_null()
        || unsafe { CStr::from_ptr(provider_id) } != PROVIDER_ID
    {
        return std::ptr::null();
    }
    let provider = Box::new(Provider {
        provider: clap_preset_discovery_provider {
            desc: &PROVIDER.0,
            provider_data: std::ptr::null_mut(),
            init: Some(provider_init),
            destroy: Some(provider_destroy),
            get_metadata: Some(get_metadata),
            get_extension: Some(provider_extension),
        },
        indexer,
        user_folder: None,
    });
    Box::into_raw(provider) as *const clap_preset_discovery_provider
}

/// Declares where presets are: the factory presets inside the plugin, and the user's preset
/// folder (with its file type) when there is one.
unsafe extern "C" fn provider_init(provider: *const clap_preset_discovery_provider) -> bool {
    // SAFETY: a `Provider` from `create_provider`; the host calls `init` once, before anything
    // else, on its own thread.
    let provider = unsafe { &mut *(provider as *mut Provider) };
    // SAFETY: the host's indexer, alive as long as the provider.
    let indexer = unsafe { &*provider.indexer };
    let (Some(declare_location), Some(declare_filetype)) =
        (indexer.declare_location, indexer.declare_filetype)
    else {
        return false;
    };
    let factory = clap_preset_discovery_location {
        flags: CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT,
        name: c"Murmur factory presets".as_ptr(),
        kind: CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
        location: std::ptr::null(),
    };
    // SAFETY: the indexer's own functions, with pointers valid for the call.
    if !unsafe { declare_location(provider.indexer, &factory) } {
        return false;
    }
    // Made if need be, so that the first preset the user saves is where the host looks.
    let folder = user_presets::folder()
        .filter(|f| std::fs::create_dir_all(f).is_ok())
        .and_then(|f| CString::new(f.to_string_lossy().into_owned()).ok());
    if let Some(folder) = folder {
        let extension = CString::new(user_presets::EXTENSION).expect("no NUL in the extension");
        let filetype = clap_preset_discovery_filetype {
            name: c"Murmur preset".as_ptr(),
            description: c"Murmur's parameters as NAME=VALUE lines".as_ptr(),
            file_extension: extension.as_ptr(),
        };
        let user = clap_preset_discovery_location {
            flags: CLAP_PRESET_DISCOVERY_IS_USER_CONTENT,
            name: c"Your Murmur presets".as_ptr(),
            kind: CLAP_PRESET_DISCOVERY_LOCATION_FILE,
            location: folder.as_ptr(),
        };
        // SAFETY: as above.
        let declared = unsafe {
            declare_filetype(provider.indexer, &filetype)
                && declare_location(provider.indexer, &user)
        };
        if !declared {
            return false;
        }
        provider.user_folder = Some(folder);
    }
    true
}

unsafe extern "C" fn provider_destroy(provider: *const clap_preset_discovery_provider) {
    if !provider.is_null() {
        // SAFETY: a `Provider` from `create_provider`, destroyed once.
        drop(unsafe { Box::from_raw(provider as *mut Provider) });
    }
}

unsafe extern "C" fn provider_extension(
    _provider: *const clap_preset_discovery_provider,
    _id: *const c_char,
) -> *const c_void {
    std::ptr::null()
}

/// Tells the host about the presets at a location: every factory preset inside the plugin, or
/// the one preset a user's file holds.
unsafe extern "C" fn get_metadata(
    _provider: *const clap_preset_discovery_provider,
    kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    receiver: *const clap_preset_discovery_metadata_receiver,
) -> bool {
    if receiver.is_null() {
        return false;
    }
    // SAFETY: the host's receiver, valid for this call; `location` is null or a C string.
    let (r, location) = unsafe { (&*receiver, text(location)) };
    let Some(begin_preset) = r.begin_preset else {
        return false;
    };
    let describe = |flags: u32, description: Option<&CStr>| {
        for id in PLUGIN_IDS {
            let plugin = clap_universal_plugin_id {
                abi: c"clap".as_ptr(),
                id: id.as_ptr(),
            };
            if let Some(add_plugin_id) = r.add_plugin_id {
                // SAFETY: the receiver's own function, with pointers valid for the call.
                unsafe { add_plugin_id(receiver, &plugin) };
            }
        }
        if let Some(set_flags) = r.set_flags {
            // SAFETY: as above.
            unsafe { set_flags(receiver, flags) };
        }
        if let (Some(set_description), Some(description)) = (r.set_description, description) {
            // SAFETY: as above.
            unsafe { set_description(receiver, description.as_ptr()) };
        }
    };
    match kind {
        CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN => {
            for preset in presets::factory() {
                let name = CString::new(preset.name).expect("no NUL in a preset's name");
                let description = CString::new(preset.description).ok();
                // SAFETY: as above; the name is both what is shown and the key to load it by.
                if !unsafe { begin_preset(receiver, name.as_ptr(), name.as_ptr()) } {
                    break;
                }
                describe(
                    CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT,
                    description.as_deref(),
                );
            }
            true
        }
        CLAP_PRESET_DISCOVERY_LOCATION_FILE => {
            let Some(path) = location else { return false };
            let path = Path::new(&path);
            let checked = std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    user_presets::parse(&text, &ParamSheet::new())?;
                    Ok(user_presets::name_of(path, &text))
                });
            let name = match checked {
                Ok(name) => name,
                Err(why) => {
                    if let (Some(on_error), Ok(message)) = (r.on_error, CString::new(why)) {
                        // SAFETY: as above.
                        unsafe { on_error(receiver, 0, message.as_ptr()) };
                    }
                    return false;
                }
            };
            let Ok(name) = CString::new(name) else {
                return false;
            };
            // SAFETY: as above; a file holds one preset, loaded by its path alone.
            if unsafe { begin_preset(receiver, name.as_ptr(), std::ptr::null()) } {
                describe(CLAP_PRESET_DISCOVERY_IS_USER_CONTENT, None);
            }
            true
        }
        _ => false,
    }
}
