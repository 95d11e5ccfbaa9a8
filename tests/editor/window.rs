//! Murmur's editor, opened the way a Linux host opens it: through the CLAP GUI extension of the
//! built `Murmur.clap`, embedded in an X11 window of the host, on a private Xvfb display with
//! Mesa's software OpenGL, and read back from the screen:
//!
//! 1. it opens at the size it reports (960 × 640 at scale 1), fills its window, and really draws
//!    Murmur's UI: many colours, the theme's background in the corners, the voice colour (title
//!    and voice dot);
//! 2. opening and closing it 20 times in one instance works every time and leaks neither memory
//!    nor threads;
//! 3. with the editor open, the same instance processes ~2.5 s of audio in real time on an audio
//!    thread, with Orbit motion and three busy trigger layers. The library under test aborts on
//!    any allocation in `process()`, so this proves the editor's live feed keeps the audio path
//!    allocation-free; the head view must show the trigger events as dots.
//!
//! 4. resized by the host to its minimum size, it draws at that size and its voice panel stays
//!    inside its frame: nothing is drawn in the gap above the layer strips, and a scroll bar
//!    shows that rows are out of sight.
//!
//! 5. a plugin destroyed right after its editor was closed has waited for the editor's window
//!    thread to end, so that the host can quit or unload Murmur at once;
//!
//! 6. the −23 dBFS stereo 1 kHz tone of EBU Tech 3341 through the effect with Bypass on, the
//!    editor open: its loudness meter reads it while the audio runs (the numbers are checked in
//!    the `gestures` tests, where the app's state can be read; here the screenshot shows them).
//!
//! 7. Murmur Triggers' editor opens through its own plugin and draws its own layout.
//!
//! With `MURMUR_SCREENSHOTS=<folder>`, tests 1, 3, 6 and 7 also write `murmur-default.png`,
//! `murmur-orbit-layers.png`, `murmur-loudness-tone.png` and `murmur-triggers.png` into that
//! folder, for the documentation (and test 4 `murmur-minimum.png`, to look at).
//!
//! These tests need Xvfb and Mesa's DRI drivers (Debian/Ubuntu: `xvfb libgl1-mesa-dri`) and fail
//! without them rather than pass silently. They share one Xvfb and run one at a time.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use murmur::editor::{DEFAULT_SIZE, MARGIN, MIN_SIZE, STRIPS_HEIGHT, theme};
use murmur::params::MurmurParams;
use nice_plug::prelude::Params;

use testkit::clap::gui::*;
use testkit::clap::*;

/// More distinct colours than this is a drawn UI (antialiased text and shapes); a blank, a
/// cleared or a half-initialized window has a handful.
const MIN_COLOURS: usize = 50;
/// Colour tolerance per channel: egui's blending and Mesa's rasterizer may be off by a little.
const TOLERANCE: u8 = 3;
/// Memory the 20 open/close cycles may add. Generous: a real leak of the editor (a window, a GL
/// context, egui's font atlas) costs megabytes per cycle.
const MAX_GROWTH: u64 = 64 << 20;
const SAMPLE_RATE: f64 = 48_000.0;
/// Audio processed with the editor open before the screenshot is taken: at least this long in
/// real time, and at least `MIN_BLOCKS` blocks (on a machine too slow for real time).
const AUDIO: Duration = Duration::from_millis(2_500);
const MIN_BLOCKS: u32 = 200;

fn rgb(colour: egui::Color32) -> [u8; 3] {
    [colour.r(), colour.g(), colour.b()]
}

/// Writes `image` as `name` into `$MURMUR_SCREENSHOTS`, if that is set.
fn save_screenshot(image: &Image, name: &str) {
    let Some(folder) = std::env::var_os("MURMUR_SCREENSHOTS") else {
        return;
    };
    let folder = PathBuf::from(folder);
    std::fs::create_dir_all(&folder).unwrap_or_else(|e| panic!("create {folder:?}: {e}"));
    let path = folder.join(name);
    image.write_png(&path);
    println!("screenshot: {}", path.display());
}

/// Pixels of any trigger layer's colour in the upper two thirds of the window, where the head
/// view is: the layer strips (which carry the layer colours anyway) are along the bottom.
/// The first pixel row of the layer strips (at scale 1).
fn strips_top(image: &Image) -> u32 {
    image.height - (murmur::editor::STRIPS_HEIGHT + murmur::editor::MARGIN) as u32 - 2
}

fn layer_pixels_above_strips(image: &Image) -> usize {
    theme::LAYERS
        .iter()
        .map(|&c| image.count_near(rgb(c), 8, 0..strips_top(image)))
        .sum()
}

fn assert_host_untouched(plugin: &Murmur) {
    plugin.shared(|host| {
        let requests = host.resize_requests.lock().unwrap().clone();
        assert!(
            requests.is_empty(),
            "the editor asked its parent window to resize: {requests:?}"
        );
        assert!(
            !host.closed_by_plugin.load(Ordering::Acquire),
            "the editor closed its window by itself"
        );
    });
}

#[test]
fn editor_opens_at_its_size_and_draws_the_ui() {
    let _serial = exclusive();
    let display = display();
    let mut plugin = Murmur::new();
    let editor = plugin.open_editor(display);
    assert_eq!(
        (editor.size.width, editor.size.height),
        DEFAULT_SIZE,
        "gui.get_size at scale 1 is the editor's default size"
    );
    let children = display.children(editor.parent);
    assert_eq!(
        children.len(),
        1,
        "the editor embeds one window in the host's: {children:?}"
    );
    assert_eq!(
        (children[0].1, children[0].2),
        DEFAULT_SIZE,
        "the embedded window has the size the editor reported"
    );

    let (image, first_frame) = plugin.wait_for_steady_frame(display, &editor);
    save_screenshot(&image, "murmur-default.png");
    let colours = image.distinct_colours();
    let voice = image.count_near(rgb(theme::VOICE), TOLERANCE, 0..image.height);
    println!(
        "first frame {first_frame:?} after show, steady after {:?}; {colours} colours, \
         {voice} pixels of the voice colour",
        editor.shown_at.elapsed()
    );
    assert!(
        colours > MIN_COLOURS,
        "the editor's window shows only {colours} colours: it drew no UI"
    );
    // The title, the voice dot and the elevation slider's handle are drawn in the voice colour;
    // nothing else in the default window is that warm.
    assert!(
        voice >= 50,
        "only {voice} pixels of the voice colour: Murmur's UI (title, voice dot) is not drawn"
    );
    // The editor paints its own background over the whole window: a window larger than what is
    // drawn (or drawn at another scale) would show black or stale pixels in a corner.
    let (w, h) = (image.width, image.height);
    for (x, y) in [(1, 1), (w - 2, 1), (1, h - 2), (w - 2, h - 2)] {
        let pixel = image.pixel(x, y);
        let background = rgb(theme::BACKGROUND);
        assert!(
            pixel
                .iter()
                .zip(background)
                .all(|(&a, b)| a.abs_diff(b) <= TOLERANCE),
            "pixel ({x}, {y}) is {pixel:?}, not the background {background:?}: the editor does \
             not fill its window"
        );
    }
    assert_eq!(
        layer_pixels_above_strips(&image),
        0,
        "before any audio, the head view shows no trigger events"
    );

    plugin.close_editor(display, editor);
    assert_host_untouched(&plugin);
}

/// Murmur Triggers' editor, through its own CLAP plugin: it opens at the same size and draws
/// its own layout (what that layout holds is read as text in the `gestures` tests).
#[test]
fn murmur_triggers_editor_opens_and_draws() {
    let _serial = exclusive();
    let display = display();
    let mut plugin = Murmur::new_triggers();
    let editor = plugin.open_editor(display);
    assert_eq!((editor.size.width, editor.size.height), DEFAULT_SIZE);
    let (image, _) = plugin.wait_for_steady_frame(display, &editor);
    save_screenshot(&image, "murmur-triggers.png");
    let colours = image.distinct_colours();
    let voice = image.count_near(rgb(theme::VOICE), TOLERANCE, 0..image.height);
    println!("Murmur Triggers: {colours} colours, {voice} pixels of the voice colour");
    assert!(colours > MIN_COLOURS, "only {colours} colours: no UI drawn");
    assert!(
        voice >= 50,
        "only {voice} pixels of the voice colour: no title, no dot"
    );
    plugin.close_editor(display, editor);
    assert_host_untouched(&plugin);
}

#[test]
fn editor_doubles_at_scale_two() {
    let _serial = exclusive();
    let display = display();
    let mut plugin = Murmur::new();
    // The same editor at 1× and 2×: twice the pixels each way, and the UI drawn at that size
    // (text and dots four times the area), not a 1× image in a corner.
    let mut voice_pixels = Vec::new();
    for scale in [1.0, 2.0] {
        let editor = plugin.open_editor_at(display, scale);
        let expected = (
            (DEFAULT_SIZE.0 as f64 * scale) as u32,
            (DEFAULT_SIZE.1 as f64 * scale) as u32,
        );
        assert_eq!(
            (editor.size.width, editor.size.height),
            expected,
            "scale {scale}"
        );
        let (image, _) = plugin.wait_for_steady_frame(display, &editor);
        assert!(
            image.distinct_colours() > MIN_COLOURS,
            "scale {scale}: blank"
        );
        let (w, h) = (image.width, image.height);
        let background = rgb(theme::BACKGROUND);
        for (x, y) in [(1, 1), (w - 2, h - 2)] {
            let pixel = image.pixel(x, y);
            assert!(
                pixel
                    .iter()
                    .zip(background)
                    .all(|(&a, b)| a.abs_diff(b) <= TOLERANCE),
                "scale {scale}: pixel ({x}, {y}) is {pixel:?}, not the background"
            );
        }
        voice_pixels.push(image.count_near(rgb(theme::VOICE), TOLERANCE, 0..h));
        if scale == 2.0 {
            save_screenshot(&image, "murmur-default-2x.png");
        }
        plugin.close_editor(display, editor);
    }
    let ratio = voice_pixels[1] as f64 / voice_pixels[0].max(1) as f64;
    println!("voice-colour pixels at 1× and 2×: {voice_pixels:?} (ratio {ratio:.2})");
    assert!(
        (3.0..=6.0).contains(&ratio),
        "the voice colour covers {ratio:.2}× the pixels at 2×: the UI is not drawn at 2×"
    );
    assert_host_untouched(&plugin);
}

/// The number of threads once it has stopped changing (threads started by the first opening,
/// such as Mesa's shader cache, may take a moment to settle).
fn settled_thread_count(plugin: &mut Murmur) -> usize {
    let started = Instant::now();
    let (mut count, mut since) = (thread_count(), Instant::now());
    while since.elapsed() < Duration::from_millis(200) && started.elapsed() < Duration::from_secs(5)
    {
        plugin.pump_for(Duration::from_millis(10));
        let now = thread_count();
        if now != count {
            (count, since) = (now, Instant::now());
        }
    }
    count
}

#[test]
fn editor_opens_and_closes_twenty_times_without_leaking() {
    let _serial = exclusive();
    let display = display();
    let mut plugin = Murmur::new();
    // Every cycle waits for a drawn frame, so each one goes through the whole life of the
    // window: OpenGL context, egui, a frame, teardown.
    let cycle = |plugin: &mut Murmur| {
        let started = Instant::now();
        let editor = plugin.open_editor(display);
        plugin.wait_for_first_frame(display, &editor);
        plugin.close_editor(display, editor);
        started.elapsed()
    };
    // The first opening loads Mesa's drivers, compiles shaders and builds egui's fonts once per
    // process; measure from after it.
    let warm_up = cycle(&mut plugin);
    let threads_before = settled_thread_count(&mut plugin);
    let memory_before = resident_bytes();
    let mut cycles = Vec::new();
    for _ in 0..20 {
        cycles.push(cycle(&mut plugin));
    }
    let threads_after = settled_thread_count(&mut plugin);
    let memory_after = resident_bytes();
    let longest = cycles.iter().max().copied().unwrap_or_default();
    let total: Duration = cycles.iter().sum();
    println!(
        "warm-up cycle {warm_up:?}; 20 cycles {total:?} (longest {longest:?}); resident \
         {:.1} MiB before, {:.1} MiB after; threads {threads_before} before, {threads_after} after",
        memory_before as f64 / (1 << 20) as f64,
        memory_after as f64 / (1 << 20) as f64,
    );
    let growth = memory_after.saturating_sub(memory_before);
    assert!(
        growth < MAX_GROWTH,
        "resident memory grew by {:.1} MiB over 20 open/close cycles",
        growth as f64 / (1 << 20) as f64
    );
    assert!(
        threads_after <= threads_before,
        "{threads_before} threads before 20 open/close cycles, {threads_after} after: closing \
         the editor leaves threads behind"
    );
    assert_host_untouched(&plugin);
}

/// Rounds of open, close, destroy. Closing the editor leaves its window thread running on its
/// own in most of them (see `testkit::clap::gui::Murmur::close_editor`).
const DESTROY_ROUNDS: usize = 12;
/// The longest the window threads may typically (the median round) still be listed after the
/// plugin's `destroy` returned. Once Murmur has waited for them, only the C library's thread
/// exit is left, which took 0.04–0.05 ms (median) on the 2-core machine this was written on;
/// without the wait, the threads' own teardown of OpenGL and X went on for 7–8 ms (median).
const THREAD_EXIT_GRACE: Duration = Duration::from_millis(2);

/// A host may quit, or unload Murmur, right after destroying it. By then the editor's window
/// thread must have ended, or Mesa's exit handlers (or the unmapped code) pull the ground from
/// under it and the host crashes on the way out.
#[test]
fn destroying_the_plugin_waits_for_its_editors_window_thread() {
    let _serial = exclusive();
    let display = display();
    let mut lingered = Vec::new();
    for _ in 0..DESTROY_ROUNDS {
        let mut plugin = Murmur::new();
        let editor = plugin.open_editor(display);
        plugin.wait_for_first_frame(display, &editor);
        let window_threads = plugin.destroy_editor(display, editor);
        drop(plugin);
        let destroyed = Instant::now();
        while window_threads.iter().any(|&tid| thread_alive(tid))
            && destroyed.elapsed() < FRAME_TIMEOUT
        {
            std::thread::sleep(Duration::from_micros(200));
        }
        lingered.push(destroyed.elapsed());
    }
    println!("window threads listed after destroy: {lingered:?}");
    lingered.sort();
    let median = lingered[lingered.len() / 2];
    assert!(
        median < THREAD_EXIT_GRACE,
        "the editor's window threads ran on for {median:?} (median of {DESTROY_ROUNDS} rounds) \
         after the plugin was destroyed"
    );
}

#[test]
fn audio_runs_with_the_editor_open() {
    let _serial = exclusive();
    let display = display();
    let mut plugin = Murmur::new();
    let editor = plugin.open_editor(display);
    let (before_audio, _) = plugin.wait_for_steady_frame(display, &editor);

    // A busy preset: the voice orbiting fast, all three trigger layers on and dense. CLAP values:
    // the step index for stepped parameters (Orbit is the third of the six motions, a switch's
    // On is 1), the normalized value for continuous ones.
    // Animate at 100 % and Wind-down at 40 %: the bars carry markers where the sound is now.
    let mut preset = vec![
        ("motion".to_string(), 2.0),
        ("mrate".to_string(), 0.9),
        ("anim".to_string(), 1.0),
        ("wind".to_string(), 0.4),
        // The living room (the fourth room): its walls are drawn round the head.
        ("room".to_string(), 3.0),
    ];
    for layer in 1..=3 {
        preset.push((format!("t{layer}on"), 1.0));
        preset.push((format!("t{layer}dens"), 0.8));
    }
    // A mistyped id would be ignored by the plugin, and the test would run a quieter preset.
    let ids = MurmurParams::default().param_map();
    for (id, _) in &preset {
        assert!(
            ids.iter().any(|(known, ..)| known == id),
            "Murmur has no parameter {id:?}"
        );
    }
    let changes: Vec<ParamChange> = preset
        .iter()
        .map(|(id, value)| ParamChange {
            offset: 0,
            id: clap_param_id(id),
            value: *value,
        })
        .collect();

    let mut processor = plugin.activate_stopped(SAMPLE_RATE, 2, BLOCK);
    let stop = AtomicBool::new(false);
    let processed = AtomicU32::new(0);
    let block_time = Duration::from_secs_f64(BLOCK as f64 / SAMPLE_RATE);
    let (during_audio, (blocks, peak)) = std::thread::scope(|scope| {
        // Stops the audio thread also when this thread panics, so the scope can end.
        struct StopOnDrop<'a>(&'a AtomicBool);
        impl Drop for StopOnDrop<'_> {
            fn drop(&mut self) {
                self.0.store(true, Ordering::Release);
            }
        }
        let stop_guard = StopOnDrop(&stop);
        // The audio thread of a host: one block per block period, as a sound card would ask.
        let audio = scope.spawn(|| {
            let started = Instant::now();
            let (mut blocks, mut peak) = (0u32, 0.0f32);
            processor.ensure_started();
            // Bounded, in case this test's main thread never says stop.
            while !stop.load(Ordering::Acquire) && blocks < 100 * MIN_BLOCKS {
                let first = if blocks == 0 { &changes[..] } else { &[] };
                let (left, right) = processor.process(BLOCK, first);
                for &sample in left.iter().chain(right) {
                    assert!(sample.is_finite(), "non-finite output in block {blocks}");
                    peak = peak.max(sample.abs());
                }
                blocks += 1;
                processed.store(blocks, Ordering::Release);
                let due = started + block_time * blocks;
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
            }
            processor.ensure_stopped();
            (blocks, peak)
        });
        // Meanwhile the host's main thread runs its event loop; the grab is taken while the
        // audio still runs, so the voice is mid-motion and recent events are on screen.
        let started = Instant::now();
        while started.elapsed() < AUDIO || processed.load(Ordering::Acquire) < MIN_BLOCKS {
            plugin.pump_for(Duration::from_millis(10));
            assert!(
                started.elapsed() < 20 * AUDIO,
                "the audio thread processed only {} blocks in {:?}",
                processed.load(Ordering::Acquire),
                started.elapsed()
            );
        }
        let image = plugin.capture(display, &editor);
        drop(stop_guard);
        let result = audio
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (image, result)
    });
    plugin.deactivate(processor);
    save_screenshot(&during_audio, "murmur-orbit-layers.png");

    let dots = layer_pixels_above_strips(&during_audio);
    let strips = strips_top(&during_audio)..during_audio.height;
    let marked = during_audio.count_near(rgb(theme::MARKER), TOLERANCE, strips);
    // Five marked bars in each of three strips, two ticks of 2 × 5 points each, less their
    // anti-aliased edges: 19 pixels of the exact colour per marker here (288 in all); 14
    // markers' worth or fewer means one is missing.
    assert!(
        marked > 14 * 19,
        "{marked} pixels of markers on the layer strips"
    );
    let voice = during_audio.count_near(rgb(theme::VOICE), TOLERANCE, 0..during_audio.height);
    println!(
        "{blocks} blocks with the editor open, peak {peak:.3}; {} colours, {dots} pixels of \
         trigger-layer colours above the strips, {voice} of the voice colour; {} main-thread \
         callbacks",
        during_audio.distinct_colours(),
        plugin.shared(|host| host.callbacks.load(Ordering::Relaxed)),
    );
    assert!(
        peak > 1e-3,
        "three dense trigger layers made no sound (peak {peak})"
    );
    assert!(
        during_audio != before_audio,
        "the editor did not change while the voice moved and the layers played"
    );
    assert!(
        dots >= 20,
        "only {dots} pixels of trigger-layer colours in the head view: the editor shows no \
         trigger events from the audio thread"
    );
    assert!(
        voice >= 50,
        "only {voice} pixels of the voice colour while the voice moves"
    );
    // The walls: none while the room is Off, a closed outline (four walls, each at least a
    // hundred pixels long at this size) once it is on.
    let walls = |image: &Image| image.count_near(rgb(theme::WALL), TOLERANCE, 0..strips_top(image));
    assert_eq!(walls(&before_audio), 0, "walls drawn without a room");
    let drawn = walls(&during_audio);
    assert!(drawn >= 400, "only {drawn} pixels of the room's walls");

    plugin.close_editor(display, editor);
    assert_host_untouched(&plugin);
}

#[test]
fn editor_at_its_minimum_size_scrolls_the_voice_panel_instead_of_spilling_it() {
    let _serial = exclusive();
    let display = display();
    let mut plugin = Murmur::new();
    let mut editor = plugin.open_editor(display);
    plugin.wait_for_steady_frame(display, &editor);
    plugin.resize_editor(display, &mut editor, MIN_SIZE.0, MIN_SIZE.1);
    // The voice panel's scroll bar fades in over a few frames, slower than two grabs apart.
    plugin.pump_for(Duration::from_millis(300));
    let (image, _) = plugin.wait_for_steady_frame(display, &editor);
    save_screenshot(&image, "murmur-minimum.png");
    let children = display.children(editor.parent);
    assert_eq!(
        children.iter().map(|c| (c.1, c.2)).collect::<Vec<_>>(),
        [MIN_SIZE],
        "the embedded window follows the host's"
    );
    let near = |x: u32, y: u32, colour: egui::Color32| {
        image
            .pixel(x, y)
            .iter()
            .zip(rgb(colour))
            .all(|(&a, b)| a.abs_diff(b) <= TOLERANCE)
    };
    // The 8-point gap between the middle panels and the layer strips, less a point each side for
    // antialiased panel edges: background only. Drawn at the default size this band would be
    // inside the panels, and a voice panel taller than its frame would write its lowest rows
    // into it on their way over the strips.
    let strips = image.height - (STRIPS_HEIGHT + MARGIN) as u32;
    for y in strips - 7..strips - 1 {
        for x in 0..image.width {
            assert!(
                near(x, y, theme::BACKGROUND),
                "pixel ({x}, {y}) above the layer strips is {:?}, not the background",
                image.pixel(x, y)
            );
        }
    }
    // The rows that no longer fit are out of sight, and a scroll bar along the voice panel's
    // right edge says so. That edge is where the background starts on the panel title's row
    // (below the 32-point top bar and its 8-point gap), above the scrolling rows.
    let title_row = MARGIN as u32 + 32 + 8 + 12;
    let edge = (MARGIN as u32 + 20..image.width)
        .find(|&x| near(x, title_row, theme::BACKGROUND))
        .expect("the voice panel's right edge");
    // The panel's 8-point padding, then the bar's 2 points at rest.
    let bar = edge - 10..edge - 8;
    let rows = title_row + 40..strips - 40;
    let marked = rows
        .clone()
        .filter(|&y| bar.clone().any(|x| !near(x, y, theme::PANEL)))
        .count();
    assert_eq!(
        marked,
        rows.len(),
        "no scroll bar at x {bar:?} along the voice panel"
    );
    plugin.close_editor(display, editor);
    assert_host_untouched(&plugin);
}

#[test]
fn the_loudness_meter_runs_with_the_tone() {
    let _serial = exclusive();
    let display = display();
    let mut plugin = Murmur::new();
    let editor = plugin.open_editor(display);
    plugin.wait_for_steady_frame(display, &editor);
    let mut processor = plugin.activate(SAMPLE_RATE, 2);
    let bypass = [ParamChange {
        offset: 0,
        id: clap_param_id("bypass"),
        value: 1.0,
    }];
    let amplitude = 10f32.powf(-23.0 / 20.0);
    let mut n = 0usize;
    let mut peak = 0.0f32;
    // 20 s of the tone, about four times faster than real time: the editor's frames drain the
    // meter's half-second ring many times over.
    let blocks = (20.0 * SAMPLE_RATE) as usize / BLOCK;
    for block in 0..blocks {
        let tone: Vec<f32> = (n..n + BLOCK)
            .map(|i| {
                let t = i as f64 / SAMPLE_RATE;
                amplitude * (std::f64::consts::TAU * 1000.0 * t).sin() as f32
            })
            .collect();
        n += BLOCK;
        processor.feed(&[&tone, &tone]);
        let (left, _) = processor.process(BLOCK, if block == 0 { &bypass } else { &[] });
        peak = left.iter().fold(peak, |m, x| m.max(x.abs()));
        if block % 8 == 0 {
            plugin.pump_for(Duration::from_millis(8));
        }
    }
    let (image, _) = plugin.wait_for_steady_frame(display, &editor);
    processor.ensure_stopped();
    plugin.deactivate(processor);
    plugin.close_editor(display, editor);
    save_screenshot(&image, "murmur-loudness-tone.png");
    // Bypassed, the tone comes out as it went in.
    assert!((peak - amplitude).abs() < 1e-3, "peak {peak}");
    assert!(image.distinct_colours() > 20);
}
