//! Automation files for the command-line renderer: time-stamped parameter values, ramped
//! between points the way a DAW's automation lane ramps them.
//!
//! One point per line, `TIME NAME=VALUE`, where `TIME` is seconds (`12.5`, `12.5s`, `250ms`) or
//! a clock (`1:30`, `1:02:03.5`), `NAME` is a parameter ID or name and `VALUE` is in display
//! units, as for `--set`. `#` starts a comment; blank lines are skipped. A continuous
//! parameter ramps linearly (in its display units) from each point to the next; a switch or a
//! choice jumps at its point. Before its first point a parameter holds that point's value, and
//! after its last point the last value, as in a DAW lane.

use crate::params::{ParamIndex, ParamSheet};

/// The points of one automated parameter, in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    pub param: ParamIndex,
    /// Switches and choices jump; everything else ramps.
    pub stepped: bool,
    /// `(seconds, plain value)`, times never decreasing.
    points: Vec<(f64, f32)>,
}

impl Lane {
    /// The plain value at `seconds`.
    pub fn plain_at(&self, seconds: f64) -> f32 {
        // The first point after `seconds`; ramps run from the one before it.
        let next = self.points.partition_point(|&(t, _)| t <= seconds);
        match (next.checked_sub(1), self.points.get(next)) {
            (None, _) => self.points[0].1,
            (Some(last), None) => self.points[last].1,
            (Some(prev), Some(&(t1, v1))) => {
                let (t0, v0) = self.points[prev];
                if self.stepped || t1 <= t0 {
                    return v0;
                }
                let x = ((seconds - t0) / (t1 - t0)) as f32;
                v0 + (v1 - v0) * x
            }
        }
    }
}

/// Every automated parameter of one render.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Automation {
    lanes: Vec<Lane>,
}

impl Automation {
    /// No automation: the settings stay as they are.
    pub fn none() -> Self {
        Self::default()
    }

    /// Reads an automation file's text, resolving names and values against `sheet`. Errors name
    /// the line.
    pub fn parse(text: &str, sheet: &ParamSheet) -> Result<Self, String> {
        let mut lanes: Vec<Lane> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            // `#` starts a comment, on a line of its own or after a point.
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let at = |why: String| format!("line {}: {why}", n + 1);
            let (time, assignment) = line
                .split_once(char::is_whitespace)
                .ok_or_else(|| at(format!("`{line}` is not TIME NAME=VALUE")))?;
            let seconds = parse_time(time).ok_or_else(|| {
                at(format!(
                    "`{time}` is not a time (try 12.5, 250ms, 1:30 or 1:02:03.5)"
                ))
            })?;
            let (param, normalized) = sheet.parse_assignment(assignment).map_err(at)?;
            let plain = sheet.normalized_to_plain(param, normalized);
            let stepped = sheet.entry(param).steps.is_some();
            let lane = match lanes.iter_mut().position(|l| l.param == param) {
                Some(i) => &mut lanes[i],
                None => {
                    lanes.push(Lane {
                        param,
                        stepped,
                        points: Vec::new(),
                    });
                    lanes.last_mut().expect("just pushed")
                }
            };
            if let Some(&(last, _)) = lane.points.last()
                && seconds < last
            {
                return Err(at(format!(
                    "{} goes back in time ({seconds} s after {last} s); list each \
                     parameter's points in time order",
                    sheet.entry(param).id
                )));
            }
            lane.points.push((seconds, plain));
        }
        Ok(Self { lanes })
    }

    /// A ramp of one continuous parameter through `points` (`(seconds, plain value)`, in time
    /// order), added to this automation (replacing that parameter's lane if it had one).
    pub fn with_ramp(mut self, param: ParamIndex, points: Vec<(f64, f32)>) -> Self {
        debug_assert!(points.windows(2).all(|w| w[0].0 <= w[1].0));
        self.lanes.retain(|lane| lane.param != param);
        if !points.is_empty() {
            self.lanes.push(Lane {
                param,
                stepped: false,
                points,
            });
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.lanes.is_empty()
    }

    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    /// Sets every automated parameter of `sheet` to its value at `seconds`.
    pub fn apply(&self, seconds: f64, sheet: &mut ParamSheet) {
        for lane in &self.lanes {
            let normalized = sheet.plain_to_normalized(lane.param, lane.plain_at(seconds));
            sheet.set_normalized(lane.param, normalized);
        }
    }
}

/// Seconds in `text`: `12.5`, `12.5s`, `250ms`, `2m`, `1h`, or a clock `m:ss(.s)` /
/// `h:mm:ss(.s)`. Never negative.
pub fn parse_time(text: &str) -> Option<f64> {
    let text = text.trim();
    let seconds = if text.contains(':') {
        let mut total = 0.0;
        let parts: Vec<&str> = text.split(':').collect();
        if parts.len() > 3 {
            return None;
        }
        for part in parts {
            let value: f64 = part.parse().ok()?;
            if value.is_nan() || value < 0.0 {
                return None;
            }
            total = total * 60.0 + value;
        }
        total
    } else {
        let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
            (n, 0.001)
        } else if let Some(n) = text.strip_suffix('s') {
            (n, 1.0)
        } else if let Some(n) = text.strip_suffix('m') {
            (n, 60.0)
        } else if let Some(n) = text.strip_suffix('h') {
            (n, 3600.0)
        } else {
            (text, 1.0)
        };
        number.trim().parse::<f64>().ok()? * scale
    };
    (seconds.is_finite() && seconds >= 0.0).then_some(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("12.5"), Some(12.5));
        assert_eq!(parse_time("12.5s"), Some(12.5));
        assert_eq!(parse_time("250ms"), Some(0.25));
        assert_eq!(parse_time("2m"), Some(120.0));
        assert_eq!(parse_time("1:30"), Some(90.0));
        assert_eq!(parse_time("1:02:03.5"), Some(3723.5));
        for bad in ["", "-1", "soon", "1:-2", "1:2:3:4", "nan", "inf"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn ramps_hold_and_jump() {
        let sheet = ParamSheet::new();
        let text = "# a sweep and a motion change\n\
                    0      azim=-90°\n\
                    1:00   azim=90\n\
                    \n\
                    10s    motion=Orbit   # comments may follow a point\n\
                    20s    Motion=drift\n\
                    2      dist=1 m\n";
        let automation = Automation::parse(text, &sheet).unwrap();
        let lane = |id: &str| {
            let index = sheet.find(id).unwrap();
            automation
                .lanes()
                .iter()
                .find(|l| l.param == index)
                .unwrap()
                .clone()
        };
        let azim = lane("azim");
        assert!(!azim.stepped);
        assert_eq!(azim.plain_at(0.0), -90.0);
        assert_eq!(azim.plain_at(30.0), 0.0);
        assert_eq!(azim.plain_at(45.0), 45.0);
        assert_eq!(azim.plain_at(600.0), 90.0);
        let motion = lane("motion");
        assert!(motion.stepped);
        // Holds the first value before the first point, jumps at each point.
        assert_eq!(motion.plain_at(0.0), 2.0);
        assert_eq!(motion.plain_at(19.99), 2.0);
        assert_eq!(motion.plain_at(20.0), 4.0);
        assert!((lane("dist").plain_at(0.0) - 1.0).abs() < 1e-6);

        let mut sheet = sheet;
        automation.apply(15.0, &mut sheet);
        let settings = sheet.settings();
        assert_eq!(settings.azimuth_deg, -45.0);
        assert_eq!(settings.motion, crate::motion::MotionMode::Orbit);
    }

    #[test]
    fn bad_lines_are_named() {
        let sheet = ParamSheet::new();
        for (text, says) in [
            ("0 azim=0\nsoon azim=3", "line 2: `soon` is not a time"),
            (
                "0 azim=0\n\n5 wobble=3",
                "line 3: no parameter is called `wobble`",
            ),
            ("5 azim=0\n4 azim=9", "line 2: azim goes back in time"),
            ("5", "line 1: `5` is not TIME NAME=VALUE"),
            (
                "1 motion=Spiral",
                "line 1: `Spiral` is not a value of motion",
            ),
        ] {
            let error = Automation::parse(text, &sheet).unwrap_err();
            assert!(error.contains(says), "{text:?}: {error}");
        }
    }
}
