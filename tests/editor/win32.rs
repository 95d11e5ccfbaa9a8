//! Murmur's editor opened the way a Windows host opens it: through the CLAP GUI extension of the
//! bundle under test, embedded in a top-level Win32 window of the host, whose messages the test
//! pumps as a host's message loop does. Five times in one instance: each time the editor must
//! put its window, at the size it reported, inside the host's window, keep running for a while
//! (its OpenGL context made, frames rendered on the host's message loop), and take its window
//! away when closed, without a crash.
//!
//! `cargo xtask windows-test` runs it under Wine on a virtual X display (Wine's OpenGL on Mesa).
//! What the editor draws is not read back: Wine 8 renders an embedded window's OpenGL off screen
//! and fails to copy it into the host's window (TESTING.md).

#![cfg(windows)]

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use clack_extensions::gui::{GuiApiType, GuiConfiguration, Window};
use windows_sys::Win32::Foundation::{HWND, RECT};
use windows_sys::Win32::System::LibraryLoader::GetModuleHandleW;
use windows_sys::Win32::UI::WindowsAndMessaging::{
    AdjustWindowRect, CreateWindowExW, DefWindowProcW, DestroyWindow, DispatchMessageW,
    FindWindowExW, GetClientRect, IsWindowVisible, MSG, PM_REMOVE, PeekMessageW, RegisterClassW,
    TranslateMessage, WNDCLASSW, WS_OVERLAPPEDWINDOW, WS_VISIBLE,
};

use testkit::clap::Murmur;

const OPENINGS: usize = 5;
/// How long each opening runs before it is closed.
const OPEN_FOR: Duration = Duration::from_secs(1);

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain([0]).collect()
}

/// A visible top-level window whose inside is `width` × `height`, as a host's plugin window.
fn host_window(width: u32, height: u32) -> HWND {
    static CLASS: OnceLock<Vec<u16>> = OnceLock::new();
    let class = CLASS.get_or_init(|| {
        let name = wide("MurmurTestHostWindow");
        let class = WNDCLASSW {
            lpfnWndProc: Some(DefWindowProcW),
            hInstance: unsafe { GetModuleHandleW(std::ptr::null()) },
            lpszClassName: name.as_ptr(),
            // SAFETY: all-zero is valid for the remaining fields (no icon, cursor, menu).
            ..unsafe { std::mem::zeroed() }
        };
        assert_ne!(unsafe { RegisterClassW(&class) }, 0, "RegisterClassW");
        name
    });
    let mut frame = RECT {
        left: 0,
        top: 0,
        right: width as i32,
        bottom: height as i32,
    };
    unsafe { AdjustWindowRect(&mut frame, WS_OVERLAPPEDWINDOW, 0) };
    let title = wide("Murmur");
    let window = unsafe {
        CreateWindowExW(
            0,
            class.as_ptr(),
            title.as_ptr(),
            WS_OVERLAPPEDWINDOW | WS_VISIBLE,
            0,
            0,
            frame.right - frame.left,
            frame.bottom - frame.top,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            GetModuleHandleW(std::ptr::null()),
            std::ptr::null(),
        )
    };
    assert!(!window.is_null(), "CreateWindowExW");
    window
}

/// The editor's window inside the host's `window`, if there is one, and its inside's size.
fn embedded_window(window: HWND) -> Option<(HWND, u32, u32)> {
    let child = unsafe {
        FindWindowExW(
            window,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    if child.is_null() {
        return None;
    }
    let mut inside = RECT {
        left: 0,
        top: 0,
        right: 0,
        bottom: 0,
    };
    unsafe { GetClientRect(child, &mut inside) };
    Some((
        child,
        (inside.right - inside.left) as u32,
        (inside.bottom - inside.top) as u32,
    ))
}

/// One turn of the host's event loop: the window messages of this thread, and the plugin's
/// main-thread callback if it asked for one.
fn pump(murmur: &mut Murmur) {
    unsafe {
        let mut message: MSG = std::mem::zeroed();
        while PeekMessageW(&mut message, std::ptr::null_mut(), 0, 0, PM_REMOVE) != 0 {
            TranslateMessage(&message);
            DispatchMessageW(&message);
        }
    }
    murmur.pump();
    std::thread::sleep(Duration::from_millis(5));
}

#[test]
#[ignore = "opens windows on the desktop: cargo xtask windows-test runs it under Wine"]
fn the_editor_opens_in_a_win32_window_five_times() {
    let mut murmur = Murmur::new();
    let win32 = GuiConfiguration {
        api_type: GuiApiType::WIN32,
        is_floating: false,
    };
    let (gui, handle) = murmur.gui();
    assert!(
        gui.is_api_supported(&handle, win32),
        "Murmur's editor embeds in Win32 windows"
    );

    for opening in 1..=OPENINGS {
        let (gui, handle) = murmur.gui();
        gui.create(&handle, win32).expect("gui.create");
        let size = gui.get_size(&handle).expect("gui.get_size");
        let window = host_window(size.width, size.height);
        // SAFETY: the window lives until after `gui.destroy` below.
        unsafe {
            gui.set_parent(&handle, Window::from_win32_hwnd(window.cast()))
                .expect("gui.set_parent");
        }
        gui.show(&handle).expect("gui.show");

        let opened = Instant::now();
        while opened.elapsed() < OPEN_FOR {
            pump(&mut murmur);
        }
        let (editor, width, height) = embedded_window(window)
            .unwrap_or_else(|| panic!("opening {opening}: no editor window in the host's window"));
        eprintln!("opening {opening}: the editor's window is {width} × {height}");
        assert_eq!(
            (width, height),
            (size.width, size.height),
            "opening {opening}: its size"
        );
        assert_ne!(
            unsafe { IsWindowVisible(editor) },
            0,
            "opening {opening}: shown"
        );

        let (gui, handle) = murmur.gui();
        gui.hide(&handle).expect("gui.hide");
        gui.destroy(&handle);
        for _ in 0..20 {
            pump(&mut murmur);
        }
        assert!(
            embedded_window(window).is_none(),
            "opening {opening}: the editor's window outlived gui.destroy"
        );
        unsafe { DestroyWindow(window) };
    }
}
