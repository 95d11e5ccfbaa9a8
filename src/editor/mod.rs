//! The editor: a head you drag the voice around, the voice and output panels, three layer
//! strips with activity lights, meters, and the factory presets.
//!
//! Layout at the default 960 × 640: a top bar (name, presets), then the voice panel, the head
//! view with its elevation slider, and the output panel side by side, and the three layer strips
//! along the bottom. The window can be resized by the host; its size is saved with the project.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use egui::{Align, Color32, Layout, Rect, RichText, Ui, Vec2, pos2, vec2};
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug::editor::dpi::NativeSize;
use nice_plug::editor::{
    Editor, EditorHandle, HostMethods, Modifiers, ParentWindowHandle, ResizeHint, SizeConstraints,
    SpawnedEditor, VirtualKeyCode,
};
use nice_plug::prelude::*;
use nice_plug_egui::{
    EguiEditor, EguiEditorHandle, EguiEditorState, EguiNiceSettings, NiceEguiApp, RepaintNotifier,
    create_egui_editor,
};

pub mod controls;
pub mod head_view;
pub mod hrtf;
pub mod meters;
pub mod theme;
pub mod tooltips;
pub mod window_threads;

use crate::loudness_feed::EditorMeter;
use crate::params::{HrtfParam, LayerParams, MotionParam, MurmurParams, ParamSheet};
use crate::presets::{self, Preset};
use crate::user_presets::{self, UserPreset};
use crate::visual_feed::{LiveLayer, LiveValues, VisualFeed};
use head_view::HeadView;
use hrtf::SofaDialog;
use meters::Meters;
use window_threads::WindowThreads;

/// The window's size when first opened, logical pixels (the saved size's default, which the
/// parameters own).
pub use crate::params::DEFAULT_EDITOR_SIZE as DEFAULT_SIZE;
/// The smallest size the host may resize it to.
pub const MIN_SIZE: (u32, u32) = (800, 560);
/// How long a destroyed plugin waits for its editor's window threads to end (they normally take
/// milliseconds; see [`window_threads`]).
const WINDOW_THREADS_TIMEOUT: Duration = Duration::from_secs(2);
/// The largest size a saved project may open the window at (beyond any screen of today): a
/// damaged project must not make the editor ask the host for a window of billions of pixels.
pub const MAX_SIZE: (u32, u32) = (8192, 8192);
/// Space around the panels, points.
pub const MARGIN: f32 = 10.0;
/// Height of the layer strips along the bottom, points.
pub const STRIPS_HEIGHT: f32 = 212.0;
/// The layer strips' left column's share of their width (the right one has the rest).
/// What a layer strip's column keeps for its names and gaps beside the bars, points.
const STRIP_NAME_WIDTH: f32 = 66.0;
/// How long an activity light glows after an event, seconds.
const LIGHT_S: f64 = 0.25;
/// Width of the voice panel's controls column, points.
const VOICE_CONTROL_WIDTH: f32 = 146.0;
/// Width of the voice panel's names column: wider than its longest name, so that the rows above
/// and below the SOFA line (two grids) line up.
const VOICE_NAME_WIDTH: f32 = 84.0;
/// Height of a voice panel row and the gap between rows, points: a little tighter than egui's
/// default, so that all sixteen rows fit the panel at the default size.
const VOICE_ROW_HEIGHT: f32 = 18.0;
const VOICE_ROW_GAP: f32 = 2.0;

/// Which plugin the editor belongs to: the layout follows what it plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditorKind {
    /// Murmur, the effect: the voice panel, the head view, output and layers.
    Effect,
    /// Murmur Triggers, the instrument: no voice, so its left panel holds only what the layers'
    /// Follow Voice placement and the room use (the motion, the followed point, the head and
    /// the room).
    Triggers,
}

impl EditorKind {
    /// The top bar's hint, on the right.
    pub fn hint(self) -> &'static str {
        match self {
            EditorKind::Effect => "Drag the dot to place the voice",
            EditorKind::Triggers => "Drag the dot: Follow Voice layers follow it",
        }
    }

    /// The name in the top bar and the window's title.
    pub fn title(self) -> &'static str {
        match self {
            EditorKind::Effect => "Murmur",
            EditorKind::Triggers => "Murmur Triggers",
        }
    }
}

/// The editor the host opens: a fresh egui window each time, at the size saved with the project.
pub struct MurmurEditor {
    params: Arc<MurmurParams>,
    feed: Arc<VisualFeed>,
    kind: EditorKind,
    /// The window of the latest `spawn` (or one not yet opened), for its current size.
    current: Mutex<EguiEditor<EditorApp>>,
    /// The window threads of every window this instance has opened that have not ended.
    window_threads: Arc<WindowThreads>,
    /// The A/B slots, kept while the window is closed and opened again.
    ab: Arc<Mutex<AbSlots>>,
}

impl MurmurEditor {
    pub fn new(params: Arc<MurmurParams>, feed: Arc<VisualFeed>, kind: EditorKind) -> Self {
        let window_threads = Arc::new(WindowThreads::default());
        let ab = Arc::new(Mutex::new(AbSlots::default()));
        let current = Mutex::new(Self::window(&params, &feed, kind, &window_threads, &ab));
        Self {
            params,
            feed,
            kind,
            current,
            window_threads,
            ab,
        }
    }

    fn window(
        params: &Arc<MurmurParams>,
        feed: &Arc<VisualFeed>,
        kind: EditorKind,
        window_threads: &Arc<WindowThreads>,
        ab: &Arc<Mutex<AbSlots>>,
    ) -> EguiEditor<EditorApp> {
        let (width, height) = *params
            .editor_size
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let width = width.clamp(MIN_SIZE.0, MAX_SIZE.0);
        let height = height.clamp(MIN_SIZE.1, MAX_SIZE.1);
        let state = EguiEditorState::from_size(LogicalSize::new(width as f32, height as f32), 1.0);
        let settings = EguiNiceSettings::new()
            .with_tile(kind.title())
            .with_resize_hint(ResizeHint {
                size_constraints: SizeConstraints::min_logical_size(LogicalSize::new(
                    MIN_SIZE.0 as f32,
                    MIN_SIZE.1 as f32,
                )),
                ..ResizeHint::RESIZABLE
            });
        create_egui_editor(
            state,
            RepaintNotifier::new(),
            settings,
            EditorApp::new(params.clone(), feed.clone(), kind)
                .counting_window_threads(window_threads.clone())
                .sharing_ab(ab.clone()),
        )
        .expect("an egui editor")
    }
}

impl Editor for MurmurEditor {
    type Handle = MurmurEditorHandle;

    fn spawn(
        &self,
        parent: Option<ParentWindowHandle>,
        wait_for_parent: bool,
        fallback_scale_factor: Option<f64>,
        gui_context: GuiContext,
        host: Option<HostMethods>,
    ) -> Result<SpawnedEditor<Self::Handle>, Box<dyn std::error::Error>> {
        let window = Self::window(
            &self.params,
            &self.feed,
            self.kind,
            &self.window_threads,
            &self.ab,
        );
        let spawned = window.spawn(
            parent,
            wait_for_parent,
            fallback_scale_factor,
            gui_context,
            host,
        );
        *self
            .current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = window;
        let spawned = spawned?;
        self.feed.set_open(true);
        Ok(SpawnedEditor {
            handle: MurmurEditorHandle {
                inner: spawned.handle,
                feed: self.feed.clone(),
            },
            window: spawned.window,
        })
    }

    fn size(&self) -> nice_plug::editor::dpi::NativeSize<u32> {
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .size()
    }

    fn resize_hint(&self) -> ResizeHint {
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .resize_hint()
    }
}

/// The plugin is being destroyed: once the host has closed the editor, wait until its window
/// threads have ended, so that a host that quits or unloads Murmur right after does not pull
/// Mesa or Murmur's code from under them. A host that destroys the plugin with the editor still
/// open has the window closed after this (by the wrapper), and gets no wait.
impl Drop for MurmurEditor {
    fn drop(&mut self) {
        if !self.feed.is_open() && !self.window_threads.wait_until_ended(WINDOW_THREADS_TIMEOUT) {
            nice_warn!(
                "the editor's window thread did not end within {WINDOW_THREADS_TIMEOUT:?} of \
                 closing"
            );
        }
    }
}

/// The open window. Closing it (dropping the handle) stops the audio thread's feed to the
/// editor, so a closed editor costs the audio thread nothing.
pub struct MurmurEditorHandle {
    inner: EguiEditorHandle,
    feed: Arc<VisualFeed>,
}

impl Drop for MurmurEditorHandle {
    fn drop(&mut self) {
        self.feed.set_open(false);
    }
}

type Window = <EguiEditorHandle as EditorHandle>::Window;
type WindowError = <EguiEditorHandle as EditorHandle>::Error;

impl EditorHandle for MurmurEditorHandle {
    type Window = Window;
    type Error = WindowError;

    fn run_until_closed(window: Window) -> Result<(), WindowError> {
        EguiEditorHandle::run_until_closed(window)
    }

    fn set_parent(&self, parent: ParentWindowHandle, window: &Window) -> Result<(), WindowError> {
        self.inner.set_parent(parent, window)
    }

    fn show(&self, window: &Window) -> Result<(), WindowError> {
        self.inner.show(window)
    }

    fn hide(&self, window: &Window) -> Result<(), WindowError> {
        self.inner.hide(window)
    }

    fn set_size(&self, new_size: NativeSize<u32>, window: &Window) -> Result<(), WindowError> {
        self.inner.set_size(new_size, window)
    }

    fn host_main_thread_callback(&self, window: &Window) {
        self.inner.host_main_thread_callback(window)
    }

    fn adjust_size(&self, new_size: NativeSize<u32>, window: &Window) -> Option<NativeSize<u32>> {
        self.inner.adjust_size(new_size, window)
    }

    fn set_fallback_scale_factor(&self, scale: f64, window: &Window) -> Result<(), WindowError> {
        self.inner.set_fallback_scale_factor(scale, window)
    }

    fn on_virtual_key_from_host(
        &self,
        key_code: VirtualKeyCode,
        is_down: bool,
        modifiers: Modifiers,
    ) -> bool {
        self.inner
            .on_virtual_key_from_host(key_code, is_down, modifiers)
    }

    fn state_changed(&self) {
        self.inner.state_changed()
    }

    fn param_value_changed(&self, id: &str, normalized_value: f32) {
        self.inner.param_value_changed(id, normalized_value)
    }

    fn param_modulation_changed(&self, id: &str, modulation_offset: f32) {
        self.inner.param_modulation_changed(id, modulation_offset)
    }
}

/// The preset last chosen, shown until a parameter moves away from it.
struct ShownPreset {
    name: String,
    /// The file, for a preset of the user's (which can be renamed and deleted).
    user: Option<UserPreset>,
    /// Every parameter's normalized value right after it was applied.
    values: Vec<(ParamPtr, f32)>,
}

// SAFETY: the pointers point into the plugin's parameters, which outlive the editor; they are
// only read on the GUI thread.
unsafe impl Send for ShownPreset {}

/// One A/B slot: every parameter's normalized value (in the host's order) and the preset name
/// shown with them.
#[derive(Clone)]
struct Slot {
    name: Option<(String, Option<UserPreset>)>,
    values: Vec<f32>,
}

/// The top bar's own state: a name being typed, a delete waiting for its confirmation, the last
/// message, and the A/B slots.
#[derive(Default)]
struct PresetBar {
    /// The user's presets as last listed, when (editor time, seconds), and the folder's time then.
    saved: Vec<UserPreset>,
    listed_at: Option<f64>,
    folder_changed: Option<std::time::SystemTime>,
    /// A name being typed, to save under (`None` in it) or to rename that preset to.
    naming: Option<(Option<UserPreset>, String)>,
    /// Delete was clicked once: a second click deletes.
    confirm_delete: bool,
    /// What the last save, load, rename or delete said, and whether it failed.
    message: Option<(String, bool)>,
    /// The A/B slots, shared with the editor that opens each window.
    ab: Arc<Mutex<AbSlots>>,
}

/// The two A/B slots and which one edits go to (0 is A).
#[derive(Default)]
pub struct AbSlots {
    slots: [Option<Slot>; 2],
    active: usize,
}

/// Everything the editor draws, and its memory between frames.
pub struct EditorApp {
    params: Arc<MurmurParams>,
    feed: Arc<VisualFeed>,
    kind: EditorKind,
    gui: Option<GuiContext>,
    head: HeadView,
    meters: Meters,
    /// The loudness of the output since the editor opened (or the last reset).
    loudness: EditorMeter,
    preset: Option<ShownPreset>,
    /// Saving, renaming and deleting the user's presets, and the A/B slots.
    presets: PresetBar,
    /// Per layer: the event count last seen and when it last changed.
    lights: [(u32, f64); 3],
    factory: Vec<Preset>,
    /// The Load… file dialog, while it is open.
    sofa_dialog: SofaDialog,
    /// Where the window thread that builds this editor counts itself until it ends.
    window_threads: Option<Arc<WindowThreads>>,
}

impl EditorApp {
    pub fn new(params: Arc<MurmurParams>, feed: Arc<VisualFeed>, kind: EditorKind) -> Self {
        Self {
            params,
            feed,
            kind,
            gui: None,
            head: HeadView::default(),
            meters: Meters::default(),
            loudness: EditorMeter::default(),
            preset: None,
            presets: PresetBar::default(),
            lights: [(0, f64::NEG_INFINITY); 3],
            factory: presets::factory(),
            sofa_dialog: SofaDialog::default(),
            window_threads: None,
        }
    }

    /// Has the window thread that builds this editor count itself in `window_threads`.
    pub fn counting_window_threads(mut self, window_threads: Arc<WindowThreads>) -> Self {
        self.window_threads = Some(window_threads);
        self
    }

    /// What the loudness meter reads (`None` before any audio).
    pub fn loudness_readings(&self) -> Option<crate::loudness_feed::Readings> {
        self.loudness.readings()
    }

    /// Whether the Load… dialog is open.
    pub fn sofa_dialog_open(&self) -> bool {
        self.sofa_dialog.is_open()
    }

    /// A SOFA file picked in the Load… dialog: the loader reads it in the background, and HRTF
    /// switches to SOFA as one host gesture, so the voice takes the measured head as soon as it
    /// has loaded and the host records the switch like any other change.
    pub fn sofa_file_picked(&self, gui: &GuiContext, path: &Path) {
        self.params.sofa.loader().choose(path);
        let hrtf = &self.params.hrtf;
        // Already SOFA: a gesture that changes nothing would only write a needless automation
        // point.
        if hrtf.value() != HrtfParam::Sofa {
            let setter = gui.param_setter();
            setter.begin_set_parameter(hrtf);
            controls::set_plain(&setter, hrtf, HrtfParam::Sofa);
            setter.end_set_parameter(hrtf);
        }
    }

    /// Centre and outer radius of the head view as last drawn.
    pub fn head_geometry(&self) -> (egui::Pos2, f32) {
        self.head.geometry()
    }

    /// The name of the preset shown in the top bar, if the parameters still hold it.
    pub fn preset_name(&self) -> Option<&str> {
        self.preset.as_ref().map(|p| p.name.as_str())
    }

    /// Applies a factory preset as host gestures, one per parameter (Bypass is left alone).
    pub fn apply_preset(&mut self, gui: &GuiContext, preset: &Preset) {
        let sheet = ParamSheet::with_settings(&preset.settings);
        self.apply_sheet(gui, &sheet);
        self.preset = Some(self.shown(preset.name.to_owned(), None));
    }

    /// Loads a preset of the user's, on top of the defaults as the command line does, as host
    /// gestures. A file that cannot be used (damaged, of a newer format) changes nothing: the
    /// reason is returned.
    pub fn apply_user_preset(
        &mut self,
        gui: &GuiContext,
        preset: &UserPreset,
    ) -> Result<(), String> {
        let text = std::fs::read_to_string(&preset.path)
            .map_err(|e| format!("{}: cannot read it ({e})", preset.name))?;
        let sheet = user_presets::sheet(&text).map_err(|why| format!("{}: {why}", preset.name))?;
        self.apply_sheet(gui, &sheet);
        self.preset = Some(self.shown(preset.name.clone(), Some(preset.clone())));
        Ok(())
    }

    /// Sends every value of `sheet` but Bypass as a host gesture, one per parameter.
    fn apply_sheet(&self, gui: &GuiContext, sheet: &ParamSheet) {
        let values: Vec<f32> = (0..sheet.params().len())
            .map(|i| sheet.normalized(crate::params::ParamIndex(i)))
            .collect();
        let ids: Vec<&str> = sheet.params().iter().map(|e| e.id.as_str()).collect();
        self.send_values(gui, &ids, &values);
    }

    /// Sends `values` (normalized, by parameter ID) as host gestures, one per parameter that
    /// changes (Bypass aside): a host in touch or latch mode records only what moved, and a host
    /// that holds the editor's changes until it next processes (see `controls::set_normalized`)
    /// is not sent a queue of values that were already there.
    fn send_values(&self, gui: &GuiContext, ids: &[&str], values: &[f32]) {
        for (id, (_, ptr, _)) in self.params.param_map().iter().map(|e| (e.0.clone(), e)) {
            if id == "bypass" {
                continue;
            }
            let Some(k) = ids.iter().position(|i| *i == id) else {
                continue;
            };
            let normalized = values[k];
            // SAFETY: `ptr` points into `self.params`, alive as long as the editor.
            unsafe {
                if ptr.unmodulated_normalized_value() == normalized {
                    continue;
                }
                gui.raw_begin_set_parameter(*ptr);
                gui.raw_set_parameter_normalized(*ptr, normalized);
                controls::hold_normalized(*ptr, normalized);
                gui.raw_end_set_parameter(*ptr);
            }
        }
    }

    /// Every parameter's current normalized value, by ID, in the host's order.
    fn live_values(&self) -> (Vec<String>, Vec<f32>) {
        self.params
            .param_map()
            .into_iter()
            // SAFETY: the pointers point into `self.params`.
            .map(|(id, ptr, _)| (id, unsafe { ptr.unmodulated_normalized_value() }))
            .unzip()
    }

    /// The parameters as they are now, as a sheet (what a saved preset holds).
    pub fn live_sheet(&self) -> ParamSheet {
        let mut sheet = ParamSheet::new();
        let (ids, values) = self.live_values();
        for (id, normalized) in ids.iter().zip(values) {
            if let Some(index) = sheet.find(id) {
                sheet.set_normalized(index, normalized);
            }
        }
        sheet
    }

    /// `name` shown for the values the parameters hold now.
    fn shown(&self, name: String, user: Option<UserPreset>) -> ShownPreset {
        let values = self
            .params
            .param_map()
            .iter()
            // SAFETY: the pointers point into `self.params`.
            .map(|(_, ptr, _)| (*ptr, unsafe { ptr.unmodulated_normalized_value() }))
            .collect();
        ShownPreset { name, user, values }
    }

    /// Saves the parameters as the user's preset `name` (replacing one of that name) in
    /// `folder`, and shows it.
    pub fn save_user_preset(&mut self, folder: &Path, name: &str) -> Result<UserPreset, String> {
        let saved = user_presets::save_in(folder, name, &self.live_sheet())?;
        self.preset = Some(self.shown(saved.name.clone(), Some(saved.clone())));
        Ok(saved)
    }

    /// Which A/B slot edits go to (0 is A).
    pub fn ab_slot(&self) -> usize {
        self.ab().active
    }

    fn ab(&self) -> std::sync::MutexGuard<'_, AbSlots> {
        self.presets
            .ab
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The A/B slots this window uses (for a window opened after it, see `sharing_ab`).
    pub fn ab_slots(&self) -> Arc<Mutex<AbSlots>> {
        self.presets.ab.clone()
    }

    /// Keeps the A/B slots in `ab` (the editor's, so that they outlive this window).
    pub fn sharing_ab(mut self, ab: Arc<Mutex<AbSlots>>) -> Self {
        self.presets.ab = ab;
        self
    }

    /// Switches to A/B slot `slot`: the values now are kept in the slot being left, and the
    /// other slot's are sent as host gestures (a slot never used takes the values as they are).
    pub fn switch_ab(&mut self, gui: &GuiContext, slot: usize) {
        let leaving = self.ab().active;
        if slot == leaving {
            return;
        }
        let (ids, now) = self.live_values();
        let kept = Slot {
            name: self
                .preset
                .as_ref()
                .map(|p| (p.name.clone(), p.user.clone())),
            values: now,
        };
        let other = {
            let mut ab = self.ab();
            ab.slots[leaving] = Some(kept);
            ab.active = slot;
            ab.slots[slot].clone()
        };
        if let Some(Slot { name, values }) = other {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            self.send_values(gui, &ids, &values);
            self.preset = name.map(|(name, user)| self.shown(name, user));
        }
    }

    /// Forgets the preset's name once any parameter differs from it.
    fn check_preset(&mut self) {
        let changed = self.preset.as_ref().is_some_and(|shown| {
            shown
                .values
                .iter()
                // SAFETY: the pointers point into `self.params`.
                .any(|(ptr, value)| unsafe { ptr.unmodulated_normalized_value() } != *value)
        });
        if changed {
            self.preset = None;
        }
    }

    /// Draws the whole editor; `gui` carries the host gestures, `now` is the time in seconds.
    pub fn draw(&mut self, ui: &mut Ui, gui: &GuiContext, now: f64) {
        self.check_preset();
        let rect = ui.max_rect();
        ui.painter().rect_filled(rect, 0.0, theme::BACKGROUND);
        let setter = gui.param_setter();
        let params = self.params.clone();
        let inner = rect.shrink(MARGIN);
        let top = Rect::from_min_size(inner.min, vec2(inner.width(), 32.0));
        let strips = Rect::from_min_max(
            pos2(inner.left(), inner.bottom() - STRIPS_HEIGHT),
            inner.max,
        );
        let middle = Rect::from_min_max(
            pos2(inner.left(), top.bottom() + 8.0),
            pos2(inner.right(), strips.top() - 8.0),
        );
        self.top_bar(ui, top, gui);

        let voice_width = 270.0;
        let output_width = 176.0;
        let voice = Rect::from_min_size(middle.min, vec2(voice_width, middle.height()));
        let output = Rect::from_min_max(
            pos2(middle.right() - output_width, middle.top()),
            middle.max,
        );
        let view_area = Rect::from_min_max(
            pos2(voice.right() + 8.0, middle.top()),
            pos2(output.left() - 8.0, middle.bottom()),
        );
        let mut load_pressed = false;
        match self.kind {
            EditorKind::Effect => panel(ui, voice, "Voice", |ui| {
                load_pressed = voice_panel(ui, &setter, &params, self.feed.live());
            }),
            EditorKind::Triggers => panel(ui, voice, "Follow Voice", |ui| {
                follow_panel(ui, &setter, &params);
            }),
        }
        let elevation_width = 34.0;
        let side = (view_area.width() - elevation_width - 6.0).min(view_area.height());
        let view = Rect::from_min_size(
            pos2(
                view_area.center().x - (side + elevation_width + 6.0) / 2.0,
                view_area.top(),
            ),
            Vec2::splat(side),
        );
        self.head.show(ui, view, &params, &setter, &self.feed, now);
        let elevation = Rect::from_min_size(
            pos2(view.right() + 6.0, view.top()),
            vec2(elevation_width, side),
        );
        ui.scope_builder(egui::UiBuilder::new().max_rect(elevation), |ui| {
            ui.vertical_centered(|ui| {
                ui.label(RichText::new("Elev").size(11.0).color(theme::DIM_TEXT));
                controls::vertical_slider(
                    ui,
                    &setter,
                    &params.elevation,
                    "elev",
                    vec2(elevation_width, side - 40.0),
                );
                ui.label(
                    RichText::new(format!("{:.0}°", params.elevation.value()))
                        .size(11.0)
                        .color(theme::DIM_TEXT),
                );
            });
        });
        let peaks = self.feed.take_peaks();
        let reduction = self.feed.take_reduction_db();
        self.feed.loudness.drain_into(&mut self.loudness);
        let meters = &mut self.meters;
        let loudness = &mut self.loudness;
        panel(ui, output, "Output", |ui| {
            output_panel(ui, &setter, &params);
            loudness_readout(ui, loudness);
            // The meters fill the rest of the panel, never beyond it.
            let area = ui
                .available_rect_before_wrap()
                .intersect(output.shrink(8.0));
            meters.show(ui, area, peaks, reduction, now);
        });

        // Where Animate and Wind-down have moved the values, for the markers on the bars.
        let live = self.feed.live();
        let counts = self.feed.layer_events();
        for (light, count) in self.lights.iter_mut().zip(counts) {
            if count != light.0 {
                *light = (count, now);
            }
        }
        let strip_width = (strips.width() - 16.0) / 3.0;
        for (n, layer) in [&params.layer1, &params.layer2, &params.layer3]
            .into_iter()
            .enumerate()
        {
            let strip = Rect::from_min_size(
                pos2(strips.left() + n as f32 * (strip_width + 8.0), strips.top()),
                vec2(strip_width, strips.height()),
            );
            let glow = (1.0 - (now - self.lights[n].1) / LIGHT_S).clamp(0.0, 1.0) as f32;
            let live = live.map(|l| l.layers[n]);
            layer_strip(ui, strip, &setter, layer, n, glow, live);
        }
        if load_pressed {
            self.sofa_dialog.open(&params.sofa.loader().chosen(), rect);
        }
        if let Some(path) = self.sofa_dialog.show(ui.ctx()) {
            self.sofa_file_picked(gui, &path);
        }
        // The live view moves while the editor is open.
        ui.ctx().request_repaint();
    }

    fn top_bar(&mut self, ui: &mut Ui, rect: Rect, gui: &GuiContext) {
        let mut chosen = None;
        let mut action = None;
        ui.scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
            ui.horizontal_centered(|ui| {
                ui.label(
                    RichText::new(self.kind.title())
                        .size(20.0)
                        .strong()
                        .color(theme::VOICE),
                );
                ui.label(
                    RichText::new("binaural ASMR")
                        .size(12.0)
                        .color(theme::DIM_TEXT),
                );
                ui.add_space(16.0);
                let shown = self.preset_name().unwrap_or("Custom").to_owned();
                let mut menu_open = false;
                egui::ComboBox::from_id_salt("presets")
                    .width(200.0)
                    // Tall enough for every factory preset and a good many of the user's; more
                    // scroll.
                    .height(rect.height().max(ui.ctx().content_rect().height() - 60.0))
                    .truncate()
                    .selected_text(&shown)
                    .show_ui(ui, |ui| {
                        menu_open = true;
                        for (i, preset) in self.factory.iter().enumerate() {
                            if ui
                                .selectable_label(
                                    Some(preset.name) == self.preset_name(),
                                    preset.name,
                                )
                                .on_hover_text(preset.description)
                                .clicked()
                            {
                                chosen = Some(PresetChoice::Factory(i));
                            }
                        }
                        if !self.presets.saved.is_empty() {
                            ui.separator();
                            ui.label(RichText::new("Your presets").color(theme::DIM_TEXT));
                        }
                        for (i, preset) in self.presets.saved.iter().enumerate() {
                            let current = Some(preset.name.as_str()) == self.preset_name();
                            if ui.selectable_label(current, &preset.name).clicked() {
                                chosen = Some(PresetChoice::User(i));
                            }
                        }
                    })
                    .response
                    .on_hover_text(
                        "Presets: every parameter at once (as automation). Yours are saved with \
                         Save… and rendered by `murmur render --preset NAME`.",
                    );
                // Listed again while the menu is closed, once a second: presets saved by another
                // instance, or by hand, are there when it opens (a menu keeps the size it
                // opened at, so the list must not grow while it is open).
                let now = ui.input(|i| i.time);
                if !menu_open && self.presets.listed_at.is_none_or(|then| now - then >= 1.0) {
                    self.presets.list(Some(now));
                }
                action = self.preset_buttons(ui);
                ui.add_space(8.0);
                for (slot, label) in ["A", "B"].into_iter().enumerate() {
                    let button = egui::Button::new(label)
                        .selected(self.ab_slot() == slot)
                        .min_size(Vec2::new(24.0, 0.0));
                    if ui
                        .add(button)
                        .on_hover_text("A/B: two sets of values; click the other to compare")
                        .clicked()
                    {
                        action = Some(BarAction::Slot(slot));
                    }
                }
                ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                    let (text, colour) = match &self.presets.message {
                        Some((message, true)) => (message.as_str(), theme::WARNING),
                        Some((message, false)) => (message.as_str(), theme::DIM_TEXT),
                        None => (self.kind.hint(), theme::DIM_TEXT),
                    };
                    ui.add(
                        egui::Label::new(RichText::new(text).size(12.0).color(colour)).truncate(),
                    );
                });
            });
        });
        if chosen.is_some() {
            // A Delete armed for the preset shown before must not delete the one picked now.
            self.presets.confirm_delete = false;
        }
        match chosen {
            Some(PresetChoice::Factory(i)) => {
                let preset = self.factory[i].clone();
                self.apply_preset(gui, &preset);
                self.presets.message = None;
            }
            Some(PresetChoice::User(i)) => {
                let preset = self.presets.saved[i].clone();
                self.presets.message = self
                    .apply_user_preset(gui, &preset)
                    .err()
                    .map(|why| (why, true));
            }
            None => {}
        }
        if let Some(action) = action {
            self.act(gui, action);
        }
    }

    /// Save…, Rename… and Delete, or the name being typed for Save or Rename.
    fn preset_buttons(&mut self, ui: &mut Ui) -> Option<BarAction> {
        if let Some((_, name)) = &mut self.presets.naming {
            let field = ui.add(
                egui::TextEdit::singleline(name)
                    .desired_width(150.0)
                    .hint_text("preset name"),
            );
            field.request_focus();
            if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                return Some(BarAction::Cancel);
            }
            // The field is the only thing typed into while it is open.
            let enter = ui.input(|i| i.key_pressed(egui::Key::Enter));
            if enter || ui.button("OK").clicked() {
                return Some(BarAction::Confirm);
            }
            return None;
        }
        let mut action = None;
        if ui
            .button("Save…")
            .on_hover_text("Save every value as a preset of yours")
            .clicked()
        {
            action = Some(BarAction::Save);
        }
        let user = self.preset.as_ref().and_then(|p| p.user.clone());
        if let Some(user) = user {
            if ui.button("Rename…").clicked() {
                action = Some(BarAction::Rename(user.clone()));
            }
            let delete = if self.presets.confirm_delete {
                "Delete?"
            } else {
                "Delete"
            };
            if ui
                .button(delete)
                .on_hover_text("Delete this preset (click twice)")
                .clicked()
            {
                action = Some(BarAction::Delete(user));
            }
        }
        action
    }

    /// Carries out what the top bar's buttons asked.
    fn act(&mut self, gui: &GuiContext, action: BarAction) {
        let bar = &mut self.presets;
        if !matches!(action, BarAction::Delete(_)) {
            bar.confirm_delete = false;
        }
        match action {
            BarAction::Save => {
                let name = self.preset_name().unwrap_or("").to_owned();
                self.presets.naming = Some((None, name));
            }
            BarAction::Rename(user) => {
                let name = user.name.clone();
                self.presets.naming = Some((Some(user), name));
            }
            BarAction::Cancel => self.presets.naming = None,
            BarAction::Confirm => {
                let Some((renaming, name)) = self.presets.naming.take() else {
                    return;
                };
                let done = match (renaming, user_presets::folder()) {
                    (Some(user), _) => user_presets::rename(&user, &name).map(|renamed| {
                        self.preset = Some(self.shown(renamed.name.clone(), Some(renamed.clone())));
                        format!("Renamed to {}", renamed.name)
                    }),
                    (None, Some(folder)) => self
                        .save_user_preset(&folder, &name)
                        .map(|saved| format!("Saved {}", saved.name)),
                    (None, None) => Err("this system has no folder for user data".to_owned()),
                };
                self.presets.message = Some(match done {
                    Ok(message) => (message, false),
                    Err(why) => (why, true),
                });
                self.presets.relist();
            }
            BarAction::Delete(user) => {
                if !self.presets.confirm_delete {
                    self.presets.confirm_delete = true;
                    return;
                }
                self.presets.confirm_delete = false;
                self.presets.message = Some(match user_presets::delete(&user) {
                    Ok(()) => {
                        if let Some(shown) = &mut self.preset {
                            shown.user = None;
                        }
                        (format!("Deleted {}", user.name), false)
                    }
                    Err(why) => (why, true),
                });
                self.presets.relist();
            }
            BarAction::Slot(slot) => self.switch_ab(gui, slot),
        }
    }
}

impl PresetBar {
    /// Lists the user's presets again now (after the editor's own save, rename or delete: a
    /// folder's time may not move within the same second).
    fn relist(&mut self) {
        self.folder_changed = None;
        self.list(self.listed_at);
    }

    /// Lists the user's presets again, if the folder changed since they were last read (a
    /// preset saved, renamed or deleted changes its time; a folder on a network drive is not
    /// read in full every second).
    fn list(&mut self, now: Option<f64>) {
        let folder = user_presets::folder();
        let changed = folder
            .as_deref()
            .and_then(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok());
        self.listed_at = now;
        if changed.is_some() && changed == self.folder_changed {
            return;
        }
        self.folder_changed = changed;
        self.saved = folder
            .map(|f| user_presets::list_in(&f))
            .unwrap_or_default();
    }
}

/// A pick from the preset menu.
enum PresetChoice {
    Factory(usize),
    User(usize),
}

/// What the top bar's buttons ask for.
enum BarAction {
    Save,
    Rename(UserPreset),
    Delete(UserPreset),
    Confirm,
    Cancel,
    Slot(usize),
}

impl NiceEguiApp for EditorApp {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        if let Some(window_threads) = &self.window_threads {
            window_threads.enter();
        }
        theme::apply(&egui_ctx);
        self.gui = Some(nice_gui_ctx);
        Ok(())
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut nice_plug_egui::Frame) {
        let Some(gui) = self.gui.clone() else { return };
        let now = ui.input(|i| i.time);
        self.draw(ui, &gui, now);
    }

    fn resized(&mut self, new_size: nice_plug_egui::baseview::WindowSize) {
        let size = (
            new_size.logical.width.round() as u32,
            new_size.logical.height.round() as u32,
        );
        *self
            .params
            .editor_size
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = size;
    }
}

/// A titled panel in `rect`.
fn panel(ui: &mut Ui, rect: Rect, title: &str, content: impl FnOnce(&mut Ui)) {
    ui.painter().rect_filled(rect, 6.0, theme::PANEL);
    ui.scope_builder(egui::UiBuilder::new().max_rect(rect.shrink(8.0)), |ui| {
        ui.label(RichText::new(title).strong().size(14.0));
        ui.add_space(2.0);
        content(ui);
    });
}

/// The voice's controls; returns whether Load… was pressed. Rows that do not fit the panel (at
/// the smallest window sizes) scroll rather than spill onto the layer strips below.
fn voice_panel(
    ui: &mut Ui,
    setter: &ParamSetter,
    p: &MurmurParams,
    live: Option<LiveValues>,
) -> bool {
    let width = VOICE_CONTROL_WIDTH;
    panel_spacing(ui);
    let mut load_pressed = false;
    egui::ScrollArea::vertical()
        .id_salt("voice")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            voice_grid(ui, "voice", |ui| {
                motion_rows(ui, setter, p, width);
                let distance = live.map(|l| l.voice_distance_m);
                controls::marked_slider(ui, setter, &p.distance, "dist", width, distance);
                hrtf::head_size_row(ui, setter, p, width);
                load_pressed = hrtf::hrtf_row(ui, setter, p, width);
            });
            // Across both columns: a set's name or a load error needs the room.
            hrtf::status_line(ui, p.hrtf.value(), &p.sofa.loader().status());
            voice_grid(ui, "voice-sound", |ui| {
                controls::slider(ui, setter, &p.proximity, "prox", width);
                controls::slider(ui, setter, &p.width, "width", width);
                controls::slider(ui, setter, &p.voice_level, "vgain", width);
                controls::slider(ui, setter, &p.voice_mix, "vmix", width);
                controls::slider(ui, setter, &p.deess, "deess", width);
                controls::slider(ui, setter, &p.denoise, "dnoise", width);
            });
            voice_grid(ui, "voice-room", |ui| room_rows(ui, setter, p, width));
        });
    load_pressed
}

/// Murmur Triggers' left panel: what the layers use of the voice's rows. Follow Voice places
/// events around the moving point (the motion, its centre and distance), the sphere head
/// renders every event, and the room hears them.
fn follow_panel(ui: &mut Ui, setter: &ParamSetter, p: &MurmurParams) {
    let width = VOICE_CONTROL_WIDTH;
    panel_spacing(ui);
    egui::ScrollArea::vertical()
        .id_salt("follow")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            voice_grid(ui, "follow", |ui| {
                motion_rows(ui, setter, p, width);
                controls::slider(ui, setter, &p.distance, "dist", width);
                controls::slider(ui, setter, &p.head_size, "head", width);
            });
            voice_grid(ui, "follow-room", |ui| room_rows(ui, setter, p, width));
        });
}

/// The left panel's rows: a little tighter than egui's default, so that all sixteen of the voice
/// panel fit at the default size, with a thin scroll bar that stays visible, so that a panel
/// with rows out of sight says so.
fn panel_spacing(ui: &mut Ui) {
    let spacing = ui.spacing_mut();
    spacing.interact_size.y = VOICE_ROW_HEIGHT;
    spacing.item_spacing.y = VOICE_ROW_GAP;
    spacing.scroll = egui::style::ScrollStyle::thin();
}

/// The motion and where it centres: the rows both left panels start with.
fn motion_rows(ui: &mut Ui, setter: &ParamSetter, p: &MurmurParams, width: f32) {
    controls::choice(ui, setter, &p.motion, "motion", width - 8.0);
    if p.motion_sync.value() {
        controls::choice(ui, setter, &p.sync_division, "mdiv", width - 8.0);
    } else {
        controls::slider(ui, setter, &p.motion_rate, "mrate", width);
    }
    controls::toggle(ui, setter, &p.motion_sync, "msync");
    controls::slider(ui, setter, &p.motion_depth, "mdepth", width);
    controls::slider(ui, setter, &p.softness, "msoft", width);
    controls::slider(ui, setter, &p.azimuth, "azim", width);
}

/// The room and its level.
fn room_rows(ui: &mut Ui, setter: &ParamSetter, p: &MurmurParams, width: f32) {
    controls::choice(ui, setter, &p.room, "room", width - 8.0);
    controls::slider(ui, setter, &p.room_level, "rlvl", width);
}

/// A two-column grid of voice rows, its columns as wide as every other voice grid's.
fn voice_grid(ui: &mut Ui, id: &str, rows: impl FnOnce(&mut Ui)) {
    egui::Grid::new(id)
        .num_columns(2)
        .min_col_width(VOICE_NAME_WIDTH)
        .spacing([8.0, VOICE_ROW_GAP])
        .show(ui, rows);
}

fn output_panel(ui: &mut Ui, setter: &ParamSetter, p: &MurmurParams) {
    let width = 72.0;
    egui::Grid::new("output")
        .num_columns(2)
        .spacing([6.0, 5.0])
        .show(ui, |ui| {
            controls::toggle(ui, setter, &p.calm_guard, "calm");
            controls::slider(ui, setter, &p.ceiling, "ceil", width);
            controls::slider(ui, setter, &p.output, "out", width);
            controls::slider(ui, setter, &p.seed, "seed", width);
            controls::slider(ui, setter, &p.animate, "anim", width);
            controls::slider(ui, setter, &p.wind_down, "wind", width);
        });
    ui.add_space(6.0);
}

/// The loudness meter's numbers (EBU R 128: momentary, short-term, integrated; true peak) and
/// its reset button, two short lines that fit the Output panel at every size.
fn loudness_readout(ui: &mut Ui, meter: &mut EditorMeter) {
    let readings = meter.readings();
    let value = |pick: fn(&crate::loudness_feed::Readings) -> f64| match readings.as_ref().map(pick)
    {
        Some(v) if v.is_finite() => format!("{v:5.1}"),
        _ => "    –".to_owned(),
    };
    let lines = [
        format!(
            "M {}  S {} LUFS",
            value(|r| r.momentary_lufs),
            value(|r| r.short_term_lufs)
        ),
        format!(
            "I {}  TP{} dBTP",
            value(|r| r.integrated_lufs),
            value(|r| r.true_peak_dbtp)
        ),
    ];
    for line in lines {
        ui.label(
            RichText::new(line)
                .monospace()
                .size(10.5)
                .color(theme::DIM_TEXT),
        );
    }
    if ui
        .small_button("Reset loudness")
        .on_hover_text("Starts the integrated loudness and the true peak again from now")
        .clicked()
    {
        meter.reset();
    }
    ui.add_space(2.0);
}

/// One trigger layer: its header (name, activity light, on, type), then two columns of controls
/// in a slightly smaller type so three strips fit side by side.
fn layer_strip(
    ui: &mut Ui,
    rect: Rect,
    setter: &ParamSetter,
    layer: &LayerParams,
    index: usize,
    glow: f32,
    live: Option<LiveLayer>,
) {
    let colour = theme::LAYERS[index];
    ui.painter().rect_filled(rect, 6.0, theme::PANEL);
    ui.painter().line_segment(
        [
            rect.left_top() + vec2(6.0, 0.0),
            rect.right_top() - vec2(6.0, 0.0),
        ],
        egui::Stroke::new(2.0, colour),
    );
    let ids = |what: &str| crate::params::layer::param_id(index + 1, what);
    let inner = rect.shrink(8.0);
    let header = Rect::from_min_size(inner.min, vec2(inner.width(), 24.0));
    ui.scope_builder(egui::UiBuilder::new().max_rect(header), |ui| {
        ui.horizontal_centered(|ui| {
            ui.label(
                RichText::new(format!("Layer {}", index + 1))
                    .strong()
                    .color(colour),
            );
            let (light, _) = ui.allocate_exact_size(Vec2::splat(12.0), egui::Sense::hover());
            ui.painter().circle(
                light.center(),
                5.0,
                lerp_colour(theme::BACKGROUND, colour, 0.15 + 0.85 * glow),
                egui::Stroke::new(1.0, colour),
            );
            controls::toggle_button(ui, setter, &layer.on, &ids("on"));
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                controls::choice_box(ui, setter, &layer.kind, &ids("type"), 100.0);
            });
        });
    });
    let column_width = (inner.width() - 10.0) / 2.0;
    let bar = column_width - STRIP_NAME_WIDTH;
    let top = header.bottom() + 6.0;
    let column = |n: f32| {
        Rect::from_min_size(
            pos2(inner.left() + n * (column_width + 10.0), top),
            vec2(column_width, inner.bottom() - top),
        )
    };
    let small = |ui: &mut Ui| {
        let style = ui.style_mut();
        for text in [egui::TextStyle::Body, egui::TextStyle::Button] {
            if let Some(font) = style.text_styles.get_mut(&text) {
                font.size = 12.5;
            }
        }
        // Menus with less padding, so that a division ("1/32") reads in full at the smallest
        // window size.
        style.spacing.button_padding.x = 2.0;
    };
    let grid = |id: &str| {
        egui::Grid::new(ids(id))
            .num_columns(2)
            .min_col_width(58.0)
            .spacing([6.0, 5.0])
    };
    ui.scope_builder(egui::UiBuilder::new().max_rect(column(0.0)), |ui| {
        small(ui);
        grid("left").show(ui, |ui| {
            let level = live.map(|l| l.level_db);
            controls::marked_slider(ui, setter, &layer.level, &ids("lvl"), bar, level);
            let density = live.map(|l| l.density_per_s);
            controls::marked_slider(ui, setter, &layer.density, &ids("dens"), bar, density);
            controls::slider(ui, setter, &layer.regularity, &ids("reg"), bar);
            controls::toggle(ui, setter, &layer.sync, &ids("sync"));
            controls::choice(ui, setter, &layer.division, &ids("div"), bar);
            controls::slider(ui, setter, &layer.variation, &ids("var"), bar);
        });
    });
    ui.scope_builder(egui::UiBuilder::new().max_rect(column(1.0)), |ui| {
        small(ui);
        ui.spacing_mut().item_spacing.y = 5.0;
        grid("right").show(ui, |ui| {
            let tone = live.map(|l| l.tone);
            controls::marked_slider(ui, setter, &layer.tone, &ids("tone"), bar, tone);
            controls::slider(ui, setter, &layer.size, &ids("size"), bar);
            controls::slider(ui, setter, &layer.decay, &ids("dec"), bar);
        });
        // Placement takes the column's whole width, its name left to the tooltip: its choices
        // ("Around Head", "Follow Voice") read in full, at every window size.
        controls::choice_box(
            ui,
            setter,
            &layer.placement,
            &ids("plc"),
            column_width - 8.0,
        );
        grid("right-place").show(ui, |ui| {
            let spread = live.map(|l| l.spread_deg);
            controls::marked_slider(ui, setter, &layer.spread, &ids("sprd"), bar, spread);
            let distance = live.map(|l| l.distance_m);
            controls::marked_slider(ui, setter, &layer.distance, &ids("dist"), bar, distance);
        });
    });
}

fn lerp_colour(a: Color32, b: Color32, t: f32) -> Color32 {
    let mix = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * t).round() as u8;
    Color32::from_rgb(mix(a.r(), b.r()), mix(a.g(), b.g()), mix(a.b(), b.b()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the editor reports to the host for a saved window size.
    fn reported_size(saved: (u32, u32)) -> (u32, u32) {
        let params = Arc::new(MurmurParams::default());
        *params.editor_size.write().unwrap() = saved;
        let editor = MurmurEditor::new(params, Arc::new(VisualFeed::default()), EditorKind::Effect);
        let size = editor.size();
        (size.width, size.height)
    }

    #[test]
    fn a_saved_size_opens_within_the_minimum_and_maximum() {
        assert_eq!(reported_size((1200, 810)), (1200, 810));
        assert_eq!(reported_size((0, 3)), MIN_SIZE);
        assert_eq!(reported_size((u32::MAX, u32::MAX)), MAX_SIZE);
    }
}
