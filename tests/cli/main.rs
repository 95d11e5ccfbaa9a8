//! The `murmur` command line as a user runs it: its commands and errors, long night renders,
//! parity with the plugin in a host, the file formats it reads and writes, and (with
//! `MURMUR_WINDOWS_BUNDLES`) the Windows program under Wine.

mod commands;
mod evolving;
mod night;
mod parity;
mod render;
mod sessions;
mod windows;
