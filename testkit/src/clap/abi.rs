//! The raw C ABI of the CLAP extensions Murmur's test host calls directly (`clap/ext/params.h`,
//! `state.h`, `audio-ports-config.h`), wrapped as `clack-host` extensions. Part of the test host
//! (`testkit::clap`).

use std::ffi::{CStr, c_char, c_void};

use clack_host::extensions::{Extension, PluginExtensionSide, RawExtension};

pub const CLAP_NAME_SIZE: usize = 256;
pub const CLAP_PATH_SIZE: usize = 1024;

pub const CLAP_PARAM_IS_STEPPED: u32 = 1 << 0;
pub const CLAP_PARAM_IS_HIDDEN: u32 = 1 << 2;
pub const CLAP_PARAM_IS_BYPASS: u32 = 1 << 4;
pub const CLAP_PARAM_IS_AUTOMATABLE: u32 = 1 << 5;
pub const CLAP_PARAM_IS_ENUM: u32 = 1 << 16;

/// The plugin pointer is passed as `*const c_void`; it is the `const clap_plugin_t *` of the C API.
pub type PluginPtr = *const c_void;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct RawParamInfo {
    pub id: u32,
    pub flags: u32,
    pub cookie: *mut c_void,
    pub name: [c_char; CLAP_NAME_SIZE],
    pub module: [c_char; CLAP_PATH_SIZE],
    pub min_value: f64,
    pub max_value: f64,
    pub default_value: f64,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct RawPluginParams {
    pub count: Option<unsafe extern "C" fn(PluginPtr) -> u32>,
    pub get_info: Option<unsafe extern "C" fn(PluginPtr, u32, *mut RawParamInfo) -> bool>,
    pub get_value: Option<unsafe extern "C" fn(PluginPtr, u32, *mut f64) -> bool>,
    pub value_to_text: Option<unsafe extern "C" fn(PluginPtr, u32, f64, *mut c_char, u32) -> bool>,
    pub text_to_value:
        Option<unsafe extern "C" fn(PluginPtr, u32, *const c_char, *mut f64) -> bool>,
    pub flush: Option<unsafe extern "C" fn(PluginPtr, *const c_void, *const c_void)>,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct RawPluginState {
    pub save: Option<unsafe extern "C" fn(PluginPtr, *const c_void) -> bool>,
    pub load: Option<unsafe extern "C" fn(PluginPtr, *const c_void) -> bool>,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct RawAudioPortsConfig {
    pub id: u32,
    pub name: [c_char; CLAP_NAME_SIZE],
    pub input_port_count: u32,
    pub output_port_count: u32,
    pub has_main_input: bool,
    pub main_input_channel_count: u32,
    pub main_input_port_type: *const c_char,
    pub has_main_output: bool,
    pub main_output_channel_count: u32,
    pub main_output_port_type: *const c_char,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct RawPluginAudioPortsConfig {
    pub count: Option<unsafe extern "C" fn(PluginPtr) -> u32>,
    pub get: Option<unsafe extern "C" fn(PluginPtr, u32, *mut RawAudioPortsConfig) -> bool>,
    pub select: Option<unsafe extern "C" fn(PluginPtr, u32) -> bool>,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct RawPluginLatency {
    pub get: Option<unsafe extern "C" fn(PluginPtr) -> u32>,
}

macro_rules! plugin_extension {
    ($name:ident, $raw:ty, $id:literal) => {
        #[derive(Clone, Copy)]
        pub struct $name(RawExtension<PluginExtensionSide, $raw>);

        // SAFETY: the identifier is the official one for this ABI struct.
        unsafe impl Extension for $name {
            const IDENTIFIERS: &'static [&'static CStr] = &[$id];
            type ExtensionSide = PluginExtensionSide;

            unsafe fn from_raw(raw: RawExtension<Self::ExtensionSide>) -> Self {
                Self(unsafe { raw.cast() })
            }
        }

        impl $name {
            /// The vtable and the plugin pointer to pass to it. Only valid while the instance
            /// that returned this extension is alive, which `Murmur` guarantees.
            pub fn raw(&self) -> (&$raw, PluginPtr) {
                let vtable = unsafe { self.0.as_ptr().as_ref() };
                (vtable, self.0.plugin_ptr().as_ptr() as PluginPtr)
            }
        }
    };
}

plugin_extension!(ParamsExt, RawPluginParams, c"clap.params");
plugin_extension!(StateExt, RawPluginState, c"clap.state");
plugin_extension!(LatencyExt, RawPluginLatency, c"clap.latency");
plugin_extension!(
    AudioPortsConfigExt,
    RawPluginAudioPortsConfig,
    c"clap.audio-ports-config"
);

pub fn c_text(chars: &[c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}
