//! The editor's parameter path, driven through egui input events the way a user drives it: the
//! voice dot dragged (and Shift-dragged) sends begin/set/end for Azimuth and Distance with the
//! place under the pointer, a double-click puts the voice in front at 0.5 m, a preset is sent as
//! one gesture per parameter and its name shows until a parameter moves. The voice panel's head
//! rows: HRTF chosen from its menu is a gesture, Load… opens a dialog of `.sofa` files whose pick
//! switches HRTF to SOFA, Head Size is inert while SOFA plays, and the SOFA set's name or its load
//! error is drawn; the panel's sixteen rows fit at the default size and never spill over the
//! layer strips at the minimum size.
//!
//! The host side is a recording `GuiContextInner`: it logs every gesture and, like a real
//! wrapper, sets the parameter's value.

use std::path::Path;

use egui::{Event, Modifiers, PointerButton, Pos2, RawInput, Rect, vec2};
use murmur::editor::head_view::{HOME, from_screen};
use murmur::editor::{DEFAULT_SIZE, MIN_SIZE, theme};
use murmur::params::HrtfParam;
use murmur::sofa_loader::SofaStatus;
use nice_plug::prelude::*;

mod harness;

use harness::*;

#[test]
fn dragging_the_voice_sends_azimuth_and_distance_as_gestures() {
    let _serial = testkit::exclusive();
    let mut h = Harness::new();
    h.host.take();
    let (centre, radius) = h.app.head_geometry();
    assert!(radius > 150.0, "the head view is {radius} points in radius");
    // From the voice (front, 0.5 m) to the right ear at 1 m.
    let from = h.place(0.0, 0.5);
    let to = h.place(90.0, 1.0);
    h.drag(from, to, 12);
    let log = h.host.take();
    let azimuths = sets_of(&log, "azim");
    sets_of(&log, "dist");
    assert!(azimuths.len() >= 6, "{} azimuth values", azimuths.len());
    let azimuth = h.params.azimuth.value();
    let distance = h.params.distance.value();
    assert!((azimuth - 90.0).abs() < 1.0, "azimuth {azimuth}");
    assert!((distance - 1.0).abs() < 0.02, "distance {distance}");
    // The last values sent are the parameters' values.
    assert_eq!(
        *azimuths.last().unwrap(),
        h.params.azimuth.preview_normalized(azimuth)
    );
    // Only the two parameters moved.
    assert!(log.iter().all(|g| match g {
        Gesture::Begin(id) | Gesture::End(id) | Gesture::Set(id, _) => id == "azim" || id == "dist",
    }));
    // Behind on the left at 0.2 m.
    let to = h.place(-135.0, 0.2);
    h.drag(h.place(90.0, 1.0), to, 10);
    let log = h.host.take();
    sets_of(&log, "azim");
    let (azimuth, distance) = (h.params.azimuth.value(), h.params.distance.value());
    assert!((azimuth + 135.0).abs() < 1.0, "azimuth {azimuth}");
    assert!((distance - 0.2).abs() < 0.01, "distance {distance}");
    let _ = (centre, from_screen(centre, radius, to));
}

#[test]
fn shift_drags_move_the_voice_a_tenth_as_far() {
    let _serial = testkit::exclusive();
    let mut h = Harness::new();
    // From the voice (front, 0.5 m), 100 points to the right with Shift held: 10 points of
    // travel.
    let from = h.place(0.0, 0.5);
    let to = from + vec2(100.0, 0.0);
    h.modifiers = Modifiers::SHIFT;
    h.drag(from, to, 10);
    h.modifiers = Modifiers::NONE;
    let log = h.host.take();
    sets_of(&log, "azim");
    let (centre, radius) = h.app.head_geometry();
    let (expected_azimuth, expected_distance) = from_screen(centre, radius, from + vec2(10.0, 0.0));
    let azimuth = h.params.azimuth.value();
    assert!(
        (azimuth - expected_azimuth).abs() < 0.5,
        "{azimuth} vs {expected_azimuth}"
    );
    assert!(azimuth > 1.0 && azimuth < 10.0, "{azimuth}");
    assert!((h.params.distance.value() - expected_distance).abs() < 0.02);
}

#[test]
fn a_double_click_puts_the_voice_in_front_at_half_a_metre() {
    let _serial = testkit::exclusive();
    let mut h = Harness::new();
    h.drag(h.place(0.0, 0.5), h.place(-60.0, 2.0), 8);
    assert!((h.params.azimuth.value() + 60.0).abs() < 1.0);
    h.host.take();
    let at = h.place(-60.0, 2.0);
    h.move_to(at);
    for _ in 0..2 {
        h.button(at, true);
        h.button(at, false);
    }
    h.frame(vec![]);
    let log = h.host.take();
    // The double-click's own gestures end the log: azimuth and distance, one each.
    let reset = &log[log.len() - 6..];
    assert_eq!(
        reset,
        &[
            Gesture::Begin("azim".into()),
            Gesture::Set("azim".into(), h.params.azimuth.preview_normalized(HOME.0)),
            Gesture::End("azim".into()),
            Gesture::Begin("dist".into()),
            Gesture::Set("dist".into(), h.params.distance.preview_normalized(HOME.1)),
            Gesture::End("dist".into()),
        ]
    );
    assert_eq!(h.params.azimuth.value(), 0.0);
    assert!((h.params.distance.value() - 0.5).abs() < 1e-4);
}

#[test]
fn a_preset_is_sent_as_gestures_and_named_until_a_parameter_moves() {
    let _serial = testkit::exclusive();
    let mut h = Harness::new();
    h.host.take();
    let preset = murmur::presets::find("Tapping Around the Head").unwrap();
    // The parameters the preset changes: each is one gesture (begin, set, end), the others none.
    let sheet = murmur::params::ParamSheet::with_settings(&preset.settings);
    let before: Vec<(String, f32)> = h
        .params
        .param_map()
        .into_iter()
        .map(|(id, ptr, _)| (id, unsafe { ptr.unmodulated_normalized_value() }))
        .collect();
    let changed: Vec<&str> = before
        .iter()
        .filter(|(id, value)| {
            let index = sheet.find(id).unwrap();
            id != "bypass" && sheet.normalized(index) != *value
        })
        .map(|(id, _)| id.as_str())
        .collect();
    assert!(changed.len() > 10, "{changed:?}");
    h.app.apply_preset(&h.gui.clone(), &preset);
    let log = h.host.take();
    assert_eq!(log.len(), 3 * changed.len(), "{log:?}");
    for id in &changed {
        assert_eq!(sets_of(&log, id).len(), 1, "{id}");
    }
    assert!(h.params.layer1.on.value(), "the preset's layers are on");
    h.frame(vec![]);
    assert_eq!(h.app.preset_name(), Some("Tapping Around the Head"));
    // Moving the voice makes it a custom setting.
    h.drag(h.place(0.0, 0.5), h.place(45.0, 0.5), 6);
    h.frame(vec![]);
    assert_eq!(h.app.preset_name(), None);
}

/// One value bar alone (the Azimuth bar), for the typing and wheel tests.
struct Bar {
    harness: Harness,
    rect: Rect,
}

impl Bar {
    fn new() -> Self {
        let mut bar = Self {
            harness: Harness::new(),
            rect: Rect::NOTHING,
        };
        bar.frame(vec![]);
        bar
    }

    fn frame(&mut self, events: Vec<Event>) {
        let h = &mut self.harness;
        h.time += 0.02;
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, vec2(400.0, 100.0))),
            time: Some(h.time),
            events,
            ..RawInput::default()
        };
        let (params, gui) = (h.params.clone(), h.gui.clone());
        let mut rect = Rect::NOTHING;
        let mut output = h.ctx.run_ui(input, |ui| {
            let setter = gui.param_setter();
            rect = murmur::editor::controls::value_bar(
                ui,
                &setter,
                &params.azimuth,
                "azim",
                160.0,
                None,
            )
            .rect;
        });
        output.textures_delta.clear();
        self.rect = rect;
    }

    fn click(&mut self) {
        let at = self.rect.center();
        self.frame(vec![Event::PointerMoved(at)]);
        for pressed in [true, false] {
            self.frame(vec![Event::PointerButton {
                pos: at,
                button: PointerButton::Primary,
                pressed,
                modifiers: Modifiers::NONE,
            }]);
        }
    }
}

/// A key pressed with `modifiers` held.
fn key_press(key: egui::Key, modifiers: Modifiers) -> Event {
    Event::Key {
        key,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers,
    }
}

#[test]
fn one_click_on_a_bar_types_a_value_in_display_units() {
    let _serial = testkit::exclusive();
    let mut bar = Bar::new();
    bar.harness.host.take();
    bar.click();
    // Typing opens once a double-click can no longer follow.
    for _ in 0..20 {
        bar.frame(vec![]);
    }
    // Select what is there, type over it, press Enter.
    bar.frame(vec![
        key_press(egui::Key::A, Modifiers::COMMAND),
        Event::Text("-45°".into()),
        key_press(egui::Key::Enter, Modifiers::NONE),
    ]);
    bar.frame(vec![]);
    let log = bar.harness.host.take();
    let sets = sets_of(&log, "azim");
    assert_eq!(bar.harness.params.azimuth.value(), -45.0, "{log:?}");
    assert_eq!(sets.len(), 1);
    // Text that is not a value changes nothing.
    bar.click();
    for _ in 0..20 {
        bar.frame(vec![]);
    }
    bar.frame(vec![
        Event::Text(" left".into()),
        key_press(egui::Key::Enter, Modifiers::NONE),
    ]);
    bar.frame(vec![]);
    assert!(bar.harness.host.take().is_empty());
    assert_eq!(bar.harness.params.azimuth.value(), -45.0);
}

#[test]
fn the_wheel_and_a_double_click_on_a_bar_are_gestures() {
    let _serial = testkit::exclusive();
    let mut bar = Bar::new();
    bar.harness.host.take();
    let at = bar.rect.center();
    bar.frame(vec![Event::PointerMoved(at)]);
    bar.frame(vec![Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: vec2(0.0, 50.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: Modifiers::NONE,
    }]);
    for _ in 0..30 {
        bar.frame(vec![]);
    }
    let log = bar.harness.host.take();
    assert!(!log.is_empty(), "the wheel changed nothing");
    let azimuth = bar.harness.params.azimuth.value();
    assert!(
        azimuth > 1.0,
        "a wheel notch up raises the value ({azimuth})"
    );
    // Double-click: back to the default, 0°.
    for _ in 0..2 {
        for pressed in [true, false] {
            bar.frame(vec![Event::PointerButton {
                pos: at,
                button: PointerButton::Primary,
                pressed,
                modifiers: Modifiers::NONE,
            }]);
        }
    }
    assert_eq!(bar.harness.params.azimuth.value(), 0.0);
    // Every change was a balanced gesture.
    let log = bar.harness.host.take();
    let begins = log
        .iter()
        .filter(|g| matches!(g, Gesture::Begin(_)))
        .count();
    let ends = log.iter().filter(|g| matches!(g, Gesture::End(_))).count();
    assert_eq!(begins, ends, "{log:?}");
    // No typing field opened by the double-click.
    for _ in 0..20 {
        bar.frame(vec![]);
    }
    bar.frame(vec![Event::Text("9".into())]);
    assert!(bar.harness.host.take().is_empty());
}

#[test]
fn a_sofa_file_that_fails_is_reported_in_the_warning_colour() {
    let _serial = testkit::exclusive();
    let mut h = Harness::new();
    let loader = h.params.sofa.loader().clone();
    loader.choose(Path::new("/nonexistent/heads/kemar.sofa"));
    let status = settled(&loader);
    assert!(status.is_failure(), "{status:?}");
    h.frame(vec![]);
    let line = h
        .texts()
        .into_iter()
        .find(|t| t.shown.starts_with("kemar.sofa cannot be read"))
        .unwrap_or_else(|| panic!("no load error drawn: {:?}", h.texts()));
    assert!(line.is_visible(), "{line:?}");
    assert_eq!(line.colours, [theme::WARNING], "{line:?}");
    // The whole message is longer than the panel: cut, not spilled over the head view.
    assert!(line.shown.ends_with('…'), "{line:?}");
    let (centre, radius) = h.app.head_geometry();
    assert!(line.rect.right() < centre.x - radius, "{line:?}");
    // Resting the pointer on it shows the whole message.
    h.move_to(line.visible.center());
    h.idle(50);
    let whole = status.describe();
    let squeezed = |text: &str| text.split_whitespace().collect::<String>();
    assert!(
        h.texts()
            .iter()
            .any(|t| squeezed(&t.shown) == squeezed(&whole)),
        "no tooltip reads {whole:?}: {:?}",
        h.texts()
    );
}

#[test]
fn the_loaded_sofa_set_is_named_in_the_voice_panel() {
    let _serial = testkit::exclusive();
    let mut h = Harness::new();
    // Nothing chosen and the sphere playing: no SOFA line at all.
    assert!(!h.texts().iter().any(|t| t.shown.contains("SOFA file")));
    let loader = h.params.sofa.loader().clone();
    loader.choose(&fixture());
    let status = settled(&loader);
    assert!(matches!(status, SofaStatus::Loaded { .. }), "{status:?}");
    h.frame(vec![]);
    let line = h.text("Murmur sphere test set (97 directions)");
    assert!(line.is_whole(), "{line:?}");
    assert_eq!(line.colours, [theme::DIM_TEXT]);
    // Right under the HRTF row.
    let hrtf = h.text("HRTF");
    assert!(line.rect.top() > hrtf.rect.bottom() && line.rect.top() < hrtf.rect.bottom() + 10.0);
}

/// Murmur Triggers has no voice: its editor names itself, keeps the rows the layers use (the
/// motion Follow Voice follows, the point and its distance, the head, the room) and drops the
/// voice's own (HRTF, proximity, width, level, mix, de-ess, denoise) under a panel named for
/// what the layers do with it; the rest is as in Murmur.
#[test]
fn murmur_triggers_has_its_own_layout() {
    let _serial = testkit::exclusive();
    let h = Harness::triggers();
    let shown: Vec<String> = h.texts().into_iter().map(|t| t.shown).collect();
    h.text("Murmur Triggers");
    h.text("Follow Voice");
    for kept in [
        "Motion Rate",
        "Motion Depth",
        "Softness",
        "Azimuth",
        "Distance",
        "Head Size",
        "Room",
        "Room Level",
    ] {
        assert!(
            shown.iter().any(|t| t == kept),
            "{kept} is missing: {shown:?}"
        );
    }
    for dropped in [
        "Voice",
        "HRTF",
        "Load…",
        "Proximity",
        "Stereo Width",
        "Voice Level",
        "Voice Mix",
        "De-ess",
        "Denoise",
    ] {
        assert!(
            !shown.iter().any(|t| t == dropped),
            "{dropped} is drawn: {shown:?}"
        );
    }
    for layer in ["Layer 1", "Layer 2", "Layer 3", "Output"] {
        assert!(
            shown.iter().any(|t| t.starts_with(layer)),
            "{layer}: {shown:?}"
        );
    }
    // Murmur's own editor still has its voice panel.
    let effect = Harness::new();
    effect.text("Voice");
    effect.text("HRTF");
}

/// At the default and the minimum size every text in the layer strips reads in full, whichever
/// trigger kind, placement and division each layer has: nothing drawn there is cut short with
/// "…", clipped, or drawn over another.
#[test]
fn the_layer_strips_show_every_choice_in_full() {
    let _serial = testkit::exclusive();
    for size in [DEFAULT_SIZE, MIN_SIZE] {
        let mut h = Harness::sized(size);
        let count = |param: ParamPtr| unsafe { param.step_count() }.unwrap() + 1;
        let strips_top = h.size.y - murmur::editor::STRIPS_HEIGHT - murmur::editor::MARGIN;
        let params = h.params.clone();
        let layers = [&params.layer1, &params.layer2, &params.layer3];
        let choices = |n: usize| {
            let layer = layers[n];
            [
                layer.kind.as_ptr(),
                layer.placement.as_ptr(),
                layer.division.as_ptr(),
            ]
        };
        let rounds = choices(0).iter().map(|p| count(*p)).max().unwrap();
        for round in 0..rounds {
            for n in 0..3 {
                for param in choices(n) {
                    let steps = count(param);
                    // SAFETY: the parameters outlive the test.
                    let value = ((round + n) % steps) as f32 / (steps - 1) as f32;
                    unsafe { param._internal_set_normalized_value(value) };
                }
            }
            h.frame(vec![]);
            let strips: Vec<Drawn> = h
                .texts()
                .into_iter()
                // What the strips show: the voice panel's rows scrolled out of sight are not.
                .filter(|t| t.is_visible() && t.visible.top() >= strips_top)
                .collect();
            let cut: Vec<&Drawn> = strips
                .iter()
                .filter(|t| t.shown.ends_with('…') || !t.is_whole())
                .collect();
            assert!(cut.is_empty(), "{size:?}: cut short: {cut:?}");
            assert_eq!(
                overlapping(&strips),
                [] as [(String, String); 0],
                "{size:?}"
            );
        }
    }
}

/// HRTF set to SOFA, as the host records it.
fn sofa_set(h: &Harness) -> Gesture {
    Gesture::Set(
        "hrtf".into(),
        h.params.hrtf.preview_normalized(HrtfParam::Sofa),
    )
}

/// A CLAP host that is not processing (Qtractor with its transport stopped) applies nothing
/// the editor sends until it next processes or flushes: the editor still shows its own changes
/// on the next frame.
#[test]
fn edits_show_at_once_while_the_host_is_not_processing() {
    let _serial = testkit::exclusive();
    let mut h = Harness::new();
    h.host
        .applies_values
        .store(false, std::sync::atomic::Ordering::Relaxed);
    h.host.take();
    // A motion chosen from its menu is drawn on the next frame.
    h.pick("Static", "Orbit");
    h.frame(vec![]);
    h.text("Orbit");
    assert!(
        h.texts().iter().all(|t| t.shown != "Static"),
        "the menu still reads Static"
    );
    assert_eq!(sets_of(&h.host.take(), "motion").len(), 1);
    // A dragged voice stays where it was dropped, and is drawn there.
    let to = h.place(90.0, 1.0);
    h.drag(h.place(0.0, 0.5), to, 12);
    h.frame(vec![]);
    let (azimuth, distance) = (h.params.azimuth.value(), h.params.distance.value());
    assert!((azimuth - 90.0).abs() < 1.0, "azimuth {azimuth}");
    assert!((distance - 1.0).abs() < 0.02, "distance {distance}");
    h.text("1.00 m");
    assert!(!sets_of(&h.host.take(), "azim").is_empty());
}

#[test]
fn choosing_sofa_in_the_hrtf_menu_is_a_gesture() {
    let _serial = testkit::exclusive();
    let mut h = Harness::new();
    h.host.take();
    h.pick("Sphere", "SOFA");
    h.idle(1);
    let log = h.host.take();
    assert_eq!(
        log,
        [
            Gesture::Begin("hrtf".into()),
            sofa_set(&h),
            Gesture::End("hrtf".into()),
        ]
    );
    assert_eq!(h.params.hrtf.value(), HrtfParam::Sofa);
    // With SOFA chosen and no file, the line says the sphere still plays.
    h.text("No SOFA file loaded: the sphere model plays.");
}

#[test]
fn load_opens_a_dialog_of_sofa_files_and_the_pick_switches_to_sofa() {
    let _serial = testkit::exclusive();
    let mut h = Harness::new();
    // A set chosen before: the dialog starts in its folder, beside the other test files.
    let loader = h.params.sofa.loader().clone();
    loader.choose(&fixture());
    settled(&loader);
    h.frame(vec![]);
    h.host.take();
    let load = h.text("Load…").rect.center();
    h.click(load);
    // Long enough that the next click is not taken for the second of a double-click on Load….
    h.idle(20);
    assert!(h.app.sofa_dialog_open());
    let texts: Vec<String> = h.texts().into_iter().map(|t| t.shown).collect();
    assert!(
        texts.iter().any(|t| t.ends_with("Load a SOFA file")),
        "no dialog drawn: {texts:?}"
    );
    // Only SOFA files are listed (the fixtures folder also holds WAV, FLAC and scripts).
    let listed: Vec<&String> = texts
        .iter()
        .filter(|t| t.contains(".sofa") || t.contains(".wav") || t.contains(".py"))
        .collect();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let entry = listed[0].clone();
    assert!(entry.ends_with("sphere-44k1.sofa"), "{entry}");
    // The dialog is a window inside the editor.
    let window = Rect::from_min_size(Pos2::ZERO, h.size);
    let entry = h.text(&entry);
    assert!(window.contains_rect(entry.rect), "{entry:?}");
    // A double-click picks the file.
    let at = entry.rect.center();
    h.move_to(at);
    for _ in 0..2 {
        h.button(at, true);
        h.button(at, false);
    }
    h.idle(2);
    assert!(
        !h.app.sofa_dialog_open(),
        "the dialog stays open after a pick"
    );
    let log = h.host.take();
    assert_eq!(
        log,
        [
            Gesture::Begin("hrtf".into()),
            sofa_set(&h),
            Gesture::End("hrtf".into())
        ]
    );
    assert_eq!(h.params.hrtf.value(), HrtfParam::Sofa);
    // The loader read the picked file again.
    match settled(&loader) {
        SofaStatus::Loaded { path, .. } => assert_eq!(Path::new(&path), fixture()),
        status => panic!("{status:?}"),
    }
}

#[test]
fn a_picked_file_is_loaded_and_switches_hrtf_to_sofa_once() {
    let _serial = testkit::exclusive();
    let h = Harness::new();
    h.host.take();
    let broken = std::env::temp_dir().join(format!("murmur-editor-{}.sofa", std::process::id()));
    std::fs::write(&broken, b"not an HDF5 file").unwrap();
    h.app.sofa_file_picked(&h.gui, &broken);
    let log = h.host.take();
    assert_eq!(
        log,
        [
            Gesture::Begin("hrtf".into()),
            sofa_set(&h),
            Gesture::End("hrtf".into())
        ]
    );
    let loader = h.params.sofa.loader();
    let status = settled(loader);
    assert!(status.is_failure(), "{status:?}");
    assert!(
        status
            .describe()
            .contains(&*broken.file_name().unwrap().to_string_lossy())
    );
    // Already on SOFA: the next pick loads, with no gesture that changes nothing.
    h.app.sofa_file_picked(&h.gui, &fixture());
    assert!(h.host.take().is_empty());
    assert!(matches!(settled(loader), SofaStatus::Loaded { .. }));
    assert_eq!(loader.chosen(), fixture().to_string_lossy());
    let _ = std::fs::remove_file(broken);
}

#[test]
fn head_size_is_inert_while_sofa_plays() {
    let _serial = testkit::exclusive();
    let mut h = Harness::new();
    let setter = h.gui.param_setter();
    setter.begin_set_parameter(&h.params.hrtf);
    setter.set_parameter(&h.params.hrtf, HrtfParam::Sofa);
    setter.end_set_parameter(&h.params.hrtf);
    h.frame(vec![]);
    h.host.take();
    let head = h.params.head_size.value();
    let bar = h.text(&h.params.head_size.to_string()).rect.center();
    h.drag(bar, bar + vec2(40.0, 0.0), 5);
    assert!(
        h.host.take().is_empty(),
        "Head Size moved with SOFA playing"
    );
    assert_eq!(h.params.head_size.value(), head);
    // Back on the sphere, the same drag is a gesture.
    let setter = h.gui.param_setter();
    setter.begin_set_parameter(&h.params.hrtf);
    setter.set_parameter(&h.params.hrtf, HrtfParam::Sphere);
    setter.end_set_parameter(&h.params.hrtf);
    h.frame(vec![]);
    h.host.take();
    h.drag(bar, bar + vec2(40.0, 0.0), 5);
    sets_of(&h.host.take(), "head");
    assert!(h.params.head_size.value() > head);
}

/// Pairs of visible texts that cover each other.
fn overlapping(texts: &[Drawn]) -> Vec<(String, String)> {
    let visible: Vec<&Drawn> = texts.iter().filter(|t| t.is_visible()).collect();
    let mut pairs = Vec::new();
    for (i, a) in visible.iter().enumerate() {
        for b in &visible[i + 1..] {
            let shared = a.visible.intersect(b.visible);
            if shared.is_positive() && shared.area() > 1.0 {
                pairs.push((a.shown.clone(), b.shown.clone()));
            }
        }
    }
    pairs
}

/// The voice panel with all its rows: SOFA chosen, a set loaded, its line shown.
fn sixteen_rows(size: (u32, u32)) -> Harness {
    let mut h = Harness::sized(size);
    let loader = h.params.sofa.loader().clone();
    h.app.sofa_file_picked(&h.gui.clone(), &fixture());
    settled(&loader);
    h.idle(2);
    h
}

#[test]
fn the_voice_panel_fits_at_the_default_size_and_scrolls_at_the_minimum() {
    let _serial = testkit::exclusive();
    // Every row's name but Distance, which the layer strips have too.
    let names = [
        "Motion",
        "Motion Rate",
        "Motion Sync",
        "Motion Depth",
        "Softness",
        "Azimuth",
        "Head Size",
        "HRTF",
        "Proximity",
        "Stereo Width",
        "Voice Level",
        "Voice Mix",
        "De-ess",
        "Denoise",
    ];
    let h = sixteen_rows(DEFAULT_SIZE);
    for name in names {
        let label = h.text(name);
        assert!(
            label.is_whole(),
            "{name} is cut at the default size: {label:?}"
        );
    }
    assert!(h.text("Murmur sphere test set (97 directions)").is_whole());
    assert_eq!(overlapping(&h.texts()), [] as [(String, String); 0]);

    // At the minimum size the lower rows scroll inside the panel instead of being drawn over the
    // layer strips.
    let h = sixteen_rows(MIN_SIZE);
    assert_eq!(overlapping(&h.texts()), [] as [(String, String); 0]);
    let strips_top = MIN_SIZE.1 as f32 - murmur::editor::MARGIN - murmur::editor::STRIPS_HEIGHT;
    let voice: Vec<Drawn> = h
        .texts()
        .into_iter()
        .filter(|t| names.contains(&t.shown.as_str()))
        .collect();
    assert!(
        names
            .iter()
            .any(|name| !voice.iter().any(|t| t.shown == *name && t.is_whole())),
        "every row fits at the minimum size: {voice:?}"
    );
    let layer = h.text("Layer 1");
    for text in voice.iter().filter(|t| t.is_visible()) {
        assert!(
            text.visible.bottom() < strips_top && text.visible.bottom() < layer.rect.top(),
            "{text:?} is drawn over the layer strips"
        );
    }
}

/// A wheel turn of `points` (negative: towards the user, scrolling down).
fn wheel(points: f32) -> Event {
    Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: vec2(0.0, points),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: Modifiers::NONE,
    }
}

#[test]
fn the_wheel_scrolls_the_voice_panel_over_names_and_turns_bars_over_bars() {
    let _serial = testkit::exclusive();
    let mut h = sixteen_rows(MIN_SIZE);
    h.host.take();
    // Over a bar, the wheel changes its value and leaves the panel where it is.
    let rate = h.text("Motion Rate").rect;
    let bar = h.text(&h.params.motion_rate.to_string()).rect.center();
    h.move_to(bar);
    h.frame(vec![wheel(-50.0)]);
    h.idle(30);
    let log = h.host.take();
    assert!(!log.is_empty(), "the wheel did not turn Motion Rate");
    assert!(
        log.iter().all(|g| match g {
            Gesture::Begin(id) | Gesture::End(id) | Gesture::Set(id, _) => id == "mrate",
        }),
        "{log:?}"
    );
    assert_eq!(h.text("Motion Rate").rect, rate, "the panel scrolled");
    // Over the names, it scrolls the panel down to its last row, still inside the panel.
    h.move_to(rate.center());
    h.frame(vec![wheel(-400.0)]);
    h.idle(60);
    assert!(h.host.take().is_empty());
    let denoise = h.text("Denoise");
    assert!(denoise.is_whole(), "{denoise:?}");
    assert!(denoise.rect.bottom() < h.text("Layer 1").rect.top());
    assert!(
        !h.texts()
            .iter()
            .any(|t| t.shown == "Motion" && t.is_whole())
    );
}

/// The output panel's loudness meter, fed as the plugin feeds it: the −23 dBFS stereo 1 kHz tone
/// of EBU Tech 3341 case 1 through the effect's engine with Bypass on (which passes it
/// unchanged), each block copied into the meter's ring as the audio thread does, the editor
/// drawing a frame every 20 ms of audio. It reads −23.0 LUFS integrated (±0.1), momentary and
/// short-term, the true peak −23 dBTP, and draws those numbers; Reset starts again.
#[test]
fn the_loudness_meter_reads_the_broadcast_tone() {
    let _serial = testkit::exclusive();
    use murmur::engine::{Engine, InputChannels, Settings};
    let mut h = Harness::new();
    let rate = 48_000.0;
    let mut writer = h.feed.loudness.connect(rate);
    let mut engine = Engine::new(rate, 960).unwrap();
    let settings = Settings {
        bypass: true,
        ..Settings::default()
    };
    let amplitude = 10f32.powf(-23.0 / 20.0);
    let mut n = 0usize;
    // 20 s in host blocks of 960 samples (20 ms), one editor frame per block.
    for _ in 0..1000 {
        let mut left: Vec<f32> = (n..n + 960)
            .map(|i| amplitude * (std::f32::consts::TAU * 1000.0 * i as f32 / rate).sin())
            .collect();
        let mut right = left.clone();
        n += 960;
        engine.process(
            InputChannels::Stereo,
            &mut left,
            &mut right,
            &settings,
            None,
        );
        writer.push(&left, &right);
        h.frame(vec![]);
    }
    let readings = h.app.loudness_readings().expect("readings");
    // The tone reads −23 on every scale (true peak: its amplitude, within Tech 3341's
    // tolerance).
    for (name, value, tolerance) in [
        ("integrated", readings.integrated_lufs, 0.1),
        ("momentary", readings.momentary_lufs, 0.1),
        ("short-term", readings.short_term_lufs, 0.1),
        ("true peak", readings.true_peak_dbtp, 0.2),
    ] {
        assert!((value + 23.0).abs() <= tolerance, "{name}: {readings:?}");
    }
    let texts: Vec<String> = h.texts().into_iter().map(|t| t.shown).collect();
    let line = |start: &str| texts.iter().find(|t| t.starts_with(start)).cloned();
    assert_eq!(
        line("M ").as_deref(),
        Some("M -23.0  S -23.0 LUFS"),
        "{texts:?}"
    );
    let integrated = line("I ").unwrap_or_default();
    assert!(integrated.starts_with("I -23.0  TP-23."), "{integrated}");
    let reset = h
        .texts()
        .into_iter()
        .find(|t| t.shown == "Reset loudness")
        .expect("a reset button");
    h.click(reset.visible.center());
    h.frame(vec![]);
    assert_eq!(h.app.loudness_readings(), None);
}

/// The x of every marker the last frame drew (Animate's and Wind-down's live values), in
/// drawing order: one per marker, though each is drawn as two ticks.
fn markers(h: &Harness) -> Vec<f32> {
    fn collect(shape: &egui::Shape, xs: &mut Vec<f32>) {
        match shape {
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| collect(s, xs)),
            egui::Shape::LineSegment { points, stroke } if stroke.color == theme::MARKER => {
                xs.push(points[0].x)
            }
            _ => {}
        }
    }
    let mut xs = Vec::new();
    for clipped in &h.shapes {
        collect(&clipped.shape, &mut xs);
    }
    assert!(
        xs.len() % 2 == 0 && xs.chunks(2).all(|pair| pair[0] == pair[1]),
        "ticks in pairs: {xs:?}"
    );
    xs.into_iter().step_by(2).collect()
}

/// While Animate or Wind-down moves the sound, each layer's level, density, tone, spread and
/// distance bar and the voice's distance bar carry a marker where the value is now; a value
/// moved to its maximum puts that one marker at the right, its minimum at the left; with
/// neither moving, no marker.
#[test]
fn animated_values_are_marked_on_the_bars() {
    use murmur::settings::Settings;
    let _serial = testkit::exclusive();
    let mut h = Harness::new();
    assert_eq!(markers(&h), Vec::<f32>::new(), "nothing moves yet");
    let mut live = Settings::default();
    let frame = |h: &mut Harness, live: &Settings| {
        h.feed.publish_live(live, true);
        h.frame(vec![]);
        markers(h)
    };
    let held = frame(&mut h, &live);
    assert_eq!(held.len(), 3 * 5 + 1, "{held:?}");
    live.layers[1].density_per_s = murmur::settings::ranges::DENSITY_PER_S.max;
    let dense = frame(&mut h, &live);
    live.layers[1].density_per_s = murmur::settings::ranges::DENSITY_PER_S.min;
    let sparse = frame(&mut h, &live);
    let moved: Vec<usize> = (0..held.len()).filter(|&i| dense[i] != held[i]).collect();
    assert_eq!(moved.len(), 1, "one marker moves: {held:?} → {dense:?}");
    let i = moved[0];
    assert!(
        sparse[i] < held[i] && held[i] < dense[i],
        "{} {} {}",
        sparse[i],
        held[i],
        dense[i]
    );
    assert!(
        dense[i] - sparse[i] > 60.0,
        "across the bar: {} → {}",
        sparse[i],
        dense[i]
    );
    h.feed.publish_live(&live, false);
    h.frame(vec![]);
    assert_eq!(
        markers(&h),
        Vec::<f32>::new(),
        "no markers once nothing moves"
    );
}

/// A preset saved from the editor's Save… (the name typed in the top bar, with a slash, an
/// accent and spaces) is a file the command line finds by name: `murmur render --preset NAME`
/// renders what the plugin's values render, to within 1e-6. The preset menu then lists it, and
/// loading it back sets the values it holds.
#[test]
fn a_preset_saved_in_the_editor_renders_the_same_on_the_command_line() {
    use murmur::user_presets;
    let _serial = testkit::exclusive();
    let folder = testkit::cli::temp_dir("editor-presets");
    // SAFETY: the tests of this binary that touch the environment hold `exclusive()`.
    unsafe { std::env::set_var(user_presets::FOLDER_ENV, &folder) };
    let mut h = Harness::new();
    // Values no display rounds to: a dragged voice, an orbit, a busy layer.
    h.drag(h.place(0.0, 0.5), h.place(63.3, 0.77), 9);
    h.pick("Static", "Orbit");
    h.idle(1);
    let name = "Night / café walk";
    h.click(h.text("Save…").rect.center());
    h.idle(1);
    h.frame(vec![
        key_press(egui::Key::A, Modifiers::COMMAND),
        Event::Text(name.into()),
    ]);
    h.frame(vec![key_press(egui::Key::Enter, Modifiers::NONE)]);
    h.idle(2);
    h.text(&format!("Saved {name}"));
    assert_eq!(h.app.preset_name(), Some(name));
    let saved = user_presets::list_in(&folder);
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(saved[0].name, name);

    // What the plugin renders with these values, latency removed, as the command line does.
    let fixture = testkit::fixture("whisper-48k.wav");
    let voice: Vec<f32> = hound::WavReader::open(&fixture)
        .unwrap()
        .samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32_768.0)
        .collect();
    let settings = h.app.live_sheet().settings();
    let (left, right) = testkit::render::render_mono(&voice, 48_000.0, &settings, 512);
    let output = folder.join("cli.wav");
    let run = testkit::cli::murmur(&[
        "render",
        fixture.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--preset",
        "night / CAFÉ walk",
        "--tail",
        "0",
        "--bits",
        "32f",
    ]);
    assert!(run.status.success(), "{}", testkit::cli::text(&run.stderr));
    let cli: Vec<f32> = hound::WavReader::open(&output)
        .unwrap()
        .samples::<f32>()
        .map(Result::unwrap)
        .collect();
    assert_eq!(cli.len(), 2 * voice.len());
    let mut worst = 0.0f32;
    for (i, frame) in cli.chunks(2).enumerate() {
        worst = worst
            .max((frame[0] - left[i]).abs())
            .max((frame[1] - right[i]).abs());
    }
    println!("max |CLI − plugin| = {worst:e}");
    assert!(worst <= 1e-6, "max |diff| {worst}");

    // The menu lists it; loading it after a change brings the values back.
    h.drag(h.place(63.3, 0.77), h.place(-120.0, 0.3), 6);
    assert_eq!(h.app.preset_name(), None);
    h.click(h.text("Custom").rect.center());
    h.idle(3);
    h.text("Your presets");
    h.click(h.text(name).rect.center());
    h.idle(2);
    assert_eq!(h.app.preset_name(), Some(name));
    assert!(
        (h.params.azimuth.value() - 63.3).abs() < 0.5,
        "{}",
        h.params.azimuth.value()
    );
    unsafe { std::env::remove_var(user_presets::FOLDER_ENV) };
    let _ = std::fs::remove_dir_all(folder);
}

/// A/B: edits go to the slot shown; clicking the other slot keeps them there and sends the
/// other slot's values as host gestures; clicking back restores them.
#[test]
fn a_and_b_hold_two_sets_of_values() {
    let _serial = testkit::exclusive();
    let mut h = Harness::new();
    assert_eq!(h.app.ab_slot(), 0);
    h.drag(h.place(0.0, 0.5), h.place(90.0, 1.0), 8);
    let a_azimuth = h.params.azimuth.value();
    // B starts as a copy of A.
    h.click(h.text("B").rect.center());
    h.idle(1);
    assert_eq!(h.app.ab_slot(), 1);
    assert_eq!(h.params.azimuth.value(), a_azimuth);
    h.drag(h.place(90.0, 1.0), h.place(-90.0, 0.3), 8);
    let b_azimuth = h.params.azimuth.value();
    assert!((b_azimuth + 90.0).abs() < 1.0);
    h.host.take();
    h.click(h.text("A").rect.center());
    h.idle(1);
    assert_eq!(h.app.ab_slot(), 0);
    assert_eq!(h.params.azimuth.value(), a_azimuth);
    let log = h.host.take();
    assert_eq!(sets_of(&log, "azim").len(), 1, "{log:?}");
    assert_eq!(sets_of(&log, "dist").len(), 1, "{log:?}");
    h.click(h.text("B").rect.center());
    h.idle(1);
    assert_eq!(h.params.azimuth.value(), b_azimuth);
    // The window closed and opened again (a new app, the editor's slots): still on B, and A
    // still holds A's values.
    let slots = h.app.ab_slots();
    h.app = murmur::editor::EditorApp::new(
        h.params.clone(),
        h.feed.clone(),
        murmur::editor::EditorKind::Effect,
    )
    .sharing_ab(slots);
    h.idle(2);
    assert_eq!(h.app.ab_slot(), 1);
    h.click(h.text("A").rect.center());
    h.idle(1);
    assert_eq!(h.params.azimuth.value(), a_azimuth);
}

/// A preset file that is damaged or from a newer Murmur is refused when loaded from the menu:
/// the top bar says why, and no parameter moves.
#[test]
fn a_damaged_or_future_preset_changes_nothing() {
    use murmur::user_presets;
    let _serial = testkit::exclusive();
    let folder = testkit::cli::temp_dir("editor-bad-presets");
    // SAFETY: as above.
    unsafe { std::env::set_var(user_presets::FOLDER_ENV, &folder) };
    let sheet = murmur::params::ParamSheet::new();
    let good = |name: &str| user_presets::text(name, &sheet).replace("= 0 °", "= 45 °");
    std::fs::create_dir_all(&folder).unwrap();
    let future = good("Future").replacen("format 1", "format 9", 1);
    std::fs::write(folder.join("Future.txt"), future).unwrap();
    let damaged = good("Damaged");
    let cut = damaged.len() / 2;
    std::fs::write(folder.join("Damaged.txt"), &damaged.as_bytes()[..cut]).unwrap();
    // The editor lists the folder as it opens.
    let mut h = Harness::new();
    for (name, why) in [("Future", "newer Murmur"), ("Damaged", "cut short")] {
        h.host.take();
        h.pick("Custom", name);
        h.idle(1);
        h.idle(2);
        assert!(h.host.take().is_empty(), "{name}: a parameter moved");
        assert_eq!(h.params.azimuth.value(), 0.0);
        let message = h.texts().into_iter().find(|t| t.shown.contains(why));
        let message = message.unwrap_or_else(|| panic!("{name}: no message saying {why}"));
        assert_eq!(message.colours, [theme::WARNING]);
    }
    unsafe { std::env::remove_var(user_presets::FOLDER_ENV) };
    let _ = std::fs::remove_dir_all(folder);
}
