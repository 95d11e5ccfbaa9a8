//! Controls bound to parameters. Every change is a host gesture (begin, set, end), so the DAW
//! records automation; every control shows the parameter's live value, including the host's own
//! automation.
//!
//! Sliders are nice-plug-egui's `ParamSlider` (drag, Shift for fine, double-click or Ctrl-click
//! for the default, click the value to type it, parsed by the parameter itself) with the mouse
//! wheel added; switches and choices are drawn here.

use egui::{Response, Sense, Ui, Vec2};
use nice_plug::prelude::*;
use nice_plug_egui::widgets::ParamSlider;

use super::theme;
use super::tooltips;

/// Normalized change per wheel notch (Shift: a tenth of it).
const WHEEL_STEP: f32 = 0.02;
/// Points of smooth scrolling egui reports per wheel notch.
const POINTS_PER_NOTCH: f32 = 50.0;

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
    let tooltip = tooltips::for_id(id);
    row(ui, short_name(param.name()), tooltip, |ui| {
        let response = ui.add(ParamSlider::for_param(param, setter).with_width(width));
        wheel(ui, &response, setter, param);
        response
    });
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
    setter.set_parameter_normalized(param, target);
    setter.end_set_parameter(param);
}

/// An on/off switch in a grid row.
pub fn toggle(ui: &mut Ui, setter: &ParamSetter, param: &BoolParam, id: &str) {
    let tooltip = tooltips::for_id(id);
    row(ui, short_name(param.name()), tooltip, |ui| {
        let on = param.value();
        let text = if on { "On" } else { "Off" };
        let response = ui.add(
            egui::Button::new(text)
                .selected(on)
                .min_size(Vec2::new(48.0, 0.0)),
        );
        if response.clicked() {
            setter.begin_set_parameter(param);
            setter.set_parameter(param, !on);
            setter.end_set_parameter(param);
        }
        if response.double_clicked() {
            setter.begin_set_parameter(param);
            setter.set_parameter(param, param.default_plain_value());
            setter.end_set_parameter(param);
        }
        response
    });
}

/// A drop-down of a parameter's choices in a grid row.
pub fn choice<T: Enum + PartialEq + 'static>(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &EnumParam<T>,
    id: &str,
    width: f32,
) {
    let tooltip = tooltips::for_id(id);
    row(ui, short_name(param.name()), tooltip, |ui| {
        let current = T::to_index(param.value());
        let mut chosen = current;
        let response = egui::ComboBox::from_id_salt(id)
            .width(width)
            .selected_text(T::variants()[current])
            .show_ui(ui, |ui| {
                for (index, name) in T::variants().iter().enumerate() {
                    ui.selectable_value(&mut chosen, index, *name);
                }
            })
            .response;
        if chosen != current {
            setter.begin_set_parameter(param);
            setter.set_parameter(param, T::from_index(chosen));
            setter.end_set_parameter(param);
        }
        response
    });
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
        setter.set_parameter_normalized(param, target);
    }
    if response.drag_stopped() {
        setter.end_set_parameter(param);
    }
    if response.double_clicked() {
        setter.begin_set_parameter(param);
        setter.set_parameter(param, param.default_plain_value());
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
    let tooltip = tooltips::for_id(id);
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
