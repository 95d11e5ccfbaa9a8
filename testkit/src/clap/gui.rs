//! Opening Murmur's editor the way a Linux host does, without a screen: a private Xvfb server
//! (software OpenGL through Mesa), an X11 window of the host's own to embed the editor in, and
//! screen grabs of that window. The editor opens in the same [`Murmur`] instance that processes
//! audio; its processor runs on a thread of its own, as in a real host, so the editor's live view
//! sees what the audio renders, and [`Murmur::pump`] answers the editor's callbacks the way a
//! host's event loop would.

use std::collections::HashSet;
use std::ffi::c_ulong;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use clack_extensions::gui::{GuiApiType, GuiConfiguration, GuiSize, Window};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    ConfigureWindowAux, ConnectionExt as _, CreateWindowAux, ImageFormat, ImageOrder, WindowClass,
};
use x11rb::rust_connection::RustConnection;

use super::Murmur;

/// How long the editor may take to draw its first frame, or to settle, before a test gives up.
/// A first frame takes about 0.1 s with llvmpipe; a loaded CI machine may be much slower.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the number of threads must stay the same to count as settled.
const THREADS_SETTLED: Duration = Duration::from_millis(200);
/// How often the host's event loop looks for work while it waits.
const POLL: Duration = Duration::from_millis(5);

// ---------------------------------------------------------------------------------------------
// The virtual display
// ---------------------------------------------------------------------------------------------

/// A private Xvfb server and this process's own connection to it.
pub struct Display {
    conn: RustConnection,
    screen: usize,
    /// `:<n>`, as put into `DISPLAY`.
    pub name: String,
    /// The server process. It is started with `-terminate`, so it exits by itself once its last
    /// client disconnects: `conn` lives as long as this process, so the server dies with the test
    /// process however that ends (a panic, an abort in `process()`, a kill), and no stray Xvfb
    /// can keep CI waiting.
    _server: Child,
}

pub use crate::exclusive;

/// The display, started on first use (and `DISPLAY` pointed at it before anything touches X).
/// Call with [`exclusive`] held.
pub fn display() -> &'static Display {
    static DISPLAY: OnceLock<Display> = OnceLock::new();
    DISPLAY.get_or_init(|| {
        // Before any editor (and its threads) exists, so that the memory measurements of every
        // test see the same heap layout.
        share_heap_arenas();
        start_xvfb()
    })
}

fn start_xvfb() -> Display {
    // `-displayfd 1`: the server picks a free display number itself and prints it once it accepts
    // connections, which avoids both guessing a free number and polling for the socket.
    let mut server = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "2048x1400x24"])
        .args(["-nolisten", "tcp", "-terminate"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                panic!(
                    "Xvfb is not installed. The editor tests open the editor on a virtual X \
                     display with Mesa's software OpenGL; install them with \
                     `apt-get install xvfb libgl1-mesa-dri`"
                )
            }
            panic!("cannot start Xvfb: {e}")
        });

    // Its log is drained on a thread (a full pipe would stall the server) and shown on failure.
    let log = std::sync::Arc::new(Mutex::new(String::new()));
    let mut stderr = server.stderr.take().expect("Xvfb's stderr is piped");
    let sink = log.clone();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n @ 1..) = stderr.read(&mut buffer) {
            let mut log = sink.lock().unwrap_or_else(|p| p.into_inner());
            if log.len() < 64 * 1024 {
                log.push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        }
    });
    let stdout = server.stdout.take().expect("Xvfb's stdout is piped");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
    });
    let number = receiver
        .recv_timeout(Duration::from_secs(30))
        .ok()
        .and_then(|line| line.trim().parse::<u32>().ok());
    let Some(number) = number else {
        let _ = server.kill();
        let _ = server.wait();
        std::thread::sleep(Duration::from_millis(50));
        panic!(
            "Xvfb did not report a display number; its log:\n{}",
            log.lock().unwrap_or_else(|p| p.into_inner())
        );
    };
    let name = format!(":{number}");
    // SAFETY: the tests of this binary that could read the environment are waiting for the lock
    // that the caller holds; the editor's X11 code reads `DISPLAY` only after this.
    unsafe { std::env::set_var("DISPLAY", &name) };
    let (conn, screen) = match RustConnection::connect(Some(&name)) {
        Ok(connection) => connection,
        Err(e) => {
            // Without a client it would never reach the reset that ends it.
            let _ = server.kill();
            panic!("connect to Xvfb on {name}: {e}")
        }
    };
    // Xvfb starts with the pointer in the middle of the screen, which is over the editor's head
    // view: egui would draw it hovered and, after a moment, show its tooltip. Park the pointer in
    // the far corner of the screen, outside every window the tests open.
    let root = &conn.setup().roots[screen];
    let corner = (
        root.width_in_pixels as i16 - 1,
        root.height_in_pixels as i16 - 1,
    );
    conn.warp_pointer(x11rb::NONE, root.root, 0, 0, 0, 0, corner.0, corner.1)
        .expect("send WarpPointer")
        .check()
        .expect("move the pointer out of the way");
    Display {
        conn,
        screen,
        name,
        _server: server,
    }
}

impl Display {
    fn root(&self) -> u32 {
        self.conn.setup().roots[self.screen].root
    }

    /// A mapped top-level window of this size: the host's window the editor is embedded in.
    pub fn create_parent_window(&self, width: u32, height: u32) -> u32 {
        let id = self.conn.generate_id().expect("an X11 window id");
        let aux = CreateWindowAux::new()
            .background_pixel(self.conn.setup().roots[self.screen].black_pixel);
        self.conn
            .create_window(
                x11rb::COPY_DEPTH_FROM_PARENT,
                id,
                self.root(),
                0,
                0,
                width as u16,
                height as u16,
                0,
                WindowClass::INPUT_OUTPUT,
                x11rb::COPY_FROM_PARENT,
                &aux,
            )
            .expect("send CreateWindow")
            .check()
            .expect("create the parent window");
        self.conn
            .map_window(id)
            .expect("send MapWindow")
            .check()
            .expect("map the parent window");
        id
    }

    /// Resizes a window of the host, as its user dragging the corner would.
    pub fn resize_window(&self, window: u32, width: u32, height: u32) {
        self.conn
            .configure_window(
                window,
                &ConfigureWindowAux::new().width(width).height(height),
            )
            .expect("send ConfigureWindow")
            .check()
            .expect("resize the parent window");
    }

    pub fn destroy_window(&self, window: u32) {
        self.conn
            .destroy_window(window)
            .expect("send DestroyWindow")
            .check()
            .expect("destroy the parent window");
    }

    /// The windows embedded in `window`, with their sizes.
    pub fn children(&self, window: u32) -> Vec<(u32, u32, u32)> {
        let tree = self
            .conn
            .query_tree(window)
            .expect("send QueryTree")
            .reply()
            .expect("QueryTree");
        tree.children
            .into_iter()
            .map(|child| {
                let geometry = self
                    .conn
                    .get_geometry(child)
                    .expect("send GetGeometry")
                    .reply()
                    .expect("GetGeometry");
                (child, u32::from(geometry.width), u32::from(geometry.height))
            })
            .collect()
    }

    /// What `window` shows on screen, including the windows embedded in it (the editor's OpenGL
    /// window draws into the server's framebuffer, so reading the parent sees it).
    pub fn capture(&self, window: u32, width: u32, height: u32) -> Image {
        let setup = self.conn.setup();
        let reply = self
            .conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                window,
                0,
                0,
                width as u16,
                height as u16,
                !0,
            )
            .expect("send GetImage")
            .reply()
            .unwrap_or_else(|e| panic!("GetImage of window {window:#x}: {e:?}"));
        let bits = setup
            .pixmap_formats
            .iter()
            .find(|f| f.depth == reply.depth)
            .map(|f| f.bits_per_pixel)
            .unwrap_or_else(|| panic!("no pixmap format for depth {}", reply.depth));
        assert_eq!(
            bits, 32,
            "only 32-bit pixels are decoded (depth {})",
            reply.depth
        );
        let visual = setup.roots[self.screen]
            .allowed_depths
            .iter()
            .flat_map(|d| &d.visuals)
            .find(|v| v.visual_id == reply.visual)
            .unwrap_or_else(|| panic!("unknown visual {:#x}", reply.visual));
        let channel = |pixel: u32, mask: u32| ((pixel & mask) >> mask.trailing_zeros()) as u8;
        let pixels = reply
            .data
            .chunks_exact(4)
            .take(width as usize * height as usize)
            .map(|bytes| {
                let bytes = [bytes[0], bytes[1], bytes[2], bytes[3]];
                let pixel = if setup.image_byte_order == ImageOrder::LSB_FIRST {
                    u32::from_le_bytes(bytes)
                } else {
                    u32::from_be_bytes(bytes)
                };
                [
                    channel(pixel, visual.red_mask),
                    channel(pixel, visual.green_mask),
                    channel(pixel, visual.blue_mask),
                ]
            })
            .collect::<Vec<_>>();
        assert_eq!(pixels.len(), width as usize * height as usize);
        Image {
            width,
            height,
            pixels,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Screen grabs
// ---------------------------------------------------------------------------------------------

/// An RGB screen grab.
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pixels: Vec<[u8; 3]>,
}

impl Image {
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        self.pixels[(y * self.width + x) as usize]
    }

    pub fn distinct_colours(&self) -> usize {
        self.pixels.iter().collect::<HashSet<_>>().len()
    }

    /// Pixels in rows `rows` within `tolerance` of `colour` in every channel.
    pub fn count_near(&self, colour: [u8; 3], tolerance: u8, rows: std::ops::Range<u32>) -> usize {
        let start = (rows.start * self.width) as usize;
        let end = (rows.end.min(self.height) * self.width) as usize;
        self.pixels[start..end]
            .iter()
            .filter(|p| {
                p.iter()
                    .zip(colour)
                    .all(|(&a, b)| a.abs_diff(b) <= tolerance)
            })
            .count()
    }

    pub fn write_png(&self, path: &Path) {
        let file = std::fs::File::create(path).unwrap_or_else(|e| panic!("create {path:?}: {e}"));
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("PNG header");
        writer
            .write_image_data(self.pixels.as_flattened())
            .unwrap_or_else(|e| panic!("write {path:?}: {e}"));
        writer.finish().expect("finish the PNG");
    }
}

// ---------------------------------------------------------------------------------------------
// The editor in the host
// ---------------------------------------------------------------------------------------------

/// An open editor: the host's window it is embedded in, and its size.
pub struct OpenEditor {
    pub parent: u32,
    pub size: GuiSize,
    /// When `show` returned.
    pub shown_at: Instant,
    /// This process's threads before `gui.create`.
    threads_before: usize,
    /// The editor's window threads: the threads `gui.create` started that carry the opening
    /// thread's name (see [`same_named_threads`]), by thread ID.
    pub window_threads: Vec<u32>,
}

/// The editor's side of the host. Call with [`display`] started: the plugin's X11 code may
/// read `DISPLAY` from the start.
impl Murmur {
    /// Pumps the event loop for `duration`.
    pub fn pump_for(&mut self, duration: Duration) {
        let until = Instant::now() + duration;
        while Instant::now() < until {
            self.pump();
            std::thread::sleep(POLL.min(until.saturating_duration_since(Instant::now())));
        }
    }

    /// Opens the editor embedded in a new window of the host, at scale 1, in the order the CLAP
    /// GUI extension prescribes for embedded windows.
    pub fn open_editor(&mut self, display: &Display) -> OpenEditor {
        self.open_editor_at(display, 1.0)
    }

    /// [`open_editor`](Self::open_editor) at the host's display scale `scale` (2 on a HiDPI
    /// screen).
    pub fn open_editor_at(&mut self, display: &Display, scale: f64) -> OpenEditor {
        let x11 = GuiConfiguration {
            api_type: GuiApiType::X11,
            is_floating: false,
        };
        let threads_before = thread_count();
        let same_named_before = same_named_threads();
        let (gui, handle) = self.gui();
        assert!(
            gui.is_api_supported(&handle, x11),
            "Murmur's editor does not support embedding in an X11 window"
        );
        gui.create(&handle, x11).unwrap_or_else(|e| {
            panic!(
                "gui.create failed: {e}. The editor needs OpenGL 3.2 on {}; without a GPU that \
                 is Mesa's llvmpipe (`apt-get install libgl1-mesa-dri`)",
                display.name
            )
        });
        let window_threads = same_named_threads()
            .into_iter()
            .filter(|tid| !same_named_before.contains(tid))
            .collect();
        gui.set_scale(&handle, scale).expect("gui.set_scale");
        let size = gui.get_size(&handle).expect("gui.get_size");
        let parent = display.create_parent_window(size.width, size.height);
        // SAFETY: the parent window lives until `close_editor`, after `gui.destroy`.
        unsafe {
            gui.set_parent(&handle, Window::from_x11_handle(parent as c_ulong))
                .expect("gui.set_parent");
        }
        gui.show(&handle).expect("gui.show");
        OpenEditor {
            parent,
            size,
            shown_at: Instant::now(),
            threads_before,
            window_threads,
        }
    }

    /// Resizes the open editor the way a host does when its user drags the window's corner: the
    /// size is checked with `gui.adjust_size`, the host's window resized, then `gui.set_size`.
    pub fn resize_editor(
        &mut self,
        display: &Display,
        editor: &mut OpenEditor,
        width: u32,
        height: u32,
    ) {
        let (gui, handle) = self.gui();
        assert!(gui.can_resize(&handle), "the editor is not resizable");
        let size = GuiSize { width, height };
        if let Some(adjusted) = gui.adjust_size(&handle, size) {
            assert_eq!(
                (adjusted.width, adjusted.height),
                (width, height),
                "the editor refuses {width} × {height}"
            );
        }
        display.resize_window(editor.parent, width, height);
        gui.set_size(&handle, size).expect("gui.set_size");
        editor.size = size;
    }

    /// Destroys the editor, then the host's window it was embedded in, then waits until the
    /// editor's window thread (and Mesa's threads with it) has ended.
    ///
    /// `gui.destroy` usually joins the window thread, but when that thread has already begun to
    /// close, baseview 0.4 logs "Error while closing window" and returns without joining it, and
    /// the thread goes on closing its X connection. Destroying the plugin waits for it (Murmur
    /// does that itself, see `murmur::editor::window_threads`); closing only the editor does
    /// not, so the tests that count threads or memory after closing wait here. The wait ends
    /// when the window threads have ended and then the process has no more threads than before
    /// the editor opened or (the first opening in a process starts threads that live as long as
    /// it, such as Mesa's shader cache) the number has stopped changing for a moment. Leaks are
    /// the business of the editor tests that count threads.
    pub fn close_editor(&mut self, display: &Display, editor: OpenEditor) {
        let threads_before = editor.threads_before;
        let window_threads = self.destroy_editor(display, editor);
        let closed_at = Instant::now();
        while window_threads.iter().any(|&tid| thread_alive(tid))
            && closed_at.elapsed() < FRAME_TIMEOUT
        {
            self.pump();
            std::thread::sleep(Duration::from_millis(1));
        }
        let (mut count, mut since) = (thread_count(), Instant::now());
        while count > threads_before
            && since.elapsed() < THREADS_SETTLED
            && closed_at.elapsed() < FRAME_TIMEOUT
        {
            self.pump();
            std::thread::sleep(Duration::from_millis(1));
            let now = thread_count();
            if now != count {
                (count, since) = (now, Instant::now());
            }
        }
    }

    /// Destroys the editor, then the host's window it was embedded in, and returns at once, as a
    /// host that closes the window and goes on does. Returns the window threads' IDs.
    pub fn destroy_editor(&mut self, display: &Display, editor: OpenEditor) -> Vec<u32> {
        let (gui, handle) = self.gui();
        gui.destroy(&handle);
        display.destroy_window(editor.parent);
        self.pump();
        editor.window_threads
    }

    /// The editor's window as the host sees it.
    pub fn capture(&self, display: &Display, editor: &OpenEditor) -> Image {
        display.capture(editor.parent, editor.size.width, editor.size.height)
    }

    /// Pumps the event loop until the editor has drawn something (more than one colour), then
    /// until two consecutive grabs are identical. Returns that grab and the time from `show` to
    /// the first drawn frame.
    pub fn wait_for_steady_frame(
        &mut self,
        display: &Display,
        editor: &OpenEditor,
    ) -> (Image, Duration) {
        let first = self.wait_for_first_frame(display, editor);
        let mut previous = self.capture(display, editor);
        loop {
            self.pump_for(Duration::from_millis(20));
            let image = self.capture(display, editor);
            if image == previous {
                return (image, first);
            }
            assert!(
                editor.shown_at.elapsed() < FRAME_TIMEOUT,
                "the editor kept changing for {FRAME_TIMEOUT:?} without audio"
            );
            previous = image;
        }
    }

    /// Pumps the event loop until the editor has drawn something; returns the time from `show`.
    pub fn wait_for_first_frame(&mut self, display: &Display, editor: &OpenEditor) -> Duration {
        loop {
            self.pump();
            let image = self.capture(display, editor);
            if image.distinct_colours() > 1 {
                return editor.shown_at.elapsed();
            }
            assert!(
                editor.shown_at.elapsed() < FRAME_TIMEOUT,
                "the editor drew nothing within {FRAME_TIMEOUT:?} of `show` on {}",
                display.name
            );
            std::thread::sleep(POLL);
        }
    }
}

/// Makes the threads started from now on share glibc's existing heap arenas. By default glibc
/// gives each new thread a heap arena of its own, up to 8 per core, and keeps the memory freed in
/// it: every editor window has a thread (and Mesa starts more), so without this the resident
/// memory of a process that opens and closes windows climbs for the first few dozen windows and
/// only then levels off, although nothing leaks.
pub fn share_heap_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const M_ARENA_MAX: std::ffi::c_int = -8;
        unsafe extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        // SAFETY: glibc's `mallopt` only sets a tuning limit; M_ARENA_MAX is safe at any time.
        unsafe { mallopt(M_ARENA_MAX, 1) };
    }
}

/// Resident memory of this process in bytes, after handing glibc's free heap memory back to the
/// system, so that what is resident is what is in use.
pub fn resident_bytes() -> u64 {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: glibc's `malloc_trim` only returns free memory to the system.
        unsafe { malloc_trim(0) };
    }
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status");
    kib * 1024
}

/// The IDs of this process's threads named as the calling thread. Linux gives a thread its
/// creator's name unless it is named: baseview's window thread is not, so it carries the name
/// of the test thread that opened the editor, while Mesa's threads have names of their own.
pub fn same_named_threads() -> Vec<u32> {
    let name = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    let own = name(Path::new("/proc/thread-self/comm"));
    std::fs::read_dir("/proc/self/task")
        .expect("read /proc/self/task")
        .filter_map(Result::ok)
        .filter(|task| name(&task.path().join("comm")) == own)
        .filter_map(|task| task.file_name().to_str()?.parse().ok())
        .collect()
}

/// Whether this process's thread `tid` has not ended yet.
pub fn thread_alive(tid: u32) -> bool {
    Path::new(&format!("/proc/self/task/{tid}")).exists()
}

/// Threads of this process.
pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("read /proc/self/task")
        .count()
}
