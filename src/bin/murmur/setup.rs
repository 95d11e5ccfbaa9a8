//! What every render of one command starts from: the preset, the `--set` values on top of it,
//! the automation and the SOFA set, all checked before the first file is touched.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use murmur::automation::Automation;
use murmur::binaural::hrtf_set::HrtfSet;
use murmur::engine::{HrtfModel, Settings};
use murmur::offline::OfflineRender;
use murmur::params::{ParamIndex, ParamSheet};
use murmur::presets;
use murmur::user_presets;

use crate::SoundArgs;
use crate::pipeline::{BLOCK, Finishing};

/// The latest song position `--start` takes, seconds: a week, beyond any night's piece.
const MAX_START_S: f64 = 7.0 * 24.0 * 3600.0;

/// What every render of one command starts from: the preset, the `--set` values on top of it,
/// and the automation. Everything is checked before the first file is touched.
pub(crate) struct Setup {
    preset: Settings,
    /// `--set` and `--seed` values (normalized), in the order given.
    assignments: Vec<(ParamIndex, f32)>,
    automation: Automation,
    /// The `--sofa` file, prepared once per sample rate the inputs have.
    sofa: Option<SofaFile>,
    /// `--start`: where in the song every render starts, seconds.
    song_start_s: Option<f64>,
}
/// A SOFA file and its sets, prepared at each rate as inputs at that rate come up.
pub(crate) struct SofaFile {
    path: PathBuf,
    sets: std::sync::Mutex<Vec<(u32, Arc<HrtfSet>)>>,
}
impl SofaFile {
    /// Reads `path` once to check it (at 48 kHz) before any input is touched.
    pub(crate) fn open(path: &Path) -> Result<Self, String> {
        let set = HrtfSet::load(path, 48_000.0)
            .map_err(|e| format!("SOFA file {} {e}", path.display()))?;
        Ok(Self {
            path: path.to_owned(),
            sets: std::sync::Mutex::new(vec![(48_000, Arc::new(set))]),
        })
    }

    /// The set prepared at `rate` Hz (loading and resampling it the first time).
    pub(crate) fn at(&self, rate: u32) -> Result<Arc<HrtfSet>, String> {
        let mut sets = self.sets.lock().expect("no job panics");
        if let Some((_, set)) = sets.iter().find(|(r, _)| *r == rate) {
            return Ok(set.clone());
        }
        let set = Arc::new(
            HrtfSet::load(&self.path, rate as f32)
                .map_err(|e| format!("SOFA file {} {e}", self.path.display()))?,
        );
        sets.push((rate, set.clone()));
        Ok(set)
    }
}
impl Setup {
    pub(crate) fn from_args(args: &SoundArgs) -> Result<Self, String> {
        let reference = ParamSheet::new();
        let (preset, mut assignments) = load_preset(args.preset.as_deref(), &reference)?;
        let sofa = args.sofa.as_deref().map(SofaFile::open).transpose()?;
        if sofa.is_some() {
            let index = reference.find("hrtf").expect("the hrtf parameter");
            assignments.push((index, 1.0));
        }
        for text in &args.sets {
            assignments.push(assign(&reference, text).map_err(|why| format!("bad --set: {why}"))?);
        }
        if let Some(seed) = args.seed {
            // As `--set seed=N`: beyond the range it is clamped, and said so.
            assignments.push(assign(&reference, &format!("seed={seed}"))?);
        }
        let automation = match &args.automation {
            None => Automation::none(),
            Some(path) => {
                let text = read_text_file(path, "automation")?;
                Automation::parse(&text, &reference)
                    .map_err(|why| format!("automation {}: {why}", path.display()))?
            }
        };
        let song_start_s = args
            .start
            .as_deref()
            .map(|text| crate::pipeline::parse_time_option(text, "--start"))
            .transpose()?;
        if song_start_s.is_some_and(|s| s > MAX_START_S) {
            return Err(
                "--start must be within the first week of the song (under 168:00:00)".into(),
            );
        }
        let setup = Self {
            preset,
            assignments,
            automation,
            sofa,
            song_start_s,
        };
        if setup.sofa.is_none() && setup.sheet().settings().hrtf == HrtfModel::Sofa {
            eprintln!(
                "murmur: HRTF is SOFA but no --sofa file was given: the sphere model renders"
            );
        }
        Ok(setup)
    }

    /// The parameters as the plugin holds them after loading the preset and the values.
    pub(crate) fn sheet(&self) -> ParamSheet {
        let mut sheet = ParamSheet::with_settings(&self.preset);
        for &(index, normalized) in &self.assignments {
            sheet.set_normalized(index, normalized);
        }
        sheet
    }

    /// `finishing` with the Calm Guard's ceiling when the settings have it on.
    pub(crate) fn with_ceiling(&self, finishing: Finishing) -> Finishing {
        let settings = self.sheet().settings();
        Finishing {
            ceiling_dbfs: settings
                .calm_guard
                .then_some(f64::from(settings.ceiling_db)),
            ..finishing
        }
    }

    /// Whether a bed with these settings makes any sound: a layer on with events of its own
    /// (density above 0; at 0 a layer plays only MIDI, which `generate` has none of), or
    /// automation that may switch one on.
    pub(crate) fn has_a_playing_layer(&self) -> bool {
        let settings = self.sheet().settings();
        !self.automation.is_empty()
            || settings
                .layers
                .iter()
                .any(|layer| layer.on && layer.density_per_s > 0.0)
    }

    /// A render at `rate` Hz (with the SOFA set, if one was given).
    pub(crate) fn renderer(&self, rate: u32) -> Result<OfflineRender, String> {
        let mut render = OfflineRender::new(rate, BLOCK, self.sheet(), self.automation.clone())
            .map_err(|e| e.to_string())?;
        if let Some(sofa) = &self.sofa {
            render.use_hrtf_set(sofa.at(rate)?);
        }
        if let Some(seconds) = self.song_start_s {
            render.start_at(seconds);
        }
        Ok(render)
    }
}
/// A factory preset's settings, or the defaults and a preset file's values.
pub(crate) fn load_preset(
    name: Option<&str>,
    reference: &ParamSheet,
) -> Result<(Settings, Vec<(ParamIndex, f32)>), String> {
    let Some(name) = name else {
        return Ok((Settings::default(), Vec::new()));
    };
    if let Some(preset) = presets::find(name) {
        return Ok((preset.settings, Vec::new()));
    }
    let saved = user_presets::folder().and_then(|folder| user_presets::find_in(&folder, name));
    let path = match &saved {
        Some(preset) => preset.path.as_path(),
        None => Path::new(name),
    };
    if !path.is_file() {
        return Err(unknown_preset(name));
    }
    let text = read_text_file(path, "preset")?;
    user_presets::check_format(&text).map_err(|why| format!("preset {}: {why}", path.display()))?;
    let mut assignments = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let assignment = assign(reference, line)
            .map_err(|why| format!("preset {} line {}: {why}", path.display(), n + 1))?;
        assignments.push(assignment);
    }
    Ok((Settings::default(), assignments))
}

/// Reads a text file a user wrote (a preset, an automation, a session): a byte-order mark at its
/// start, which Windows Notepad writes, is not part of the text.
pub fn read_text_file(path: &Path, what: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// Why `name` names no preset: no factory preset is called so and no file is there; with the
/// factory preset it is likely a typo of, when there is one.
pub fn unknown_preset(name: &str) -> String {
    did_you_mean_preset(name).unwrap_or_else(|| {
        format!("unknown preset `{name}`: not a factory preset (see `murmur presets`) nor a file")
    })
}

/// "Did you mean" for a preset `name` that is none, when a factory preset is near it.
pub fn did_you_mean_preset(name: &str) -> Option<String> {
    presets::nearest(name).map(|near| format!("unknown preset `{name}`: did you mean `{near}`?"))
}

/// Parses `NAME=VALUE` as `--set` and preset files give it. A value beyond the parameter's range
/// is clamped to it (as a host clamps), and a bare fraction on a percentage is that many
/// percent: both are taken, and said on stderr.
fn assign(reference: &ParamSheet, text: &str) -> Result<(ParamIndex, f32), String> {
    let (index, normalized) = reference.parse_assignment(text)?;
    if let Some((_, value)) = text.split_once('=')
        && let Some(notice) = reference.parse_notice(index, value)
    {
        eprintln!("murmur: {notice}");
    }
    Ok((index, normalized))
}
