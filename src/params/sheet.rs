//! The host parameters driven the way a host drives them, for the command-line renderer: found
//! by ID or name, given text in display units ("90°", "0.3 m", "Orbit"), set as normalized
//! values, and read back as engine [`Settings`].
//!
//! Going through the very parameters the plugin exposes (and the same normalized-value path a
//! host's automation takes) is what makes a CLI render equal the plugin's render: every value is
//! snapped, skewed and converted exactly as it is in a DAW.

use nice_plug::prelude::*;

use super::MurmurParams;
use crate::settings::Settings;

/// One parameter of a [`ParamSheet`], by position in [`ParamSheet::params`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamIndex(pub usize);

/// What a [`ParamSheet`] knows about one parameter.
#[derive(Debug, Clone)]
pub struct ParamEntry {
    /// The frozen ID (`azim`, `t2dens`, …).
    pub id: String,
    /// The display name (`Azimuth`, `Layer 2 Density`, …).
    pub name: String,
    /// `Some(steps)` for stepped parameters (booleans, enums, integers): they jump, never ramp.
    pub steps: Option<usize>,
}

/// Murmur's parameters with their values, set by ID or name.
pub struct ParamSheet {
    /// Boxed so the pointers below stay valid when the sheet moves.
    params: Box<MurmurParams>,
    entries: Vec<ParamEntry>,
    /// One pointer per entry, into `params`.
    pointers: Vec<ParamPtr>,
}

// SAFETY: the pointers point into the sheet's own boxed parameters (atomics, themselves `Send`),
// which move with it; nothing else holds them.
unsafe impl Send for ParamSheet {}

impl Default for ParamSheet {
    fn default() -> Self {
        Self::new()
    }
}

impl ParamSheet {
    /// Every parameter at its default.
    pub fn new() -> Self {
        let params = Box::new(MurmurParams::default());
        let map = params.param_map();
        let entries = map
            .iter()
            .map(|(id, ptr, _group)| ParamEntry {
                id: id.clone(),
                // SAFETY: `ptr` points into `params`, which the sheet owns.
                name: unsafe { ptr.name() }.to_owned(),
                steps: unsafe { ptr.step_count() },
            })
            .collect();
        let pointers = map.into_iter().map(|(_, ptr, _)| ptr).collect();
        Self {
            params,
            entries,
            pointers,
        }
    }

    /// A sheet holding `settings` (a preset), as the plugin holds them once they are loaded.
    pub fn with_settings(settings: &Settings) -> Self {
        let mut sheet = Self::new();
        for (id, plain) in super::plain_values(settings) {
            let index = sheet.find(&id).expect("plain_values names only real IDs");
            sheet.set_normalized(index, sheet.plain_to_normalized(index, plain));
        }
        sheet
    }

    /// Every parameter, in the host's order.
    pub fn params(&self) -> &[ParamEntry] {
        &self.entries
    }

    /// The parameter with this ID (exactly) or display name (ignoring case and spaces).
    pub fn find(&self, name: &str) -> Option<ParamIndex> {
        let key = |s: &str| {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        };
        let wanted = key(name);
        self.entries
            .iter()
            .position(|e| e.id == name.trim())
            .or_else(|| self.entries.iter().position(|e| key(&e.name) == wanted))
            .map(ParamIndex)
    }

    /// The entry of `index`.
    pub fn entry(&self, index: ParamIndex) -> &ParamEntry {
        &self.entries[index.0]
    }

    fn ptr(&self, index: ParamIndex) -> ParamPtr {
        self.pointers[index.0]
    }

    /// The normalized value of `text` in `index`'s display units (`"90°"`, `"-6 dB"`, `"Orbit"`,
    /// `"On"`); values beyond the range are clamped to it, as hosts do. Choice names may be typed
    /// in any case.
    pub fn parse(&self, index: ParamIndex, text: &str) -> Result<f32, String> {
        let ptr = self.ptr(index);
        let entry = self.entry(index);
        let text = text.trim();
        let is_switch = matches!(ptr, ParamPtr::BoolParam(_));
        let choices = self.choices(index);
        // SAFETY (every `unsafe` below): the pointer points into `self.params`.
        let steps = entry.steps.unwrap_or(1) as f32;
        if let Some(k) = choices.iter().position(|c| c.eq_ignore_ascii_case(text)) {
            return Ok(k as f32 / steps);
        }
        if is_switch {
            // The framework reads any other word as "off"; a typo must not switch silently.
            let lower = text.to_ascii_lowercase();
            match lower.as_str() {
                "on" | "true" | "yes" | "1" => return Ok(1.0),
                "off" | "false" | "no" | "0" => return Ok(0.0),
                _ => {}
            }
        } else if let Some(normalized) = unsafe { ptr.string_to_normalized_value(text) } {
            return Ok(normalized);
        }
        let expected = if choices.is_empty() {
            let (lo, hi, unit) = unsafe {
                (
                    ptr.normalized_value_to_string(0.0, false),
                    ptr.normalized_value_to_string(1.0, false),
                    ptr.unit(),
                )
            };
            format!("a value from {lo} to {hi}{unit}")
        } else {
            format!("one of {}", choices.join(", "))
        };
        Err(format!(
            "`{text}` is not a value of {} ({}); expected {expected}",
            entry.id, entry.name
        ))
    }

    /// What to tell a user about a value they typed for `index` that [`parse`](Self::parse)
    /// took: that it lay beyond the range and was clamped to its end (as a host clamps), or that
    /// a bare number under 1 on a percentage is that many percent, not a fraction. `None` when
    /// the value was taken as written.
    pub fn parse_notice(&self, index: ParamIndex, text: &str) -> Option<String> {
        let entry = self.entry(index);
        let text = text.trim();
        let (value, unit) = crate::format::split_number(text)?;
        let normalized = self.parse(index, text).ok()?;
        // SAFETY: the pointer points into `self.params`.
        let shown_unit = unsafe { self.ptr(index).unit() }.trim().to_owned();
        if shown_unit == "%" && unit.is_empty() && value > 0.0 && value < 1.0 {
            return Some(format!(
                "{}={text} is {text} % (for {percent} %, write {percent}%)",
                entry.id,
                percent = value * 100.0
            ));
        }
        if normalized != 0.0 && normalized != 1.0 {
            return None;
        }
        // At an end of the range: beyond it if a value a little further inside, in the same
        // unit, lands on the same end.
        let inside = if normalized == 0.0 { 1.0 } else { -1.0 };
        let nudged = if matches!(self.ptr(index), ParamPtr::IntParam(_)) {
            value + inside
        } else {
            value + inside * (value.abs() * 1e-3 + 1e-6)
        };
        let nudged_text = format!("{nudged}{}", if unit.is_empty() { "" } else { " " }) + &unit;
        if self.parse(index, &nudged_text).ok()? != normalized {
            return None;
        }
        Some(format!(
            "{}={text} is beyond {}'s range: {} (its {})",
            entry.id,
            entry.name,
            self.display_normalized(index, normalized),
            if normalized == 0.0 {
                "lowest"
            } else {
                "highest"
            }
        ))
    }

    /// A normalized value of `index` as text with its unit.
    fn display_normalized(&self, index: ParamIndex, normalized: f32) -> String {
        // SAFETY: the pointer points into `self.params`.
        unsafe { self.ptr(index).normalized_value_to_string(normalized, true) }
    }

    /// The names of a choice's or a switch's values, in order (empty for other parameters).
    pub fn choices(&self, index: ParamIndex) -> Vec<String> {
        let ptr = self.ptr(index);
        match (ptr, self.entry(index).steps) {
            (ParamPtr::EnumParam(_) | ParamPtr::BoolParam(_), Some(steps)) => (0..=steps)
                // SAFETY: the pointer points into `self.params`.
                .map(|k| unsafe { ptr.normalized_value_to_string(k as f32 / steps as f32, false) })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Parses `NAME=VALUE` (ID or name, value in display units).
    pub fn parse_assignment(&self, text: &str) -> Result<(ParamIndex, f32), String> {
        let (name, value) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}` is not NAME=VALUE"))?;
        let index = self.find(name).ok_or_else(|| {
            let wanted = name.trim();
            let candidates = self.entries.iter().flat_map(|e| {
                [
                    (e.id.to_lowercase(), e.id.to_owned()),
                    (e.name.to_lowercase(), e.name.clone()),
                ]
            });
            match super::nearest_name(&wanted.to_lowercase(), candidates) {
                Some(near) => format!("no parameter is called `{wanted}`: did you mean `{near}`?"),
                None => format!("no parameter is called `{wanted}` (see `murmur params`)"),
            }
        })?;
        Ok((index, self.parse(index, value)?))
    }

    /// Sets a normalized value, as host automation does (stepped parameters snap).
    pub fn set_normalized(&mut self, index: ParamIndex, normalized: f32) {
        let ptr = self.ptr(index);
        // SAFETY: the pointer points into `self.params`; `&mut self` means nothing reads it now.
        unsafe {
            ptr._internal_set_normalized_value(normalized.clamp(0.0, 1.0));
        }
    }

    /// The current normalized value.
    pub fn normalized(&self, index: ParamIndex) -> f32 {
        // SAFETY: the pointer points into `self.params`.
        unsafe { self.ptr(index).unmodulated_normalized_value() }
    }

    /// A plain value (in the parameter's own unit; a choice's index) as a normalized value.
    pub fn plain_to_normalized(&self, index: ParamIndex, plain: f32) -> f32 {
        // SAFETY: the pointer points into `self.params`.
        unsafe { self.ptr(index).preview_normalized(plain) }
    }

    /// A normalized value as a plain one.
    pub fn normalized_to_plain(&self, index: ParamIndex, normalized: f32) -> f32 {
        // SAFETY: the pointer points into `self.params`.
        unsafe { self.ptr(index).preview_plain(normalized) }
    }

    /// The current value as text with its unit (`"90.0 °"`).
    pub fn display(&self, index: ParamIndex) -> String {
        // SAFETY: the pointer points into `self.params`.
        unsafe {
            let ptr = self.ptr(index);
            ptr.normalized_value_to_string(ptr.unmodulated_normalized_value(), true)
        }
    }

    /// The current value as text that [`parse`](Self::parse) reads back to it: a choice, switch
    /// or whole number as displayed, a continuous value to the last digit an `f32` holds (the
    /// display rounds it), in its display unit.
    pub fn exact_text(&self, index: ParamIndex) -> String {
        let ptr = self.ptr(index);
        if !matches!(ptr, ParamPtr::FloatParam(_)) {
            return self.display(index);
        }
        let normalized = self.normalized(index);
        // SAFETY: the pointer points into `self.params`.
        let (plain, unit) = unsafe { (ptr.unmodulated_plain_value(), ptr.unit()) };
        // The display number is the plain value, or a hundred times it for a percentage: take
        // whichever reads back nearer (a bare "0.5" on a percentage is half a percent).
        [f64::from(plain), f64::from(plain) * 100.0]
            .into_iter()
            .map(|number| format!("{}{unit}", number as f32))
            .min_by(|a, b| {
                let off = |text: &str| {
                    self.parse(index, text)
                        .map_or(f32::INFINITY, |n| (n - normalized).abs())
                };
                off(a).total_cmp(&off(b))
            })
            .expect("two candidates")
    }

    /// The current value as the plugin's saved state holds it: a plain number, a switch, or a
    /// choice by its position (the framework saves a choice by its stable ID, and reads either).
    pub fn state_value(&self, index: ParamIndex) -> nice_plug::plugin::ParamValue {
        use nice_plug::plugin::ParamValue;
        let plain = self.normalized_to_plain(index, self.normalized(index));
        match self.ptr(index) {
            ParamPtr::FloatParam(_) => ParamValue::F32(plain),
            ParamPtr::BoolParam(_) => ParamValue::Bool(plain >= 0.5),
            ParamPtr::IntParam(_) | ParamPtr::EnumParam(_) => ParamValue::I32(plain.round() as i32),
        }
    }

    /// The values as engine settings: what the plugin's `process` hands the engine.
    pub fn settings(&self) -> Settings {
        self.params.settings()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::motion::MotionMode;
    use crate::presets;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() <= 1e-5 * (1.0 + a.abs().max(b.abs()))
    }

    /// Settings equal up to the f32 rounding of normalizing a skewed range and back.
    fn assert_settings_close(a: &Settings, b: &Settings) {
        let text = |s: &Settings| format!("{s:?}");
        let numbers = |s: &Settings| -> Vec<f32> {
            crate::params::plain_values(s)
                .into_iter()
                .map(|(_, v)| v)
                .collect()
        };
        let (na, nb) = (numbers(a), numbers(b));
        assert_eq!(na.len(), nb.len());
        for (x, y) in na.iter().zip(&nb) {
            assert!(close(*x, *y), "{} vs {}", text(a), text(b));
        }
    }

    #[test]
    fn every_preset_loads_and_reads_back() {
        for preset in presets::factory() {
            let sheet = ParamSheet::with_settings(&preset.settings);
            assert_settings_close(&sheet.settings(), &preset.settings);
        }
        // A settings value that differs from every default in every field reads back too.
        let mut odd = Settings {
            motion: MotionMode::FigureEight,
            sync_division: crate::motion::SyncDivision::Note(8),
            azimuth_deg: -33.3,
            distance_m: 1.7,
            head_radius_m: 0.1,
            seed: 4242,
            calm_guard: false,
            ..Settings::default()
        };
        odd.layers[2].placement = crate::triggers::Placement::Sweep;
        odd.layers[1].division = crate::triggers::GridDivision::ALL[5];
        odd.layers[0].kind = crate::triggers::TriggerKind::Shh;
        let sheet = ParamSheet::with_settings(&odd);
        assert_settings_close(&sheet.settings(), &odd);
        assert_eq!(sheet.settings().layers[0].kind, odd.layers[0].kind);
        assert_eq!(sheet.settings().seed, 4242);
    }

    /// `murmur presets --show` prints each value as displayed; read back, every factory preset
    /// must be exactly itself (a preset value finer than its display would be lost).
    #[test]
    fn displayed_presets_read_back_exactly() {
        for preset in presets::factory() {
            let sheet = ParamSheet::with_settings(&preset.settings);
            let mut copy = ParamSheet::new();
            for i in 0..sheet.params().len() {
                let index = ParamIndex(i);
                let normalized = copy.parse(index, &sheet.display(index)).unwrap();
                copy.set_normalized(index, normalized);
            }
            assert_eq!(copy.settings(), sheet.settings(), "{}", preset.name);
        }
    }

    #[test]
    fn plain_values_cover_every_parameter_once() {
        let sheet = ParamSheet::new();
        let values = crate::params::plain_values(&Settings::default());
        assert_eq!(values.len(), sheet.params().len());
        for entry in sheet.params() {
            assert_eq!(values.iter().filter(|(id, _)| *id == entry.id).count(), 1);
        }
    }

    #[test]
    fn assignments_in_display_units() {
        let mut sheet = ParamSheet::new();
        for (text, check) in [
            ("azim=90°", "90.0 °"),
            ("Azimuth = -45", "-45.0 °"),
            ("dist=0.3 m", "0.30 m"),
            ("dist=25 cm", "0.25 m"),
            ("motion=Orbit", "Orbit"),
            ("motion=ear to ear", "Ear to Ear"),
            ("Layer 2 Type=rain", "Rain"),
            ("t1on=On", "On"),
            ("calm=off", "Off"),
            ("vgain=-6 dB", "-6.0 dB"),
            ("t3reg=75%", "75 %"),
            ("seed=77", "77"),
            ("azim=500", "180.0 °"),
            ("head=0.09 m", "9.00 cm"),
        ] {
            let (index, normalized) = sheet.parse_assignment(text).unwrap();
            sheet.set_normalized(index, normalized);
            assert_eq!(sheet.display(index), check, "{text}");
        }
        let settings = sheet.settings();
        assert_eq!(settings.motion, MotionMode::EarToEar);
        assert_eq!(settings.seed, 77);
        assert!(close(settings.distance_m, 0.25));
        assert!(settings.layers[0].on && !settings.calm_guard);
    }

    #[test]
    fn clamped_values_and_fractions_of_percentages_are_told() {
        let sheet = ParamSheet::new();
        let notice = |text: &str| {
            let (id, value) = text.split_once('=').unwrap();
            sheet.parse_notice(sheet.find(id).unwrap(), value)
        };
        for (text, says) in [
            ("seed=70000", "beyond Seed's range: 65535 (its highest)"),
            ("seed=0", "beyond Seed's range: 1 (its lowest)"),
            ("azim=-500", "beyond Azimuth's range: -180.0 ° (its lowest)"),
            (
                "dist=500 cm",
                "beyond Distance's range: 3.00 m (its highest)",
            ),
            ("width=0.5", "width=0.5 is 0.5 % (for 50 %, write 50%)"),
        ] {
            let told = notice(text).unwrap_or_default();
            assert!(told.contains(says), "{text}: {told}");
        }
        // Values at the ends, inside the range, in any unit, and choices: nothing to tell.
        for text in [
            "seed=65535",
            "seed=1",
            "azim=-180",
            "dist=300 cm",
            "dist=0.1",
            "wind=0",
            "width=50%",
            "width=1",
            "motion=Orbit",
            "vgain=-6 dB",
        ] {
            assert_eq!(notice(text), None, "{text}");
        }
    }

    #[test]
    fn bad_assignments_say_why() {
        let sheet = ParamSheet::new();
        for (text, says) in [
            ("azim", "NAME=VALUE"),
            ("wobble=3", "no parameter is called `wobble`"),
            ("azim=left", "from -180.0 to 180.0 °"),
            ("motion=Spiral", "one of Static, Ear to Ear"),
            ("dist=3 furlongs", "dist (Distance)"),
            ("calm=maybe", "one of Off, On"),
        ] {
            let error = sheet.parse_assignment(text).unwrap_err();
            assert!(error.contains(says), "{text}: {error}");
        }
    }
}
