//! The editor in a test harness: a recording host (`GuiContextInner`) that logs every gesture
//! and, like a real wrapper, sets the parameter's value; the app driven frame by frame with egui
//! input events; what it drew, read back as text and shapes.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use egui::epaint::ClippedShape;
use egui::{Color32, Event, Modifiers, PointerButton, Pos2, RawInput, Rect, Shape, Vec2, vec2};
use murmur::editor::head_view::to_screen;
use murmur::editor::{DEFAULT_SIZE, EditorApp, EditorKind};
use murmur::params::MurmurParams;
use murmur::sofa_loader::{SofaLoader, SofaStatus};
use murmur::visual_feed::VisualFeed;
use nice_plug::context::PluginApi;
use nice_plug::context::gui::{GuiContext, GuiContextInner};
use nice_plug::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Gesture {
    Begin(String),
    Set(String, f32),
    End(String),
}

/// A host that records gestures and applies the values.
pub(super) struct RecordingHost {
    pub(super) ids: Vec<(ParamPtr, String)>,
    pub(super) log: Mutex<Vec<Gesture>>,
    /// Whether a change is applied as it is sent, as a VST3 wrapper does. Off, the host is a
    /// CLAP host that is not processing and never flushes: nice-plug applies an editor's change
    /// only when the host next processes or flushes, so nothing reaches the parameter.
    pub(super) applies_values: AtomicBool,
}

impl RecordingHost {
    pub(super) fn id(&self, param: ParamPtr) -> String {
        self.ids
            .iter()
            .find(|(p, _)| *p == param)
            .map(|(_, id)| id.clone())
            .expect("a parameter of this plugin")
    }

    pub(super) fn take(&self) -> Vec<Gesture> {
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
        if self.applies_values.load(Ordering::Relaxed) {
            // SAFETY: the parameters outlive the test's editor.
            unsafe { param._internal_set_normalized_value(normalized) };
        }
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

/// The editor in an egui context of the window's size, with a recording host.
pub(super) struct Harness {
    pub(super) ctx: egui::Context,
    pub(super) size: Vec2,
    /// What the last frame drew.
    pub(super) shapes: Vec<ClippedShape>,
    pub(super) app: EditorApp,
    pub(super) feed: Arc<VisualFeed>,
    pub(super) params: Arc<MurmurParams>,
    pub(super) host: Arc<RecordingHost>,
    pub(super) gui: GuiContext,
    pub(super) time: f64,
    /// Keys held: sent to egui when they change.
    pub(super) modifiers: Modifiers,
    pub(super) sent_modifiers: Modifiers,
}

impl Harness {
    pub(super) fn new() -> Self {
        Self::sized(DEFAULT_SIZE)
    }

    /// The editor in a window of `(width, height)` logical pixels.
    pub(super) fn sized(size: (u32, u32)) -> Self {
        Self::of(EditorKind::Effect, size)
    }

    /// Murmur Triggers' editor at the default size.
    pub(super) fn triggers() -> Self {
        Self::of(EditorKind::Triggers, DEFAULT_SIZE)
    }

    /// `kind`'s editor in a window of `(width, height)` logical pixels.
    pub(super) fn of(kind: EditorKind, (width, height): (u32, u32)) -> Self {
        let params = Arc::new(MurmurParams::default());
        let ids = params
            .param_map()
            .into_iter()
            .map(|(id, ptr, _)| (ptr, id))
            .collect();
        let host = Arc::new(RecordingHost {
            ids,
            log: Mutex::new(Vec::new()),
            applies_values: AtomicBool::new(true),
        });
        let gui = GuiContext::new(host.clone());
        let feed = Arc::new(VisualFeed::default());
        let app = EditorApp::new(params.clone(), feed.clone(), kind);
        let mut harness = Self {
            ctx: egui::Context::default(),
            size: vec2(width as f32, height as f32),
            shapes: Vec::new(),
            app,
            feed,
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
    pub(super) fn frame(&mut self, mut events: Vec<Event>) {
        self.time += 0.02;
        if self.modifiers != self.sent_modifiers {
            events.insert(0, Event::ModifiersChanged(self.modifiers));
            self.sent_modifiers = self.modifiers;
        }
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, self.size)),
            time: Some(self.time),
            events,
            ..RawInput::default()
        };
        let (app, gui, time) = (&mut self.app, &self.gui, self.time);
        let mut output = self.ctx.run_ui(input, |ui| app.draw(ui, gui, time));
        // Nothing is painted here: the font textures are dropped on purpose.
        output.textures_delta.clear();
        self.shapes = output.shapes;
    }

    /// `count` frames without input.
    pub(super) fn idle(&mut self, count: usize) {
        for _ in 0..count {
            self.frame(vec![]);
        }
    }

    /// A click at `at`, the pointer moved there first.
    pub(super) fn click(&mut self, at: Pos2) {
        self.move_to(at);
        self.button(at, true);
        self.button(at, false);
    }

    /// Opens the menu that shows `current` and picks `choice` in it.
    pub(super) fn pick(&mut self, current: &str, choice: &str) {
        let menu = self.text(current).rect.center();
        self.click(menu);
        self.idle(3);
        let item = self.text(choice).rect.center();
        self.click(item);
    }

    /// The texts the last frame drew.
    pub(super) fn texts(&self) -> Vec<Drawn> {
        let mut texts = Vec::new();
        for clipped in &self.shapes {
            collect_texts(&clipped.shape, clipped.clip_rect, &mut texts);
        }
        texts
    }

    /// The visible text that reads exactly `shown`; panics if there is none, or more than one.
    pub(super) fn text(&self, shown: &str) -> Drawn {
        let mut found: Vec<Drawn> = self
            .texts()
            .into_iter()
            .filter(|t| t.shown == shown && t.is_visible())
            .collect();
        let texts: Vec<String> = self.texts().into_iter().map(|t| t.shown).collect();
        assert_eq!(
            found.len(),
            1,
            "{shown:?} drawn {} times: {texts:?}",
            found.len()
        );
        found.remove(0)
    }

    pub(super) fn button(&mut self, at: Pos2, pressed: bool) {
        let modifiers = self.modifiers;
        self.frame(vec![Event::PointerButton {
            pos: at,
            button: PointerButton::Primary,
            pressed,
            modifiers,
        }]);
    }

    pub(super) fn move_to(&mut self, at: Pos2) {
        self.frame(vec![Event::PointerMoved(at)]);
    }

    /// Presses at `from`, moves to `to` in `steps` frames, releases there.
    pub(super) fn drag(&mut self, from: Pos2, to: Pos2, steps: usize) {
        self.move_to(from);
        self.button(from, true);
        for i in 1..=steps {
            self.move_to(from + (to - from) * (i as f32 / steps as f32));
        }
        self.button(to, false);
        self.frame(vec![]);
    }

    /// Where azimuth `azimuth` at `metres` is on screen now.
    pub(super) fn place(&self, azimuth: f32, metres: f32) -> Pos2 {
        let (centre, radius) = self.app.head_geometry();
        to_screen(centre, radius, azimuth, metres)
    }
}

/// A text as drawn: what it shows (an elided text ends in "…"), where, and in which colours.
#[derive(Debug, Clone)]
pub(super) struct Drawn {
    pub(super) shown: String,
    pub(super) rect: Rect,
    /// The part inside its clip rectangle: what is on screen.
    pub(super) visible: Rect,
    pub(super) colours: Vec<Color32>,
}

impl Drawn {
    pub(super) fn is_visible(&self) -> bool {
        self.visible.is_positive()
    }

    /// Whether all of it is on screen.
    pub(super) fn is_whole(&self) -> bool {
        self.visible == self.rect
    }
}

pub(super) fn collect_texts(shape: &Shape, clip: Rect, texts: &mut Vec<Drawn>) {
    match shape {
        Shape::Vec(shapes) => {
            for shape in shapes {
                collect_texts(shape, clip, texts);
            }
        }
        Shape::Text(text) if !text.galley.is_empty() => {
            let rect = text.galley.rect.translate(text.pos.to_vec2());
            texts.push(Drawn {
                shown: text.galley.rows.iter().map(|row| row.text()).collect(),
                rect,
                visible: rect.intersect(clip),
                colours: text
                    .galley
                    .job
                    .sections
                    .iter()
                    .map(|section| section.format.color)
                    .collect(),
            });
        }
        _ => {}
    }
}

/// The test set beside these tests: "Murmur sphere test set", 97 directions.
pub(super) fn fixture() -> PathBuf {
    testkit::fixture("sphere-44k1.sofa")
}

/// The loader's status once it has stopped loading (waiting up to a minute).
pub(super) fn settled(loader: &SofaLoader) -> SofaStatus {
    let status = loader.settled(Duration::from_secs(60));
    assert!(
        !matches!(status, SofaStatus::Loading { .. }),
        "the SOFA loader never finished"
    );
    status
}

/// The begin/set…/end sequence of one parameter within `log`, checked for balance.
pub(super) fn sets_of(log: &[Gesture], id: &str) -> Vec<f32> {
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
