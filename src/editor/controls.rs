//! Controls bound to parameters. Every change is a host gesture (begin, set, end), so the DAW
//! records automation; every control shows the parameter's live value, including the host's own
//! automation.
//!
//! Sliders are compact bars with the value written on them, so three layer strips fit side by
//! side: drag sideways (Shift for fine), turn the wheel, double-click or Ctrl-click for the
//! default, click once to type a value (parsed by the parameter itself, so `-6 dB`, `90°` and
//! `25 cm` all work; Enter sets it, Escape cancels).

use egui::{Response, Sense, Ui, Vec2};
use nice_plug::prelude::*;

use super::theme;
use crate::params;

/// Normalized change per wheel notch (Shift: a tenth of it).
const WHEEL_STEP: f32 = 0.02;
/// Points of smooth scrolling egui reports per wheel notch.
const POINTS_PER_NOTCH: f32 = 50.0;

/// Sends `normalized` for `param` to the host (inside a gesture the caller opened) and holds it
/// in the parameter at once, so the editor shows it on its next frame.
///
/// A CLAP host applies an editor's change only when it next processes or flushes parameters,
/// and some (Qtractor with its transport stopped) do neither until playback starts: without
/// this, a choice made in the editor would not show in it until then. The host's later echo
/// sets the same value again; the audio thread reads the parameters once per block, so it sees
/// the value at most one block before the host's own event would bring it.
pub fn set_normalized<P: Param>(setter: &ParamSetter, param: &P, normalized: f32) {
    setter.set_parameter_normalized(param, normalized);
    // SAFETY: the pointer points into the plugin's parameters, which outlive the editor.
    unsafe { hold_normalized(param.as_ptr(), normalized) };
}

/// [`set_normalized`] with a plain value.
pub fn set_plain<P: Param>(setter: &ParamSetter, param: &P, plain: P::Plain) {
    set_normalized(setter, param, param.preview_normalized(plain));
}

/// Holds `normalized` in the parameter behind `param` until the host's own update arrives (see
/// [`set_normalized`]).
///
/// # Safety
/// `param` must point into parameters that are still alive.
pub unsafe fn hold_normalized(param: ParamPtr, normalized: f32) {
    // The parameters are atomics: writing one from the editor's thread is what a VST3 wrapper
    // does for every editor change.
    unsafe { param._internal_set_normalized_value(normalized) };
}

/// The parameter's name without the "Layer N " prefix the layer strips already show.
pub fn short_name(name: &str) -> &str {
    match name.strip_prefix("Layer ") {
        Some(rest) if rest.len() > 2 => &rest[2..],
        _ => name,
    }
}

/// A labelled row in a two-column grid: the name, then the control.
pub fn row(ui: &mut Ui, label: &str, tooltip: &str, control: impl FnOnce(&mut Ui) -> Response) {
    ui.label(label).on_hover_text(tooltip);
    let response = control(ui);
    if !tooltip.is_empty() {
        response.on_hover_text(tooltip);
    }
    ui.end_row();
}

/// A slider for `param` (ID `id`) in a grid row.
pub fn slider<P: Param>(ui: &mut Ui, setter: &ParamSetter, param: &P, id: &str, width: f32) {
    marked_slider(ui, setter, param, id, width, None);
}

/// A slider with a marker where the sound is now (`live`, a plain value), when Animate or
/// Wind-down moves it away from where the bar is set.
pub fn marked_slider<P: Param>(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &P,
    id: &str,
    width: f32,
    live: Option<P::Plain>,
) {
    let tooltip = params::tooltip(id);
    let marker = live.map(|plain| param.preview_normalized(plain));
    row(ui, short_name(param.name()), tooltip, |ui| {
        value_bar(ui, setter, param, id, width, marker)
    });
}

/// A slider that only matters in some settings (Head Size shapes the sphere model only): greyed
/// out and deaf to the pointer otherwise, with a tooltip that says why.
pub fn slider_if<P: Param>(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &P,
    id: &str,
    width: f32,
    applies: bool,
    why_not: &str,
) {
    if applies {
        return slider(ui, setter, param, id, width);
    }
    let tooltip = format!("{}\n{why_not}", params::tooltip(id));
    ui.add_enabled_ui(false, |ui| {
        ui.label(short_name(param.name()))
            .on_disabled_hover_text(&tooltip)
    });
    ui.add_enabled_ui(false, |ui| {
        value_bar(ui, setter, param, id, width, None).on_disabled_hover_text(&tooltip)
    });
    ui.end_row();
}

/// Width of the ticks marking where Animate or Wind-down has moved a value, points, and their
/// length as a share of the bar's height.
const MARKER_WIDTH: f32 = 2.0;
const MARKER_TICK: f32 = 0.3;
/// Normalized change per point dragged, as a share of the bar's width (Shift: a tenth).
const FINE_DRAG: f32 = 0.1;
/// A single click opens typing only once a double-click can no longer follow, seconds.
const TYPE_DELAY_S: f64 = 0.3;

/// What a bar remembers between frames (in egui's memory, by the bar's ID).
#[derive(Clone, Default)]
struct BarMemory {
    /// Time of a single click that may still become a double-click.
    pending_click: Option<f64>,
    /// The text being typed, while typing.
    typing: Option<String>,
    /// Whether the typing field has been given the keyboard yet.
    focused: bool,
}

/// A bar showing `param`'s value, changed by dragging, the wheel, a double-click (default) or
/// typing; every change is a begin/set/end gesture. `marker` (normalized) is where the sound
/// is now, drawn as a line across the bar.
pub fn value_bar<P: Param>(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &P,
    id: &str,
    width: f32,
    marker: Option<f32>,
) -> Response {
    let height = ui.spacing().interact_size.y;
    let key = ui.make_persistent_id(("bar", id));
    let edit_key = key.with("typing");
    let now = ui.input(|i| i.time);
    let mut memory: BarMemory = ui.data(|d| d.get_temp(key)).unwrap_or_default();

    if let Some(mut text) = memory.typing.take() {
        let response = ui.add_sized(
            [width, height],
            egui::TextEdit::singleline(&mut text).id(edit_key),
        );
        if !memory.focused {
            response.request_focus();
            memory.focused = true;
        }
        let (enter, escape) = ui.input(|i| {
            (
                i.key_pressed(egui::Key::Enter),
                i.key_pressed(egui::Key::Escape),
            )
        });
        if enter {
            if let Some(normalized) = param.string_to_normalized_value(&text) {
                setter.begin_set_parameter(param);
                set_normalized(setter, param, normalized);
                setter.end_set_parameter(param);
            }
        } else if !escape && (response.has_focus() || !memory.focused) {
            memory.typing = Some(text);
        }
        if memory.typing.is_none() {
            memory.focused = false;
        }
        ui.data_mut(|d| d.insert_temp(key, memory));
        return response;
    }

    let (rect, response) =
        ui.allocate_exact_size(Vec2::new(width, height), Sense::click_and_drag());
    let (fine, command) = ui.input(|i| (i.modifiers.shift, i.modifiers.command));
    if response.drag_started() {
        memory.pending_click = None;
        setter.begin_set_parameter(param);
    }
    if response.dragged() {
        let scale = if fine { FINE_DRAG } else { 1.0 };
        let delta = response.drag_delta().x / rect.width() * scale;
        if delta != 0.0 {
            let target = (param.unmodulated_normalized_value() + delta).clamp(0.0, 1.0);
            set_normalized(setter, param, target);
        }
    }
    if response.drag_stopped() {
        setter.end_set_parameter(param);
    }
    let reset = |setter: &ParamSetter| {
        setter.begin_set_parameter(param);
        set_normalized(setter, param, param.default_normalized_value());
        setter.end_set_parameter(param);
    };
    if response.double_clicked() {
        memory.pending_click = None;
        reset(setter);
    } else if response.clicked() {
        if command {
            reset(setter);
        } else {
            memory.pending_click = Some(now);
        }
    }
    if let Some(clicked_at) = memory.pending_click
        && now - clicked_at > TYPE_DELAY_S
    {
        memory.pending_click = None;
        memory.typing = Some(param.to_string());
        memory.focused = false;
    }
    wheel(ui, &response, setter, param);
    ui.data_mut(|d| d.insert_temp(key, memory));

    // The bar: filled up to the value, the value written over it.
    let visuals = ui.style().interact(&response);
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 3.0, ui.visuals().widgets.inactive.bg_fill);
    let normalized = param.modulated_normalized_value();
    let filled = egui::Rect::from_min_max(
        rect.min,
        egui::pos2(egui::lerp(rect.x_range(), normalized), rect.max.y),
    );
    painter.rect_filled(
        filled,
        3.0,
        theme::BAR.gamma_multiply(if response.hovered() { 1.0 } else { 0.85 }),
    );
    if let Some(at) = marker.filter(|m| m.is_finite()) {
        // A tick at the top and at the bottom edge, clear of the value written in the middle.
        let x = egui::lerp(rect.x_range(), at.clamp(0.0, 1.0));
        let tick = rect.height() * MARKER_TICK;
        for (from, to) in [
            (rect.top() + 1.0, rect.top() + 1.0 + tick),
            (rect.bottom() - 1.0 - tick, rect.bottom() - 1.0),
        ] {
            painter.line_segment(
                [egui::pos2(x, from), egui::pos2(x, to)],
                egui::Stroke::new(MARKER_WIDTH, theme::MARKER),
            );
        }
    }
    painter.rect_stroke(rect, 3.0, visuals.bg_stroke, egui::StrokeKind::Inside);
    painter.text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        param.to_string(),
        egui::FontId::proportional(12.5),
        theme::TEXT,
    );
    response
}

/// Mouse-wheel changes over a hovered control, one gesture per notch.
fn wheel<P: Param>(ui: &Ui, response: &Response, setter: &ParamSetter, param: &P) {
    if !response.hovered() {
        return;
    }
    let (scroll, fine) = ui.input(|i| (i.smooth_scroll_delta.y, i.modifiers.shift));
    if scroll == 0.0 {
        return;
    }
    let step = if fine { WHEEL_STEP / 10.0 } else { WHEEL_STEP };
    let target =
        (param.unmodulated_normalized_value() + scroll / POINTS_PER_NOTCH * step).clamp(0.0, 1.0);
    setter.begin_set_parameter(param);
    set_normalized(setter, param, target);
    setter.end_set_parameter(param);
    // The notch is this control's: a panel scrolling under the pointer as well would move
    // another control under it mid-turn.
    ui.ctx().input_mut(|i| i.smooth_scroll_delta = Vec2::ZERO);
}

/// An on/off switch in a grid row.
pub fn toggle(ui: &mut Ui, setter: &ParamSetter, param: &BoolParam, id: &str) {
    let tooltip = params::tooltip(id);
    row(ui, short_name(param.name()), tooltip, |ui| {
        toggle_button(ui, setter, param, id)
    });
}

/// An on/off button showing its state; click to switch, double-click for the default.
pub fn toggle_button(ui: &mut Ui, setter: &ParamSetter, param: &BoolParam, id: &str) -> Response {
    let on = param.value();
    let text = if on { "On" } else { "Off" };
    let response = ui.add(
        egui::Button::new(text)
            .selected(on)
            .min_size(Vec2::new(44.0, 0.0)),
    );
    if response.clicked() {
        setter.begin_set_parameter(param);
        set_plain(setter, param, !on);
        setter.end_set_parameter(param);
    }
    if response.double_clicked() {
        setter.begin_set_parameter(param);
        set_plain(setter, param, param.default_plain_value());
        setter.end_set_parameter(param);
    }
    let tooltip = params::tooltip(id);
    response.on_hover_text(format!("{}: {text}\n{tooltip}", param.name()))
}

/// A drop-down of a parameter's choices in a grid row.
pub fn choice<T: Enum + PartialEq + 'static>(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &EnumParam<T>,
    id: &str,
    width: f32,
) {
    let tooltip = params::tooltip(id);
    row(ui, short_name(param.name()), tooltip, |ui| {
        choice_box(ui, setter, param, id, width)
    });
}

/// A drop-down of a parameter's choices; picking one is a gesture.
pub fn choice_box<T: Enum + PartialEq + 'static>(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &EnumParam<T>,
    id: &str,
    width: f32,
) -> Response {
    let current = T::to_index(param.value());
    let mut chosen = current;
    let response = egui::ComboBox::from_id_salt(id)
        .width(width)
        .truncate()
        .selected_text(T::variants()[current])
        .show_ui(ui, |ui| {
            for (index, name) in T::variants().iter().enumerate() {
                ui.selectable_value(&mut chosen, index, *name);
            }
        })
        .response;
    if chosen != current {
        setter.begin_set_parameter(param);
        set_plain(setter, param, T::from_index(chosen));
        setter.end_set_parameter(param);
    }
    response.on_hover_text(format!(
        "{}: {}\n{}",
        param.name(),
        T::variants()[T::to_index(param.value())],
        params::tooltip(id)
    ))
}

/// A vertical slider (for Elevation beside the head view): drag up and down, Shift for fine,
/// double-click for the default, wheel; one gesture per drag.
pub fn vertical_slider(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &FloatParam,
    id: &str,
    size: Vec2,
) -> Response {
    let (rect, response) = ui.allocate_exact_size(size, Sense::click_and_drag());
    let fine = ui.input(|i| i.modifiers.shift);
    if response.drag_started() {
        setter.begin_set_parameter(param);
    }
    if response.dragged() {
        let delta = -response.drag_delta().y / rect.height();
        let scale = if fine { 0.1 } else { 1.0 };
        let target = (param.unmodulated_normalized_value() + delta * scale).clamp(0.0, 1.0);
        set_normalized(setter, param, target);
    }
    if response.drag_stopped() {
        setter.end_set_parameter(param);
    }
    if response.double_clicked() {
        setter.begin_set_parameter(param);
        set_plain(setter, param, param.default_plain_value());
        setter.end_set_parameter(param);
    }
    wheel(ui, &response, setter, param);

    let painter = ui.painter_at(rect);
    let track = egui::Rect::from_center_size(rect.center(), Vec2::new(6.0, rect.height() - 16.0));
    painter.rect_filled(track, 3.0, ui.visuals().widgets.inactive.bg_fill);
    let normalized = param.unmodulated_normalized_value();
    let y = egui::lerp(track.bottom()..=track.top(), normalized);
    // 0° (ear height) marked, so the zero line reads at a glance.
    let zero = egui::lerp(track.bottom()..=track.top(), param.preview_normalized(0.0));
    painter.line_segment(
        [
            egui::pos2(track.left() - 6.0, zero),
            egui::pos2(track.right() + 6.0, zero),
        ],
        egui::Stroke::new(1.0, theme::LINE),
    );
    let handle_colour = if response.hovered() || response.dragged() {
        theme::TEXT
    } else {
        theme::VOICE
    };
    painter.circle_filled(egui::pos2(track.center().x, y), 7.0, handle_colour);
    let tooltip = params::tooltip(id);
    response.on_hover_text(format!(
        "{}: {}\n{tooltip}",
        param.name(),
        param.normalized_value_to_string(normalized, true)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_names_lose_their_prefix() {
        assert_eq!(short_name("Layer 2 Density"), "Density");
        assert_eq!(short_name("Azimuth"), "Azimuth");
        assert_eq!(short_name("Layer"), "Layer");
    }
}
