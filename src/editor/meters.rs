//! The output meters: stereo peak bars with a held peak line, and the Calm Guard's gain
//! reduction, all in dB. Levels fall back at a steady rate so the bars read calmly.

use egui::{Rect, Stroke, Ui, pos2};

use super::theme;

/// Lowest level shown, dBFS.
pub const FLOOR_DB: f32 = -60.0;
/// Largest gain reduction shown, dB.
pub const MAX_REDUCTION_DB: f32 = 24.0;
/// How fast a bar falls, dB per second (IEC 60268-10 type II meters fall 20 dB in 1.7 s).
pub const FALL_DB_PER_S: f32 = 11.8;
/// How long a peak line holds before it falls, seconds.
pub const HOLD_S: f64 = 1.5;

/// One falling bar with a held peak.
#[derive(Debug, Clone, Copy)]
pub struct Bar {
    /// Shown level, dB.
    pub level_db: f32,
    /// Held peak, dB, and when it was last raised.
    pub peak_db: f32,
    peak_at: f64,
    last: f64,
}

impl Default for Bar {
    fn default() -> Self {
        Self {
            level_db: FLOOR_DB,
            peak_db: FLOOR_DB,
            peak_at: 0.0,
            last: 0.0,
        }
    }
}

impl Bar {
    /// Takes a new reading (dB) at time `now` (seconds).
    pub fn update(&mut self, reading_db: f32, now: f64) {
        let dt = (now - self.last).clamp(0.0, 0.5) as f32;
        self.last = now;
        let fallen = self.level_db - FALL_DB_PER_S * dt;
        self.level_db = reading_db.max(fallen).max(FLOOR_DB);
        if reading_db >= self.peak_db {
            self.peak_db = reading_db.max(FLOOR_DB);
            self.peak_at = now;
        } else if now - self.peak_at > HOLD_S {
            // After the hold, the peak line falls like the bar (never below it).
            self.peak_db = (self.peak_db - FALL_DB_PER_S * dt).max(self.level_db);
        }
    }
}

/// Linear amplitude to dBFS (silence at the floor).
pub fn to_db(amplitude: f32) -> f32 {
    if amplitude > 0.0 {
        crate::dsp::gain_to_db(amplitude).max(FLOOR_DB)
    } else {
        FLOOR_DB
    }
}

/// Height kept for one scale label, logical pixels (10-point text and a little air).
const SCALE_LABEL_HEIGHT: f32 = 12.0;

/// The meters' memory between frames.
#[derive(Default)]
pub struct Meters {
    pub left: Bar,
    pub right: Bar,
    pub reduction: Bar,
}

impl Meters {
    /// Draws the three bars into `rect` (left, right, then gain reduction growing down).
    pub fn show(
        &mut self,
        ui: &mut Ui,
        rect: Rect,
        peaks: (f32, f32),
        reduction_db: f32,
        now: f64,
    ) {
        self.left.update(to_db(peaks.0), now);
        self.right.update(to_db(peaks.1), now);
        // Gain reduction is drawn on the same falling-bar logic, as a negative level.
        self.reduction
            .update(-MAX_REDUCTION_DB + reduction_db.min(MAX_REDUCTION_DB), now);

        let painter = ui.painter_at(rect);
        // A scale column on the left, then left, right and gain reduction.
        let scale_width = 24.0;
        let bars = Rect::from_min_max(pos2(rect.left() + scale_width, rect.top()), rect.max);
        let width = (bars.width() - 16.0) / 3.0;
        let scale_top = rect.top() + 14.0;
        let scale_bottom = rect.bottom() - 16.0;
        let y_of = |db: f32| egui::lerp(scale_bottom..=scale_top, (db - FLOOR_DB) / -FLOOR_DB);
        for (i, (bar, label)) in [(&self.left, "L"), (&self.right, "R")]
            .into_iter()
            .enumerate()
        {
            let x = bars.left() + i as f32 * (width + 8.0);
            let track = Rect::from_min_max(pos2(x, scale_top), pos2(x + width, scale_bottom));
            painter.rect_filled(track, 2.0, theme::BACKGROUND);
            let top = y_of(bar.level_db);
            let hot = y_of(-6.0);
            if bar.level_db > FLOOR_DB {
                painter.rect_filled(
                    Rect::from_min_max(pos2(x, top.max(hot)), pos2(x + width, scale_bottom)),
                    0.0,
                    theme::METER,
                );
                if top < hot {
                    painter.rect_filled(
                        Rect::from_min_max(pos2(x, top), pos2(x + width, hot)),
                        0.0,
                        theme::METER_HOT,
                    );
                }
            }
            let peak = y_of(bar.peak_db);
            painter.line_segment(
                [pos2(x, peak), pos2(x + width, peak)],
                Stroke::new(2.0, theme::TEXT),
            );
            painter.text(
                pos2(x + width / 2.0, rect.bottom() - 2.0),
                egui::Align2::CENTER_BOTTOM,
                label,
                egui::FontId::proportional(11.0),
                theme::DIM_TEXT,
            );
        }
        // Gain reduction grows down from the top.
        let x = bars.left() + 2.0 * (width + 8.0);
        let track = Rect::from_min_max(pos2(x, scale_top), pos2(x + width, scale_bottom));
        painter.rect_filled(track, 2.0, theme::BACKGROUND);
        let shown = self.reduction.level_db + MAX_REDUCTION_DB;
        if shown > 0.05 {
            let depth = shown / MAX_REDUCTION_DB * track.height();
            painter.rect_filled(
                Rect::from_min_max(track.left_top(), pos2(x + width, scale_top + depth)),
                0.0,
                theme::REDUCTION,
            );
        }
        painter.text(
            pos2(x + width / 2.0, rect.bottom() - 2.0),
            egui::Align2::CENTER_BOTTOM,
            "GR",
            egui::FontId::proportional(11.0),
            theme::DIM_TEXT,
        );
        // From the bottom up, a label only where it clears the one below it: on a short meter
        // the scale thins out instead of drawing numbers over each other.
        let mut free_above = f32::INFINITY;
        for db in [-48.0f32, -24.0, -12.0, -6.0, 0.0] {
            let y = y_of(db);
            painter.line_segment(
                [pos2(bars.left(), y), pos2(x - 4.0, y)],
                Stroke::new(0.5, theme::LINE),
            );
            if y + SCALE_LABEL_HEIGHT / 2.0 > free_above {
                continue;
            }
            free_above = y - SCALE_LABEL_HEIGHT / 2.0;
            painter.text(
                pos2(bars.left() - 4.0, y),
                egui::Align2::RIGHT_CENTER,
                format!("{db:.0}"),
                egui::FontId::proportional(10.0),
                theme::DIM_TEXT,
            );
        }
        painter.text(
            pos2(rect.center().x, rect.top()),
            egui::Align2::CENTER_TOP,
            "dBFS",
            egui::FontId::proportional(10.0),
            theme::DIM_TEXT,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_rise_at_once_fall_steadily_and_hold_their_peak() {
        let mut bar = Bar::default();
        bar.update(-6.0, 0.0);
        assert_eq!(bar.level_db, -6.0);
        // Half a second of silence: 5.9 dB lower, the peak held.
        for i in 1..=30 {
            bar.update(FLOOR_DB, i as f64 / 60.0);
        }
        assert!((bar.level_db - (-6.0 - FALL_DB_PER_S * 0.5)).abs() < 0.01);
        assert_eq!(bar.peak_db, -6.0);
        // After the hold time the peak line falls too, staying above the bar.
        for i in 31..=120 {
            bar.update(FLOOR_DB, i as f64 / 60.0);
        }
        assert!(
            bar.peak_db < -10.0 && bar.peak_db > bar.level_db,
            "{}",
            bar.peak_db
        );
        assert_eq!(to_db(1.0), 0.0);
        assert_eq!(to_db(0.0), FLOOR_DB);
    }
}
