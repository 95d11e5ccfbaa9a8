//! The editor's parameter path, driven through egui input events the way a user drives it: the
//! voice dot dragged (and Shift-dragged) sends begin/set/end for Azimuth and Distance with the
//! place under the pointer, a double-click puts the voice in front at 0.5 m, a preset is sent as
//! one gesture per parameter and its name shows until a parameter moves.
//!
//! The host side is a recording `GuiContextInner`: it logs every gesture and, like a real
//! wrapper, sets the parameter's value.

use std::sync::{Arc, Mutex};

use egui::{Event, Modifiers, PointerButton, Pos2, RawInput, Rect, vec2};
use murmur::editor::head_view::{HOME, from_screen, to_screen};
use murmur::editor::{DEFAULT_SIZE, EditorApp};
use murmur::params::MurmurParams;
use murmur::visual_feed::VisualFeed;
use nice_plug::context::PluginApi;
use nice_plug::context::gui::{GuiContext, GuiContextInner};
use nice_plug::prelude::*;

#[derive(Debug, Clone, PartialEq)]
enum Gesture {
    Begin(String),
    Set(String, f32),
    End(String),
}

/// A host that records gestures and applies the values.
struct RecordingHost {
    ids: Vec<(ParamPtr, String)>,
    log: Mutex<Vec<Gesture>>,
}

impl RecordingHost {
    fn id(&self, param: ParamPtr) -> String {
        self.ids
            .iter()
            .find(|(p, _)| *p == param)
            .map(|(_, id)| id.clone())
            .expect("a parameter of this plugin")
    }

    fn take(&self) -> Vec<Gesture> {
        std::mem::take(&mut self.log.lock().unwrap())
    }
}

impl GuiContextInner for RecordingHost {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }

    unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
        let id = self.id(param);
        self.log.lock().unwrap().push(Gesture::Begin(id));
    }

    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        let id = self.id(param);
        // SAFETY: the parameters outlive the test's editor.
        unsafe { param._internal_set_normalized_value(normalized) };
        self.log.lock().unwrap().push(Gesture::Set(id, normalized));
    }

    unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
        let id = self.id(param);
        self.log.lock().unwrap().push(Gesture::End(id));
    }

    fn get_state(&self) -> PluginState {
        unreachable!("the editor never reads the whole state")
    }

    fn set_state(&self, _state: PluginState) {
        unreachable!("the editor never writes the whole state")
    }

    fn request_restart(&self) {}
}

/// The editor in an egui context of the default window size, with a recording host.
struct Harness {
    ctx: egui::Context,
    app: EditorApp,
    params: Arc<MurmurParams>,
    host: Arc<RecordingHost>,
    gui: GuiContext,
    time: f64,
    /// Keys held: sent to egui when they change.
    modifiers: Modifiers,
    sent_modifiers: Modifiers,
}

impl Harness {
    fn new() -> Self {
        let params = Arc::new(MurmurParams::default());
        let ids = params
            .param_map()
            .into_iter()
            .map(|(id, ptr, _)| (ptr, id))
            .collect();
        let host = Arc::new(RecordingHost {
            ids,
            log: Mutex::new(Vec::new()),
        });
        let gui = GuiContext::new(host.clone());
        let app = EditorApp::new(params.clone(), Arc::new(VisualFeed::default()));
        let mut harness = Self {
            ctx: egui::Context::default(),
            app,
            params,
            host,
            gui,
            time: 0.0,
            modifiers: Modifiers::NONE,
            sent_modifiers: Modifiers::NONE,
        };
        harness.frame(vec![]);
        harness
    }

    /// One frame with these input events, 20 ms after the last.
    fn frame(&mut self, mut events: Vec<Event>) {
        self.time += 0.02;
        if self.modifiers != self.sent_modifiers {
            events.insert(0, Event::ModifiersChanged(self.modifiers));
            self.sent_modifiers = self.modifiers;
        }
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(
                Pos2::ZERO,
                vec2(DEFAULT_SIZE.0 as f32, DEFAULT_SIZE.1 as f32),
            )),
            time: Some(self.time),
            events,
            ..RawInput::default()
        };
        let (app, gui, time) = (&mut self.app, &self.gui, self.time);
        let mut output = self.ctx.run_ui(input, |ui| app.draw(ui, gui, time));
        // Nothing is painted here: the font textures are dropped on purpose.
        output.textures_delta.clear();
    }

    fn button(&mut self, at: Pos2, pressed: bool) {
        let modifiers = self.modifiers;
        self.frame(vec![Event::PointerButton {
            pos: at,
            button: PointerButton::Primary,
            pressed,
            modifiers,
        }]);
    }

    fn move_to(&mut self, at: Pos2) {
        self.frame(vec![Event::PointerMoved(at)]);
    }

    /// Presses at `from`, moves to `to` in `steps` frames, releases there.
    fn drag(&mut self, from: Pos2, to: Pos2, steps: usize) {
        self.move_to(from);
        self.button(from, true);
        for i in 1..=steps {
            self.move_to(from + (to - from) * (i as f32 / steps as f32));
        }
        self.button(to, false);
        self.frame(vec![]);
    }

    /// Where azimuth `azimuth` at `metres` is on screen now.
    fn place(&self, azimuth: f32, metres: f32) -> Pos2 {
        let (centre, radius) = self.app.head_geometry();
        to_screen(centre, radius, azimuth, metres)
    }
}

/// The begin/set…/end sequence of one parameter within `log`, checked for balance.
fn sets_of(log: &[Gesture], id: &str) -> Vec<f32> {
    let begins = log
        .iter()
        .filter(|g| **g == Gesture::Begin(id.into()))
        .count();
    let ends = log
        .iter()
        .filter(|g| **g == Gesture::End(id.into()))
        .count();
    assert_eq!(begins, 1, "{id}: one begin in {log:?}");
    assert_eq!(ends, 1, "{id}: one end in {log:?}");
    let first = log
        .iter()
        .position(|g| *g == Gesture::Begin(id.into()))
        .unwrap();
    let last = log
        .iter()
        .position(|g| *g == Gesture::End(id.into()))
        .unwrap();
    let sets: Vec<f32> = log
        .iter()
        .enumerate()
        .filter_map(|(i, g)| match g {
            Gesture::Set(set, value) if set == id => {
                assert!(first < i && i < last, "{id}: a set outside its gesture");
                Some(*value)
            }
            _ => None,
        })
        .collect();
    assert!(!sets.is_empty(), "{id}: no value sent");
    sets
}

#[test]
fn dragging_the_voice_sends_azimuth_and_distance_as_gestures() {
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
    let mut h = Harness::new();
    h.host.take();
    let preset = murmur::presets::find("Tapping Around the Head").unwrap();
    h.app.apply_preset(&h.gui.clone(), &preset);
    let log = h.host.take();
    let count = h.params.param_map().len();
    // Every parameter but Bypass: begin, set, end.
    assert_eq!(log.len(), 3 * (count - 1));
    assert!(!log.iter().any(|g| *g == Gesture::Begin("bypass".into())));
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
            rect = murmur::editor::controls::value_bar(ui, &setter, &params.azimuth, "azim", 160.0)
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
