//! One calm colour theme: a deep blue-grey night, soft text, and one warm accent for the voice.
//! Text on the panels keeps a contrast ratio of at least 7:1 (WCAG AAA for body text), so the
//! editor stays readable at 1× on a dim studio screen.

use egui::{Color32, CornerRadius, Stroke, Visuals};

/// Window background.
pub const BACKGROUND: Color32 = Color32::from_rgb(0x16, 0x1a, 0x24);
/// Panel fill.
pub const PANEL: Color32 = Color32::from_rgb(0x1e, 0x24, 0x31);
/// Panel border and quiet lines (rings, the head outline).
pub const LINE: Color32 = Color32::from_rgb(0x3a, 0x44, 0x58);
/// Body text.
pub const TEXT: Color32 = Color32::from_rgb(0xdc, 0xe2, 0xee);
/// Secondary text (units, ring labels).
pub const DIM_TEXT: Color32 = Color32::from_rgb(0x9a, 0xa6, 0xbc);
/// Something the user should act on (a SOFA file that would not load): a soft coral, warm
/// enough to be noticed and distinct from the voice's amber, at 7.8:1 on the panels.
pub const WARNING: Color32 = Color32::from_rgb(0xf4, 0xa4, 0x8c);
/// The filled part of a value bar.
pub const BAR: Color32 = Color32::from_rgb(0x3b, 0x55, 0x78);
/// The marker on a bar where Animate or Wind-down has moved its value: a pale amber, readable
/// over the filled and the empty part of the bar.
pub const MARKER: Color32 = Color32::from_rgb(0xfa, 0xd9, 0x94);
/// The room's walls in the head view: a muted teal, quieter than the voice and the layers.
pub const WALL: Color32 = Color32::from_rgb(0x5f, 0x8f, 0x8a);
/// The voice: dot, trail and path.
pub const VOICE: Color32 = Color32::from_rgb(0xf2, 0xb8, 0x6b);
/// The head.
pub const HEAD: Color32 = Color32::from_rgb(0x4a, 0x56, 0x6e);
/// One colour per trigger layer (distinct in hue and for common colour blindness).
pub const LAYERS: [Color32; 3] = [
    Color32::from_rgb(0x7f, 0xc8, 0xf8),
    Color32::from_rgb(0xb4, 0x9c, 0xf4),
    Color32::from_rgb(0x8e, 0xe0, 0xa8),
];
/// Meter segments: level, then the top 6 dB below full scale, and gain reduction.
pub const METER: Color32 = Color32::from_rgb(0x6f, 0xc9, 0x9a);
pub const METER_HOT: Color32 = Color32::from_rgb(0xe8, 0xc4, 0x6a);
pub const REDUCTION: Color32 = Color32::from_rgb(0xe0, 0x8c, 0x7a);

/// Applies the theme to every widget.
pub fn apply(ctx: &egui::Context) {
    let mut visuals = Visuals::dark();
    visuals.override_text_color = Some(TEXT);
    visuals.panel_fill = BACKGROUND;
    visuals.window_fill = PANEL;
    visuals.extreme_bg_color = BACKGROUND;
    visuals.faint_bg_color = PANEL;
    visuals.selection.bg_fill = Color32::from_rgb(0x3d, 0x5a, 0x80);
    visuals.selection.stroke = Stroke::new(1.0, TEXT);
    let radius = CornerRadius::same(4);
    for widget in [
        &mut visuals.widgets.noninteractive,
        &mut visuals.widgets.inactive,
        &mut visuals.widgets.hovered,
        &mut visuals.widgets.active,
        &mut visuals.widgets.open,
    ] {
        widget.corner_radius = radius;
    }
    visuals.widgets.noninteractive.bg_stroke = Stroke::new(1.0, LINE);
    visuals.widgets.inactive.bg_fill = Color32::from_rgb(0x2a, 0x32, 0x44);
    visuals.widgets.inactive.weak_bg_fill = Color32::from_rgb(0x2a, 0x32, 0x44);
    visuals.widgets.hovered.bg_fill = Color32::from_rgb(0x34, 0x3e, 0x54);
    visuals.widgets.hovered.weak_bg_fill = Color32::from_rgb(0x34, 0x3e, 0x54);
    visuals.widgets.active.bg_fill = Color32::from_rgb(0x3d, 0x5a, 0x80);
    ctx.set_visuals(visuals);
}
