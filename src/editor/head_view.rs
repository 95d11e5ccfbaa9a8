//! The head view: the listener's head from above (nose up, ears left and right) with distance
//! rings, the voice as a dot you drag to set azimuth and distance, its live position with a
//! fading trail while motion runs, the motion path drawn ahead of time, and trigger events as
//! brief dots coloured by layer.

use std::collections::VecDeque;

use egui::{Pos2, Rect, Sense, Stroke, Ui, pos2, vec2};
use nice_plug::prelude::*;

use super::theme;
use crate::binaural::Position;
use crate::motion::{MotionMode, PathShape, path_position};
use crate::params::MurmurParams;
use crate::settings::ranges::DISTANCE_M;
use crate::visual_feed::{FeedEvent, VisualFeed};

/// The distance rings, metres.
pub const RINGS_M: [f32; 4] = [0.1, 0.5, 1.0, 3.0];
/// Shift-drag moves the voice this fraction of the pointer's travel.
pub const FINE_DRAG: f32 = 0.1;
/// Where a double-click puts the voice: in front, at 0.5 m.
pub const HOME: (f32, f32) = (0.0, 0.5);
/// How long the trail and the event dots stay visible, seconds.
const TRAIL_S: f64 = 2.5;
const DOT_S: f64 = 1.5;
/// Points of the motion path preview.
const PATH_POINTS: usize = 120;

/// The share of the view's radius at which distance `metres` is drawn. A square root, so the
/// close range around the ears (where ASMR happens) gets room while 3 m still fits.
pub fn radius_share(metres: f32) -> f32 {
    (metres / DISTANCE_M.max).clamp(0.0, 1.0).sqrt()
}

/// The distance drawn at `share` of the view's radius (the inverse of [`radius_share`]), kept in
/// the parameter's range.
pub fn distance_at(share: f32) -> f32 {
    (DISTANCE_M.max * share * share).clamp(DISTANCE_M.min, DISTANCE_M.max)
}

/// Screen point of azimuth `azimuth_deg` (0 = up = front, +90 = right) at `metres`.
pub fn to_screen(centre: Pos2, radius: f32, azimuth_deg: f32, metres: f32) -> Pos2 {
    let r = radius * radius_share(metres);
    let a = azimuth_deg.to_radians();
    pos2(centre.x + r * a.sin(), centre.y - r * a.cos())
}

/// Azimuth (degrees, −180…180) and distance (metres) of screen point `point`.
pub fn from_screen(centre: Pos2, radius: f32, point: Pos2) -> (f32, f32) {
    let (dx, dy) = (point.x - centre.x, centre.y - point.y);
    let azimuth = if dx == 0.0 && dy == 0.0 {
        0.0
    } else {
        dx.atan2(dy).to_degrees()
    };
    (azimuth, distance_at((dx.hypot(dy) / radius).min(1.0)))
}

/// An ongoing drag of the voice.
struct Drag {
    /// Where the voice is being moved to, on screen: follows the pointer, a tenth as fast with
    /// Shift held.
    target: Pos2,
    /// The pointer at the previous frame.
    pointer: Pos2,
}

/// The head view's memory between frames (GUI thread only).
#[derive(Default)]
pub struct HeadView {
    /// Recent live positions: (time, azimuth, distance).
    trail: VecDeque<(f64, f32, f32)>,
    /// Recent trigger events and when they arrived.
    dots: VecDeque<(f64, FeedEvent)>,
    /// The feed's event cursor.
    cursor: u64,
    drag: Option<Drag>,
    /// Centre and radius (the 3 m ring) of the last frame, in points.
    geometry: (Pos2, f32),
}

impl HeadView {
    /// Centre and outer radius of the view as last drawn: where a distance ring or the voice
    /// lands on screen (see [`to_screen`]).
    pub fn geometry(&self) -> (Pos2, f32) {
        self.geometry
    }

    /// Draws the view into `rect` and handles dragging; `now` is the time in seconds.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        rect: Rect,
        params: &MurmurParams,
        setter: &ParamSetter,
        feed: &VisualFeed,
        now: f64,
    ) {
        let response = ui.allocate_rect(rect, Sense::click_and_drag());
        let centre = rect.center();
        let radius = 0.5 * rect.width().min(rect.height()) - 14.0;
        self.geometry = (centre, radius);
        let voice_at = to_screen(
            centre,
            radius,
            params.azimuth.unmodulated_plain_value(),
            params.distance.unmodulated_plain_value(),
        );
        self.handle_input(ui, &response, centre, radius, voice_at, params, setter);

        // The live position comes from the audio thread; before any audio, the parameters.
        let live = feed.position();
        let live = if live.distance_m > 0.0 {
            live
        } else {
            Position {
                azimuth_deg: params.azimuth.value(),
                elevation_deg: params.elevation.value(),
                distance_m: params.distance.value(),
            }
        };
        self.trail
            .push_back((now, live.azimuth_deg, live.distance_m));
        while self.trail.front().is_some_and(|&(t, ..)| now - t > TRAIL_S) {
            self.trail.pop_front();
        }
        feed.read_events(&mut self.cursor, |event| self.dots.push_back((now, event)));
        while self.dots.front().is_some_and(|&(t, _)| now - t > DOT_S) {
            self.dots.pop_front();
        }

        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 6.0, theme::PANEL);
        let room: crate::room::RoomKind = params.room.value().into();
        if let Some(design) = room.design() {
            draw_walls(&painter, centre, radius, design);
        }
        self.draw_rings_and_head(&painter, centre, radius, params);
        draw_path(&painter, centre, radius, params);
        for &(t, event) in &self.dots {
            let fade = 1.0 - ((now - t) / DOT_S) as f32;
            let colour = theme::LAYERS[event.layer.min(2)].gamma_multiply(fade);
            let size = 3.0 + 4.0 * event.gain.clamp(0.0, 1.0).sqrt();
            let at = to_screen(centre, radius, event.azimuth_deg, event.distance_m);
            painter.circle_filled(at, size * (0.6 + 0.4 * fade), colour);
        }
        for (&(t, az0, d0), &(_, az1, d1)) in self.trail.iter().zip(self.trail.iter().skip(1)) {
            let fade = 1.0 - ((now - t) / TRAIL_S) as f32;
            painter.line_segment(
                [
                    to_screen(centre, radius, az0, d0),
                    to_screen(centre, radius, az1, d1),
                ],
                Stroke::new(3.0 * fade, theme::VOICE.gamma_multiply(0.6 * fade)),
            );
        }
        // The set position (what dragging moves) as a ring when the voice is moving away from
        // it, the live voice as a dot whose halo grows with elevation.
        if params.motion.value() != super::MotionParam::Static {
            painter.circle_stroke(voice_at, 7.0, Stroke::new(1.5, theme::VOICE));
        }
        let dot = to_screen(centre, radius, live.azimuth_deg, live.distance_m);
        let lift = (live.elevation_deg / 80.0).clamp(-0.5, 1.0);
        painter.circle_filled(dot, 12.0 + 6.0 * lift, theme::VOICE.gamma_multiply(0.18));
        let grabbed = self.drag.is_some() || response.hovered();
        painter.circle_filled(dot, if grabbed { 9.0 } else { 8.0 }, theme::VOICE);
        response.on_hover_text(
            "Drag to place the voice (Shift: fine). Double-click: in front at 0.5 m.",
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_input(
        &mut self,
        ui: &Ui,
        response: &egui::Response,
        centre: Pos2,
        radius: f32,
        voice_at: Pos2,
        params: &MurmurParams,
        setter: &ParamSetter,
    ) {
        let fine = ui.input(|i| i.modifiers.shift);
        if response.double_clicked() {
            self.drag = None;
            set_place(setter, params, HOME.0, HOME.1);
            return;
        }
        let pointer = response.interact_pointer_pos();
        if response.drag_started()
            && let Some(pointer) = pointer
        {
            // Movement counts from where the button went down (egui starts a drag only after a
            // few points of travel). A normal drag puts the voice under the pointer; a fine one
            // moves it from where it is.
            let origin = ui.input(|i| i.pointer.press_origin()).unwrap_or(pointer);
            setter.begin_set_parameter(&params.azimuth);
            setter.begin_set_parameter(&params.distance);
            self.drag = Some(Drag {
                target: if fine { voice_at } else { origin },
                pointer: origin,
            });
        }
        if let Some(drag) = &mut self.drag {
            let now_at = pointer.unwrap_or(drag.pointer);
            let delta = now_at - drag.pointer;
            drag.pointer = now_at;
            drag.target += if fine { delta * FINE_DRAG } else { delta };
            let (azimuth, distance) = from_screen(centre, radius, drag.target);
            super::controls::set_plain(setter, &params.azimuth, azimuth);
            super::controls::set_plain(setter, &params.distance, distance);
            if response.drag_stopped() || !response.dragged() {
                setter.end_set_parameter(&params.azimuth);
                setter.end_set_parameter(&params.distance);
                self.drag = None;
            }
        } else if response.clicked()
            && let Some(pointer) = response.interact_pointer_pos()
        {
            let (azimuth, distance) = from_screen(centre, radius, pointer);
            set_place(setter, params, azimuth, distance);
        }
    }

    fn draw_rings_and_head(
        &self,
        painter: &egui::Painter,
        centre: Pos2,
        radius: f32,
        params: &MurmurParams,
    ) {
        let head = radius * radius_share(params.head_size.value() / 100.0);
        let stroke = Stroke::new(1.5, theme::DIM_TEXT);
        // Nose (front is up), then ears, then the head over them.
        painter.add(egui::Shape::convex_polygon(
            vec![
                centre + vec2(-0.28 * head, -0.9 * head),
                centre + vec2(0.0, -1.3 * head),
                centre + vec2(0.28 * head, -0.9 * head),
            ],
            theme::HEAD,
            stroke,
        ));
        for side in [-1.0, 1.0] {
            let ear = Rect::from_center_size(
                centre + vec2(side * head, 0.0),
                vec2(0.35 * head, 0.7 * head),
            );
            painter.rect(
                ear,
                0.2 * head,
                theme::HEAD,
                stroke,
                egui::StrokeKind::Middle,
            );
        }
        painter.circle(centre, head, theme::HEAD, stroke);
        // Rings over the head, so the 0.1 m ring shows around the ears; its label sits below it,
        // the others on the lower-right diagonal.
        for metres in RINGS_M {
            let r = radius * radius_share(metres);
            painter.circle_stroke(centre, r, Stroke::new(1.0, theme::LINE));
            let (at, align) = if metres < 0.2 {
                (centre + vec2(0.0, r + 2.0), egui::Align2::CENTER_TOP)
            } else {
                (
                    centre + vec2(r * 0.72, r * 0.72) + vec2(3.0, 3.0),
                    egui::Align2::LEFT_TOP,
                )
            };
            painter.text(
                at,
                align,
                format!("{metres} m"),
                egui::FontId::proportional(11.0),
                theme::DIM_TEXT,
            );
        }
        for (text, offset) in [("L", -1.0), ("R", 1.0)] {
            painter.text(
                centre + vec2(offset * (head + 0.45 * head + 8.0), 0.0),
                egui::Align2::CENTER_CENTER,
                text,
                egui::FontId::proportional(12.0),
                theme::DIM_TEXT,
            );
        }
    }
}

/// The motion path, drawn before play so the user sees where the voice will go.
fn draw_path(painter: &egui::Painter, centre: Pos2, radius: f32, params: &MurmurParams) {
    let mode: MotionMode = params.motion.value().into();
    if mode == MotionMode::Static {
        return;
    }
    let middle = Position {
        azimuth_deg: params.azimuth.value(),
        elevation_deg: params.elevation.value(),
        distance_m: params.distance.value(),
    };
    let shape = PathShape {
        mode,
        depth_deg: params.motion_depth.value(),
        softness: params.softness.value(),
        seed: params.seed.value() as u32,
        cycle_s: 1.0 / params.motion_rate.value() as f64,
    };
    let points: Vec<Pos2> = (0..=PATH_POINTS)
        .map(|i| {
            let p = path_position(&middle, &shape, i as f64 / PATH_POINTS as f64);
            to_screen(centre, radius, p.azimuth_deg, p.distance_m)
        })
        .collect();
    painter.add(egui::Shape::dashed_line(
        &points,
        Stroke::new(1.5, theme::VOICE.gamma_multiply(0.45)),
        6.0,
        4.0,
    ));
}

/// Puts the voice at `azimuth` and `distance` as one gesture per parameter.
fn set_place(setter: &ParamSetter, params: &MurmurParams, azimuth: f32, distance: f32) {
    for (param, value) in [(&params.azimuth, azimuth), (&params.distance, distance)] {
        setter.begin_set_parameter(param);
        super::controls::set_plain(setter, param, value);
        setter.end_set_parameter(param);
    }
}

/// Points along each wall of the room's floor plan.
const WALL_POINTS: usize = 48;

/// The room's walls around the head, seen from above, in the view's own distance scale (the
/// square root of `radius_share`, so a straight wall bows as the rings' spacing does): each wall
/// drawn through points at their true azimuth and distance from the listener. Walls beyond the
/// view's 3 m run along its edge.
fn draw_walls(
    painter: &egui::Painter,
    centre: Pos2,
    radius: f32,
    design: &crate::room::RoomDesign,
) {
    let [width, depth, _] = design.size_m;
    let [x0, y0, _] = design.listener_m;
    let corners = [
        (0.0, 0.0),
        (width, 0.0),
        (width, depth),
        (0.0, depth),
        (0.0, 0.0),
    ];
    let mut points = Vec::with_capacity(4 * WALL_POINTS + 1);
    for pair in corners.windows(2) {
        let ((xa, ya), (xb, yb)) = (pair[0], pair[1]);
        for i in 0..WALL_POINTS {
            let t = i as f32 / WALL_POINTS as f32;
            let (dx, dy) = (xa + (xb - xa) * t - x0, ya + (yb - ya) * t - y0);
            points.push(to_screen(
                centre,
                radius,
                dx.atan2(dy).to_degrees(),
                dx.hypot(dy),
            ));
        }
    }
    points.push(points[0]);
    painter.add(egui::Shape::line(points, Stroke::new(2.0, theme::WALL)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_and_place_round_trip() {
        let centre = pos2(200.0, 200.0);
        for azimuth in [-179.0f32, -90.0, -30.0, 0.0, 45.0, 90.0, 135.0] {
            for metres in [0.1f32, 0.25, 0.5, 1.0, 2.0, 3.0] {
                let p = to_screen(centre, 180.0, azimuth, metres);
                let (a, d) = from_screen(centre, 180.0, p);
                assert!((a - azimuth).abs() < 0.01, "{azimuth} → {a}");
                assert!(
                    (d - metres).abs() < 1e-4 * metres.max(1.0),
                    "{metres} → {d}"
                );
            }
        }
        // Front is up, the right ear to the right.
        assert!(to_screen(centre, 180.0, 0.0, 1.0).y < centre.y);
        assert!(to_screen(centre, 180.0, 90.0, 1.0).x > centre.x);
        // Beyond the outer ring: 3 m; at the centre: the nearest distance.
        assert_eq!(from_screen(centre, 180.0, pos2(200.0, -500.0)).1, 3.0);
        assert_eq!(from_screen(centre, 180.0, centre), (0.0, 0.1));
    }
}
