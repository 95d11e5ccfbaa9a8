//! Test signals ([`signal`]) and the measurements of what Murmur renders ([`measure`]). This
//! crate knows nothing of Murmur, so that the library's own unit tests can use it: a test kit
//! that linked the library would put a second copy of the plugin's entry points into their
//! program. The test kit (`testkit`) re-exports both modules.

pub mod measure;
pub mod signal;
