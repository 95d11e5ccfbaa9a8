//! Murmur's editor: its gestures and drawing in-process, and the real editor window opened by a
//! host (an X11 window on a private Xvfb display on Linux, a Win32 window under Windows).
//!
//! The window tests share one display and measure this process's threads and memory, so every
//! test here takes `testkit::exclusive()` and they run one at a time.

mod gestures;
#[cfg(target_os = "linux")]
mod torture;
#[cfg(windows)]
mod win32;
#[cfg(target_os = "linux")]
mod window;
