//! `murmur generate --session FILE`: a timeline of scenes, each a preset's bed, crossfaded one
//! into the next, with an optional wind-down at the end.
//!
//! A session file has one line per moment, `TIME WHAT`, in time order (`#` starts a comment):
//!
//! ```text
//! 0:00:00  scene "Tapping Around the Head"  animate 40%
//! 0:20:00  scene "Rain on the Window"  crossfade 2m
//! 7:30:00  wind-down 30m
//! 8:00:00  end
//! ```
//!
//! - `scene NAME|FILE [animate P%] [crossfade TIME] [level dB] [seed N]`: a factory preset or a preset
//!   file (relative to the session file), playing from `TIME` until the next scene has faded in.
//!   Its own engine starts at `TIME` (as `generate` starts one), and fades in over the crossfade
//!   while the scene before fades out (equal power: cos and sin of the same quarter turn, so
//!   two unrelated beds keep their summed power). The first scene starts at 0:00:00 with no
//!   crossfade (the render's `--fade-in` is its start); later scenes crossfade over
//!   [`DEFAULT_CROSSFADE_S`] unless told, or over the whole scene if it is shorter. `level`
//!   sets the scene's Output: the factory presets are voiced 19 LU apart (Rain on the Window
//!   near −36 LUFS, Brushing near −17), and a night that crossfades between them should not
//!   swell by that much.
//! - `wind-down TIME`: Wind-down ramps from 0 to 100 % over that long on every scene that
//!   plays then, linearly in the parameter (its curves make equal steps sound like equal steps
//!   of calming).
//! - `end`: the render's length. Required, and last.
//!
//! A scene that repeats an earlier scene's preset and seed would repeat its events exactly, so
//! it takes the seed [`REPEAT_SEED_STEP`] further on for each such earlier scene (and says so).

use std::f64::consts::FRAC_PI_2;
use std::path::{Path, PathBuf};

use murmur::automation::{Automation, parse_time};
use murmur::dsp::math::{cos, sin};
use murmur::engine::Settings;
use murmur::offline::OfflineRender;
use murmur::params::{ParamIndex, ParamSheet};
use murmur::presets;
use murmur::settings::ranges::{OUTPUT_DB, SEED};

use crate::pipeline::{BLOCK, Source};
use crate::setup::load_preset;
use crate::sources::Bed;

/// A later scene's crossfade when its line names none, seconds: long enough that the change
/// of scene is a slow turn, not an event.
pub const DEFAULT_CROSSFADE_S: f64 = 30.0;
/// The shortest crossfade a line may ask for, seconds: shorter, two unrelated beds would swap
/// fast enough to be noticed as a cut.
const SHORTEST_CROSSFADE_S: f64 = 1.0;
/// How far a repeated scene's seed moves on per earlier scene with the same preset and seed.
pub const REPEAT_SEED_STEP: u32 = 1000;

/// One scene of a session, checked.
pub struct Scene {
    /// The line it is on (1-based), for messages.
    pub line: usize,
    /// The preset as the line names it.
    pub preset: String,
    pub start_s: f64,
    /// Its fade-in, while the scene before fades out; 0 for the first.
    pub crossfade_s: f64,
    /// The preset's settings, and the values set on top of them (the preset file's, then the
    /// line's animate and seed), normalized, in order.
    preset_settings: Settings,
    assignments: Vec<(ParamIndex, f32)>,
}

impl Scene {
    /// The parameters as a plugin loaded with this scene holds them.
    fn sheet(&self) -> ParamSheet {
        let mut sheet = ParamSheet::with_settings(&self.preset_settings);
        for &(index, normalized) in &self.assignments {
            sheet.set_normalized(index, normalized);
        }
        sheet
    }
}

/// A session file, read and checked: nothing in it can fail once the render starts.
pub struct Session {
    pub scenes: Vec<Scene>,
    /// Wind-down's start and length, seconds.
    pub wind_down: Option<(f64, f64)>,
    pub end_s: f64,
    /// The preset files the session reads.
    pub files: Vec<PathBuf>,
    /// What the reader decided for the user to know (seeds moved on).
    pub notices: Vec<String>,
}

/// One line's meaning, before the lines are checked together.
enum Entry {
    Scene {
        preset: String,
        animate: Option<f32>,
        crossfade_s: Option<f64>,
        seed: Option<u32>,
        level_db: Option<f32>,
    },
    WindDown {
        length_s: f64,
    },
    End,
}

impl Session {
    /// Reads the session file at `path`. Every problem found is reported, one line each, with
    /// the line it is on.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = crate::setup::read_text_file(path, "session")?;
        let folder = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, folder).map_err(|problems| {
            problems
                .iter()
                .map(|p| format!("session {} {p}", path.display()))
                .collect::<Vec<_>>()
                .join("\nmurmur: ")
        })
    }

    /// Reads a session's `text`, with preset files found relative to `folder`. The errors are
    /// every problem, each starting `line N:`.
    pub fn parse(text: &str, folder: &Path) -> Result<Self, Vec<String>> {
        let reference = ParamSheet::new();
        let mut problems = Vec::new();
        let mut entries: Vec<(usize, f64, Entry)> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            match read_line(line) {
                Ok(None) => {}
                Ok(Some((time, entry))) => entries.push((n + 1, time, entry)),
                Err(why) => problems.push(format!("line {}: {why}", n + 1)),
            }
        }
        let mut session = Session {
            scenes: Vec::new(),
            wind_down: None,
            end_s: 0.0,
            files: Vec::new(),
            notices: Vec::new(),
        };
        let mut end_line = None;
        let mut wind_line = None;
        let mut previous: Option<(usize, f64)> = None;
        let mut scene_seeds: Vec<(String, u32)> = Vec::new();
        for (line, time, entry) in entries {
            let mut problem = |why: String| problems.push(format!("line {line}: {why}"));
            if let Some(end) = end_line {
                problem(format!("comes after the end (line {end})"));
                continue;
            }
            if let Some((before, t)) = previous
                && time < t
            {
                problem(format!(
                    "{} comes before {} (line {before}): scenes would overlap; list the lines \
                     in time order",
                    clock(time),
                    clock(t)
                ));
                continue;
            }
            match entry {
                Entry::End => {
                    end_line = Some(line);
                    session.end_s = time;
                    if let Some(last) = session.scenes.last()
                        && time <= last.start_s
                    {
                        problem(format!(
                            "the session ends as the scene of line {} starts",
                            last.line
                        ));
                    }
                }
                Entry::WindDown { length_s } => {
                    if let Some(first) = wind_line {
                        problem(format!("a second wind-down (the first is on line {first})"));
                    } else if session.scenes.is_empty() {
                        problem("a wind-down before any scene".to_owned());
                    }
                    wind_line = Some(line);
                    session.wind_down = Some((time, length_s));
                }
                Entry::Scene {
                    preset,
                    animate,
                    crossfade_s,
                    seed,
                    level_db,
                } => {
                    if session.scenes.is_empty() && time > 0.0 {
                        problem(format!(
                            "the first scene starts at {}; a session starts with a scene at \
                             0:00:00",
                            clock(time)
                        ));
                    }
                    if let Some(last) = session.scenes.last()
                        && time == last.start_s
                    {
                        problem(format!(
                            "starts at the same time as the scene of line {}: scenes would \
                             overlap",
                            last.line
                        ));
                    }
                    if session.scenes.is_empty() && crossfade_s.is_some() {
                        problem(
                            "the first scene has nothing to crossfade from (the render's \
                             --fade-in is its start)"
                                .to_owned(),
                        );
                    }
                    if let Some((w, length)) = session.wind_down
                        && time >= w + length
                    {
                        problem(format!(
                            "starts after the wind-down has ended (line {}): it would be silent",
                            wind_line.unwrap_or(0)
                        ));
                    }
                    match scene_sheet(&preset, animate, seed, level_db, folder, &reference) {
                        Err(why) => problem(why),
                        Ok((mut scene, file)) => {
                            session.files.extend(file);
                            let seed_index = reference.find("seed").expect("the seed parameter");
                            let own = scene.sheet().settings().seed;
                            let repeats = scene_seeds
                                .iter()
                                .filter(|(p, s)| *p == preset && *s == own)
                                .count() as u32;
                            scene_seeds.push((preset.clone(), own));
                            if repeats > 0 && seed.is_none() {
                                let moved = repeated_seed(own, repeats);
                                scene.assignments.push((
                                    seed_index,
                                    reference.plain_to_normalized(seed_index, moved as f32),
                                ));
                                session.notices.push(format!(
                                    "line {line}: `{preset}` plays again with seed {moved} \
                                     (seed {own} would repeat line {}'s events; give it \
                                     `seed N` to choose)",
                                    session
                                        .scenes
                                        .iter()
                                        .find(|s| s.preset == preset)
                                        .map_or(0, |s| s.line)
                                ));
                            }
                            session.scenes.push(Scene {
                                line,
                                preset,
                                start_s: time,
                                crossfade_s: crossfade_s.unwrap_or(-1.0),
                                ..scene
                            });
                        }
                    }
                }
            }
            previous = Some((line, time));
        }
        let Some(end_line) = end_line else {
            let last = previous.map_or(String::new(), |(line, _)| format!(" after line {line}"));
            problems.push(format!(
                "line {}: the session has no end: add a line such as `8:00:00 end`{last}",
                text.lines().count().max(1)
            ));
            return Err(problems);
        };
        if session.scenes.is_empty() && problems.is_empty() {
            problems.push(format!(
                "line {end_line}: the session has no scene: start it with a line such as \
                 `0:00:00 scene \"Rain on the Window\"`"
            ));
        }
        if let (Some((start, length)), Some(line)) = (session.wind_down, wind_line)
            && start + length > session.end_s + 1e-9
        {
            problems.push(format!(
                "line {line}: the wind-down ({} from {}) runs past the end at {} (line \
                 {end_line})",
                clock(length),
                clock(start),
                clock(session.end_s)
            ));
        }
        // Each scene's length: until the next scene starts, or the end.
        let starts: Vec<f64> = session.scenes.iter().map(|s| s.start_s).collect();
        for (i, scene) in session.scenes.iter_mut().enumerate().skip(1) {
            let until = starts.get(i + 1).copied().unwrap_or(session.end_s);
            let length = until - scene.start_s;
            if scene.crossfade_s < 0.0 {
                scene.crossfade_s = DEFAULT_CROSSFADE_S.min(length);
            } else if scene.crossfade_s > length + 1e-9 {
                problems.push(format!(
                    "line {}: the crossfade ({}) is longer than the scene ({}, until {})",
                    scene.line,
                    clock(scene.crossfade_s),
                    clock(length),
                    clock(until)
                ));
            }
        }
        if let Some(first) = session.scenes.first_mut() {
            first.crossfade_s = 0.0;
        }
        if problems.is_empty() {
            Ok(session)
        } else {
            problems.sort_by_key(|p| line_of(p));
            Err(problems)
        }
    }

    /// The lowest Calm Guard ceiling of the scenes that have the guard on, dBFS: a loudness
    /// gain keeps every scene under its own.
    pub fn ceiling_dbfs(&self) -> Option<f64> {
        self.scenes
            .iter()
            .map(|s| s.sheet().settings())
            .filter(|s| s.calm_guard)
            .map(|s| f64::from(s.ceiling_db))
            .reduce(f64::min)
    }

    /// Scene `i`'s render at `rate`: its preset from the scene's start, with the wind-down's
    /// ramp in the scene's own time.
    pub fn renderer(&self, i: usize, rate: u32) -> Result<OfflineRender, String> {
        let scene = &self.scenes[i];
        let sheet = scene.sheet();
        let mut automation = Automation::none();
        if let Some((start, length)) = self.wind_down {
            let wind = sheet.find("wind").expect("the wind parameter");
            let plain = |n| sheet.normalized_to_plain(wind, n);
            automation = automation.with_ramp(
                wind,
                vec![
                    (start - scene.start_s, plain(0.0)),
                    (start + length - scene.start_s, plain(1.0)),
                ],
            );
        }
        OfflineRender::new(rate, BLOCK, sheet, automation).map_err(|e| e.to_string())
    }

    /// The render in frames at `rate`.
    pub fn timeline(&self, rate: u32) -> Timeline {
        let frames = |s: f64| (s * f64::from(rate)).round() as u64;
        let starts: Vec<u64> = self.scenes.iter().map(|s| frames(s.start_s)).collect();
        let fades: Vec<u64> = self.scenes.iter().map(|s| frames(s.crossfade_s)).collect();
        let end = frames(self.end_s);
        let stops = (0..starts.len())
            .map(|i| match starts.get(i + 1) {
                Some(next) => next + fades[i + 1],
                None => end,
            })
            .collect();
        Timeline {
            starts,
            fades,
            stops,
            end,
        }
    }
}

/// A session in frames.
pub struct Timeline {
    /// Each scene's first frame.
    pub starts: Vec<u64>,
    /// Each scene's fade-in, frames (0 for the first).
    pub fades: Vec<u64>,
    /// The frame each scene's engine stops at: the end of the next scene's fade-in.
    pub stops: Vec<u64>,
    /// The render's length, frames.
    pub end: u64,
}

impl Timeline {
    /// Scene `i`'s gain at `frame`: rising over its crossfade, falling over the next scene's,
    /// exactly 1 elsewhere (so a scene alone is its render alone).
    fn gain(&self, i: usize, frame: u64) -> f32 {
        let mut gain = 1.0f64;
        let quarter_turn = |since: u64, over: u64| FRAC_PI_2 * since as f64 / over as f64;
        if frame < self.starts[i] + self.fades[i] {
            gain *= sin(quarter_turn(frame - self.starts[i], self.fades[i]));
        }
        if let Some(&next) = self.starts.get(i + 1)
            && frame >= next
        {
            gain *= cos(quarter_turn(frame - next, self.fades[i + 1]));
        }
        gain as f32
    }
}

/// A session's blocks: each scene's bed from its start to the end of the next one's fade-in,
/// summed with their crossfade gains.
pub struct SessionSource<'a> {
    session: &'a Session,
    timeline: Timeline,
    rate: u32,
    /// Frames made so far.
    position: u64,
    /// The next scene to start.
    next: usize,
    /// The scenes playing, and their beds.
    playing: Vec<(usize, Bed)>,
    scratch: (Vec<f32>, Vec<f32>),
}

impl<'a> SessionSource<'a> {
    /// The session's render at `rate` (which the caller has checked the engine takes).
    pub fn new(session: &'a Session, rate: u32) -> Self {
        Self {
            session,
            timeline: session.timeline(rate),
            rate,
            position: 0,
            next: 0,
            playing: Vec::new(),
            scratch: (vec![0.0; BLOCK], vec![0.0; BLOCK]),
        }
    }
}

impl Source for SessionSource<'_> {
    fn fill(&mut self, left: &mut [f32], right: &mut [f32]) -> usize {
        let t = &self.timeline;
        let wanted = (left.len() as u64).min(t.end - self.position) as usize;
        let mut done = 0;
        while done < wanted {
            let at = self.position;
            while self.next < t.starts.len() && t.starts[self.next] <= at {
                let render = self
                    .session
                    .renderer(self.next, self.rate)
                    .expect("the rate was checked before the render");
                self.playing.push((self.next, Bed::new(render)));
                self.next += 1;
            }
            self.playing.retain(|(i, _)| t.stops[*i] > at);
            // Up to the next change: a scene starting or stopping.
            let mut until = at + (wanted - done) as u64;
            if let Some(&start) = t.starts.get(self.next) {
                until = until.min(start);
            }
            for (i, _) in &self.playing {
                until = until.min(t.stops[*i]);
            }
            let n = (until - at) as usize;
            let (l, r) = (&mut left[done..done + n], &mut right[done..done + n]);
            l.fill(0.0);
            r.fill(0.0);
            for (i, bed) in &mut self.playing {
                if self.scratch.0.len() < n {
                    self.scratch = (vec![0.0; n], vec![0.0; n]);
                }
                let (sl, sr) = (&mut self.scratch.0[..n], &mut self.scratch.1[..n]);
                bed.fill(sl, sr);
                for (j, ((l, r), (a, b))) in l
                    .iter_mut()
                    .zip(r.iter_mut())
                    .zip(sl.iter().zip(sr.iter()))
                    .enumerate()
                {
                    let gain = t.gain(*i, at + j as u64);
                    *l += gain * a;
                    *r += gain * b;
                }
            }
            done += n;
            self.position += n as u64;
        }
        wanted
    }
}

/// The tokens of one line: words, or `"quoted words"`, up to a `#` outside quotes.
fn tokens(line: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '#' {
            break;
        } else if c == '"' {
            chars.next();
            let mut word = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some(c) => word.push(c),
                    None => return Err(format!("`\"{word}` has no closing quote")),
                }
            }
            tokens.push(word);
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '#' {
                    break;
                }
                word.push(c);
                chars.next();
            }
            tokens.push(word);
        }
    }
    Ok(tokens)
}

/// One line's time and meaning (`None` for a blank or comment line).
fn read_line(line: &str) -> Result<Option<(f64, Entry)>, String> {
    let tokens = tokens(line)?;
    let Some((time, rest)) = tokens.split_first() else {
        return Ok(None);
    };
    let time = parse_time(time)
        .ok_or_else(|| format!("`{time}` is not a time (try 0:20:00, 1:30:00, 90s or 20m)"))?;
    let Some((what, rest)) = rest.split_first() else {
        return Err("a time and nothing to do at it (scene, wind-down or end)".to_owned());
    };
    let length = |text: &str, what: &str| match parse_time(text) {
        Some(s) if s > 0.0 => Ok(s),
        _ => Err(format!(
            "`{text}` is not a length for {what} (try 30s, 2m or 1:30)"
        )),
    };
    let entry = match what.to_ascii_lowercase().as_str() {
        "end" => {
            if let Some(extra) = rest.first() {
                return Err(format!("`end` takes nothing after it, not `{extra}`"));
            }
            Entry::End
        }
        "wind-down" => match rest {
            [text] => Entry::WindDown {
                length_s: length(text, "the wind-down")?,
            },
            _ => return Err("a wind-down needs its length: `7:30:00 wind-down 30m`".to_owned()),
        },
        "scene" => {
            let Some((preset, mut options)) = rest.split_first() else {
                return Err("a scene needs a preset: `scene \"Rain on the Window\"`".to_owned());
            };
            let (mut animate, mut crossfade_s, mut seed, mut level_db) = (None, None, None, None);
            while let Some((option, after)) = options.split_first() {
                let Some((value, after)) = after.split_first() else {
                    return Err(format!("`{option}` needs a value"));
                };
                match option.to_ascii_lowercase().as_str() {
                    "animate" => animate = Some(percent(value)?),
                    "level" => level_db = Some(decibels(value)?),
                    "crossfade" => {
                        let s = length(value, "the crossfade")?;
                        if s < SHORTEST_CROSSFADE_S {
                            return Err(format!(
                                "a crossfade of {value} is a cut: make it {SHORTEST_CROSSFADE_S} s \
                                 or longer"
                            ));
                        }
                        crossfade_s = Some(s);
                    }
                    "seed" => {
                        seed = Some(
                            value
                                .parse::<u32>()
                                .ok()
                                .filter(|s| (SEED.0..=SEED.1).contains(s))
                                .ok_or_else(|| {
                                    format!(
                                        "`{value}` is not a seed (a whole number from {} to {})",
                                        SEED.0, SEED.1
                                    )
                                })?,
                        )
                    }
                    _ => {
                        return Err(format!(
                            "`{option}` is not a scene option (animate, crossfade, level or seed)"
                        ));
                    }
                }
                options = after;
            }
            Entry::Scene {
                preset: preset.clone(),
                animate,
                crossfade_s,
                seed,
                level_db,
            }
        }
        _ => {
            return Err(format!(
                "`{what}` is not something a session does (scene, wind-down or end)"
            ));
        }
    };
    Ok(Some((time, entry)))
}

/// `40%` or `40` as a fraction, 0–100 %.
fn percent(text: &str) -> Result<f32, String> {
    text.trim_end_matches('%')
        .trim()
        .parse::<f32>()
        .ok()
        .filter(|p| (0.0..=100.0).contains(p))
        .map(|p| p / 100.0)
        .ok_or_else(|| format!("`{text}` is not an amount of animate (0% to 100%)"))
}

/// A scene's parameters: its preset (a factory name, or a file relative to `folder`) with the
/// line's animate, seed and level (as a scene with no line, time or crossfade yet), and the file
/// it read.
fn scene_sheet(
    preset: &str,
    animate: Option<f32>,
    seed: Option<u32>,
    level_db: Option<f32>,
    folder: &Path,
    reference: &ParamSheet,
) -> Result<(Scene, Option<PathBuf>), String> {
    let (name, file) = if presets::find(preset).is_some() {
        (preset.to_owned(), None)
    } else {
        let path = folder.join(preset);
        (path.to_string_lossy().into_owned(), Some(path))
    };
    let (settings, assignments) = load_preset(Some(&name), reference).map_err(|why| {
        if file.as_ref().is_some_and(|f| f.is_file()) {
            why
        } else {
            crate::setup::unknown_preset(preset)
        }
    })?;
    let mut scene = Scene {
        line: 0,
        preset: preset.to_owned(),
        start_s: 0.0,
        crossfade_s: 0.0,
        preset_settings: settings,
        assignments,
    };
    let mut set = |id: &str, plain: f32| {
        let index: ParamIndex = reference.find(id).expect("a Murmur parameter");
        scene
            .assignments
            .push((index, reference.plain_to_normalized(index, plain)));
    };
    if let Some(amount) = animate {
        set("anim", amount);
    }
    if let Some(seed) = seed {
        set("seed", seed as f32);
    }
    if let Some(level_db) = level_db {
        set("out", level_db);
    }
    let playing = scene
        .sheet()
        .settings()
        .layers
        .iter()
        .any(|layer| layer.on && layer.density_per_s > 0.0);
    if !playing {
        return Err(format!(
            "`{preset}` has no trigger layer on, so the scene would be silent"
        ));
    }
    Ok((scene, file))
}

/// `-6dB` or `-6` as the scene's Output level, within Output's range.
fn decibels(text: &str) -> Result<f32, String> {
    let range = OUTPUT_DB;
    text.trim_end_matches("dB")
        .trim_end_matches("db")
        .trim()
        .parse::<f32>()
        .ok()
        .filter(|db| (range.min..=range.max).contains(db))
        .ok_or_else(|| {
            format!(
                "`{text}` is not a level (decibels from {} to {}, as Output takes)",
                range.min, range.max
            )
        })
}

/// A repeated scene's seed: `seed` moved on `repeats` steps, kept within the seed's range.
fn repeated_seed(seed: u32, repeats: u32) -> u32 {
    let span = SEED.1 - SEED.0 + 1;
    SEED.0 + (seed - SEED.0 + repeats * REPEAT_SEED_STEP) % span
}

/// The line a problem names, for sorting them.
fn line_of(problem: &str) -> usize {
    problem
        .strip_prefix("line ")
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Seconds as `h:mm:ss` (with tenths when they are not whole).
fn clock(seconds: f64) -> String {
    let whole = seconds.floor();
    let s = whole as u64;
    let tenths = ((seconds - whole) * 10.0).round() as u64;
    let base = format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    if tenths == 0 {
        base
    } else {
        format!("{base}.{tenths}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Session, Vec<String>> {
        Session::parse(text, Path::new("."))
    }

    #[test]
    fn the_readme_session_reads_as_written() {
        let session = parse(
            "# an evening\n\
             0:00:00  scene \"Tapping Around the Head\"  animate 40%\n\
             0:20:00  scene \"Rain on the Window\"  crossfade 2m  level -3dB  # a slow turn\n\
             \n\
             7:30:00  wind-down 30m\n\
             8:00:00  end\n",
        )
        .unwrap();
        let [first, second] = &session.scenes[..] else {
            panic!("two scenes");
        };
        assert_eq!(
            (first.line, first.start_s, first.crossfade_s),
            (2, 0.0, 0.0)
        );
        assert_eq!(
            (second.line, second.start_s, second.crossfade_s),
            (3, 1200.0, 120.0)
        );
        assert_eq!(first.sheet().settings().animate, 0.4);
        assert_eq!(second.sheet().settings().animate, 0.0);
        assert_eq!(first.sheet().settings().output_db, 0.0);
        assert!((second.sheet().settings().output_db + 3.0).abs() < 1e-4);
        assert_eq!(session.wind_down, Some((27_000.0, 1800.0)));
        assert_eq!(session.end_s, 28_800.0);
        assert!(session.notices.is_empty());

        let timeline = session.timeline(48_000);
        assert_eq!(timeline.end, 28_800 * 48_000);
        assert_eq!(timeline.starts, [0, 1200 * 48_000]);
        assert_eq!(timeline.stops, [1320 * 48_000, 28_800 * 48_000]);
    }

    /// Equal power through a crossfade (the two gains' squares sum to one), and exactly one
    /// elsewhere.
    #[test]
    fn crossfades_keep_the_power() {
        let session = parse(
            "0 scene Brushing\n10 scene \"Water Drops\" crossfade 4\n20 scene Brushing\n30 end",
        )
        .unwrap();
        // The default crossfade is as long as the scene when the scene is shorter.
        assert_eq!(session.scenes[2].crossfade_s, 10.0);
        let t = session.timeline(1000);
        for frame in (0..30_000).step_by(7) {
            let gains: Vec<f32> = (0..3)
                .filter(|&i| t.starts[i] <= frame && frame < t.stops[i])
                .map(|i| t.gain(i, frame))
                .collect();
            let power: f32 = gains.iter().map(|g| g * g).sum();
            assert!((power - 1.0).abs() < 1e-6, "{frame}: {gains:?}");
            if gains.len() == 1 {
                assert_eq!(gains[0], 1.0, "{frame}");
            }
        }
        assert_eq!(t.gain(1, 10_000), 0.0);
        // The fades run their whole way: near silence and near full at their ends.
        assert!(t.gain(0, 13_999) < 1e-3 && t.gain(1, 13_999) > 0.999_999);
        assert!(t.gain(1, 29_999) < 1e-3 && t.gain(2, 29_999) > 0.999_999);
        assert_eq!(t.gain(0, 5_000), 1.0);
        assert_eq!(t.gain(1, 14_000), 1.0);
        // Brushing again, with the seed moved on, and said.
        let seed = |i: usize| session.scenes[i].sheet().settings().seed;
        assert_eq!(seed(2), seed(0) + REPEAT_SEED_STEP);
        assert_ne!(seed(2), seed(0));
        assert!(
            session.notices[0].contains("line 3"),
            "{:?}",
            session.notices
        );
        assert_eq!(repeated_seed(65_000, 1), 465);
    }

    #[test]
    fn every_problem_names_its_line() {
        for (text, says) in [
            (
                "0 scene Brushing\n1:7x scene Brushing\n2:00 end",
                "line 2: `1:7x` is not a time",
            ),
            (
                "0 scene Brushing\n60 scene Nope\n2:00 end",
                "line 2: unknown preset `Nope`",
            ),
            (
                "0 scene Brushing\n60 scene \"Water Drops\"\n30 scene Brushing\n2:00 end",
                "line 3: 0:00:30 comes before 0:01:00 (line 2): scenes would overlap",
            ),
            (
                "0 scene Brushing\n60 scene \"Water Drops\"\n60 scene Brushing\n2:00 end",
                "line 3: starts at the same time as the scene of line 2",
            ),
            (
                "0 scene Brushing\n60 scene \"Water Drops\" crossfade 2m\n2:00 end",
                "line 2: the crossfade (0:02:00) is longer than the scene (0:01:00",
            ),
            (
                "0 scene Brushing\n60 scene \"Water Drops\"\n",
                "line 2: the session has no end",
            ),
            (
                "0 scene Brushing\n\n# nothing more\n",
                "line 3: the session has no end",
            ),
            (
                "0 scene Brushing\n1:00 wind-down 2m\n2:00 end",
                "line 2: the wind-down (0:02:00",
            ),
            (
                "0 scene Brushing\n2:00 end\n3:00 end",
                "line 3: comes after the end (line 2)",
            ),
            (
                "30 scene Brushing\n2:00 end",
                "line 1: the first scene starts at 0:00:30",
            ),
            (
                "0 scene Brushing crossfade 5s\n2:00 end",
                "line 1: the first scene has nothing",
            ),
            (
                "0 scene \"Ear to Ear Whisper\"\n2:00 end",
                "no trigger layer on",
            ),
            (
                "0 scene Brushing animate 140%\n2:00 end",
                "`140%` is not an amount of animate",
            ),
            ("0 scene Brushing seed 0\n2:00 end", "`0` is not a seed"),
            (
                "0 scene Brushing level -40dB\n2:00 end",
                "`-40dB` is not a level",
            ),
            (
                "0 scene Brushing loud 3\n2:00 end",
                "`loud` is not a scene option",
            ),
            (
                "0 scene Brushing crossfade\n2:00 end",
                "`crossfade` needs a value",
            ),
            (
                "0 scene \"Brushing\n2:00 end",
                "line 1: `\"Brushing` has no closing quote",
            ),
            (
                "0 scene Brushing\n30 fade 3\n2:00 end",
                "line 2: `fade` is not something",
            ),
            ("0 end", "line 1: the session has no scene"),
            (
                "0 scene Brushing\n20 scene Brushing crossfade 0.5s\n2:00 end",
                "line 2: a crossfade of 0.5s is a cut",
            ),
        ] {
            let problems = parse(text)
                .err()
                .unwrap_or_else(|| panic!("{text:?} was read"));
            assert!(problems[0].contains(says), "{text:?}: {problems:?}");
        }
        // Every problem, not only the first, in line order.
        let problems = parse("0 scene Nope\n1:7x scene Brushing\n2:00 end\n3:00 end")
            .err()
            .unwrap();
        assert_eq!(problems.len(), 3, "{problems:?}");
        let lines: Vec<usize> = problems.iter().map(|p| line_of(p)).collect();
        assert_eq!(lines, [1, 2, 4], "{problems:?}");
    }
}
