//! From the engine's blocks to a finished file: fades at the ends, the gain that lands the
//! render on a loudness target, the loudness meter, and the writer.
//!
//! A loudness target needs the render's loudness before its first sample is written, so such a
//! render runs twice: once measured only, once written with the gain the first run asks for.
//! The engine is deterministic, so both runs make the same samples, and memory stays constant
//! (nothing is kept between the runs but the measurement).

use std::f64::consts::FRAC_PI_2;

use murmur::calm_guard::HEADROOM_DB;
use murmur::dsp::math::sin;
use murmur::dsp::{db_to_gain, gain_to_db};
use murmur::loudness::{Loudness, Meter};

use crate::output::{Plan, Writer};
use crate::progress::FileProgress;

/// Frames the pipeline moves at a time.
pub const BLOCK: usize = 1024;

/// Where a render's loudness should land.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// Integrated loudness, LUFS.
    pub lufs: f64,
    /// The highest true peak allowed, dBTP.
    pub true_peak_dbtp: f64,
}

/// The named targets `--loudness` takes, LUFS, with where each comes from (README).
pub const NAMED_TARGETS: [(&str, f64); 5] = [
    ("youtube", -14.0),
    ("spotify", -14.0),
    ("apple", -16.0),
    ("podcast", -16.0),
    ("broadcast", -23.0),
];

/// The target `--loudness` names: LUFS (`-16`, `-16 LUFS`) or a name of [`NAMED_TARGETS`].
pub fn parse_target(text: &str, true_peak_dbtp: f64) -> Result<Target, String> {
    if !(true_peak_dbtp.is_finite() && true_peak_dbtp <= 0.0) {
        return Err(format!(
            "bad --true-peak {true_peak_dbtp} (dBTP, at most 0: a true peak above full scale \
             clips when played)"
        ));
    }
    let trimmed = text.trim();
    let lower = trimmed.to_ascii_lowercase();
    if let Some((_, lufs)) = NAMED_TARGETS.iter().find(|(name, _)| *name == lower) {
        return Ok(Target {
            lufs: *lufs,
            true_peak_dbtp,
        });
    }
    let number = lower.strip_suffix("lufs").unwrap_or(&lower).trim();
    let names: Vec<&str> = NAMED_TARGETS.iter().map(|(n, _)| *n).collect();
    let lufs: f64 = number.parse().map_err(|_| {
        format!(
            "bad --loudness `{trimmed}` (LUFS such as -16, or one of {})",
            names.join(", ")
        )
    })?;
    if !(-60.0..=0.0).contains(&lufs) {
        return Err(format!(
            "bad --loudness `{trimmed}` (LUFS from -60 to 0: loudness above 0 LUFS cannot be \
             reached without clipping)"
        ));
    }
    Ok(Target {
        lufs,
        true_peak_dbtp,
    })
}

/// A time `option` takes (a fade, `render`'s tail, `--start`) as seconds or a time (`3s`, `1m`,
/// `1:23`, `0`).
pub fn parse_time_option(text: &str, option: &str) -> Result<f64, String> {
    match murmur::automation::parse_time(text) {
        Some(seconds) if seconds >= 0.0 => Ok(seconds),
        _ => Err(format!(
            "bad {option} `{}` (seconds or a time: 0, 3s, 1m, 1:23)",
            text.trim()
        )),
    }
}

/// What is done to the engine's output on the way to the file.
#[derive(Debug, Clone, Copy)]
pub struct Finishing {
    pub fade_in_s: f64,
    pub fade_out_s: f64,
    pub target: Option<Target>,
    /// The Calm Guard's ceiling when it is on, dBFS: a loudness gain never lifts the true peak
    /// past it.
    pub ceiling_dbfs: Option<f64>,
}

/// Equal-power fades (a quarter sine: the power of a fade-in and the matching fade-out sum to
/// one) and a gain, applied frame by frame as the render goes.
struct Shaper {
    total: u64,
    fade_in: u64,
    fade_out: u64,
    gain: f32,
    position: u64,
}

impl Shaper {
    /// Fades of the given lengths, shortened together if they would overlap.
    fn new(total: u64, rate: u32, finishing: &Finishing, gain: f32) -> Self {
        // Each fade at most the whole render, so their sum cannot overflow.
        let frames = |s: f64| ((s * f64::from(rate)).round() as u64).min(total);
        let (mut fade_in, mut fade_out) =
            (frames(finishing.fade_in_s), frames(finishing.fade_out_s));
        if fade_in + fade_out > total {
            let scale = total as f64 / (fade_in + fade_out) as f64;
            fade_in = (fade_in as f64 * scale) as u64;
            fade_out = (fade_out as f64 * scale) as u64;
        }
        Self {
            total,
            fade_in,
            fade_out,
            gain,
            position: 0,
        }
    }

    /// The fade's gain at `frame` (1 between the fades).
    fn fade(&self, frame: u64) -> f64 {
        let mut g = 1.0;
        if frame < self.fade_in {
            g *= sin(FRAC_PI_2 * (frame as f64 + 0.5) / self.fade_in as f64);
        }
        let left = self.total.saturating_sub(frame);
        if left <= self.fade_out {
            g *= sin(FRAC_PI_2 * (left as f64 - 0.5).max(0.0) / self.fade_out as f64);
        }
        g
    }

    fn apply(&mut self, left: &mut [f32], right: &mut [f32]) {
        let start = self.position;
        let end = start + left.len() as u64;
        let fading = start < self.fade_in || end + self.fade_out > self.total;
        if fading {
            for (i, (l, r)) in left.iter_mut().zip(right.iter_mut()).enumerate() {
                let g = (self.fade(start + i as u64) * f64::from(self.gain)) as f32;
                *l *= g;
                *r *= g;
            }
        } else if self.gain != 1.0 {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                *l *= self.gain;
                *r *= self.gain;
            }
        }
        self.position = end;
    }
}

/// Makes the engine's blocks: fills `left` and `right` (prefilled with nothing in particular)
/// and returns how many frames it made, 0 at the end.
pub trait Source {
    fn fill(&mut self, left: &mut [f32], right: &mut [f32]) -> usize;
}

/// What a finished render measured, and how its loudness target went.
#[derive(Debug, Clone)]
pub struct Report {
    pub loudness: Loudness,
    /// Gain applied for the loudness target, dB (0 without one).
    pub gain_db: f64,
    /// Why the target was not reached, when it was not.
    pub short_of_target: Option<String>,
}

impl Report {
    /// The loudness line every render prints.
    pub fn summary(&self) -> String {
        let l = &self.loudness;
        let gain = if self.gain_db != 0.0 {
            format!(", gain {:+.1} dB", self.gain_db)
        } else {
            String::new()
        };
        format!(
            "{} integrated, range {:.1} LU, max momentary {}, max short-term {}, true peak {}{gain}",
            lufs(l.integrated_lufs),
            l.range_lu,
            lufs(l.max_momentary_lufs),
            lufs(l.max_short_term_lufs),
            dbtp(l.true_peak_dbtp),
        )
    }
}

/// A loudness for people: "-16.0 LUFS", or "silent".
pub fn lufs(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.1} LUFS")
    } else {
        "silent".to_owned()
    }
}

fn dbtp(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.1} dBTP")
    } else {
        "none".to_owned()
    }
}

/// Blocks under way between the engine's thread and the finishing one.
const BLOCKS_IN_FLIGHT: usize = 8;

/// One block of the engine's output on its way to the file.
struct Block {
    left: Vec<f32>,
    right: Vec<f32>,
    len: usize,
}

/// Runs `source` through the fades, `gain` and a meter, into `writer` when there is one.
///
/// The engine runs on this thread; the fades, the meter, the sample encoding and the writing
/// run on another, a few blocks behind, so a render uses two cores (the engine and the
/// measuring cost about the same). The order of the blocks, and so every sample, is the same
/// as on one thread.
fn pass(
    mut source: Box<dyn Source + '_>,
    plan: &Plan,
    finishing: &Finishing,
    gain: f32,
    writer: Option<&mut Writer>,
    bar: &FileProgress,
) -> Result<Loudness, String> {
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Block>(BLOCKS_IN_FLIGHT);
    let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Block>();
    for _ in 0..BLOCKS_IN_FLIGHT + 2 {
        let _ = empty_tx.send(Block {
            left: vec![0.0; BLOCK],
            right: vec![0.0; BLOCK],
            len: 0,
        });
    }
    let mut shaper = Shaper::new(plan.frames, plan.rate, finishing, gain);
    let mut meter = Meter::new(2, plan.rate)?;
    std::thread::scope(|scope| {
        let finisher = scope.spawn(move || -> Result<Loudness, String> {
            let mut writer = writer;
            let mut interleaved = vec![0.0f32; 2 * BLOCK];
            for mut block in full_rx {
                let n = block.len;
                let (left, right) = (&mut block.left[..n], &mut block.right[..n]);
                shaper.apply(left, right);
                meter.add_stereo(left, right);
                if let Some(writer) = writer.as_deref_mut() {
                    for (pair, (l, r)) in interleaved
                        .chunks_exact_mut(2)
                        .zip(left.iter().zip(right.iter()))
                    {
                        pair[0] = *l;
                        pair[1] = *r;
                    }
                    writer.write(&interleaved[..2 * n])?;
                }
                // The engine's thread may have stopped taking blocks back: nothing is lost.
                let _ = empty_tx.send(block);
            }
            Ok(meter.loudness())
        });
        let mut done = 0u64;
        let mut made = Ok(());
        while done < plan.frames {
            let Ok(mut block) = empty_rx.recv() else {
                break;
            };
            let want = (BLOCK as u64).min(plan.frames - done) as usize;
            let n = source.fill(&mut block.left[..want], &mut block.right[..want]);
            if n == 0 {
                made = Err(format!(
                    "the render ended after {done} of {} frames",
                    plan.frames
                ));
                break;
            }
            block.len = n;
            // A closed channel means the finishing thread failed: its error is reported.
            if full_tx.send(block).is_err() {
                break;
            }
            done += n as u64;
            bar.advance(n as u64);
        }
        drop(full_tx);
        let measured = finisher
            .join()
            .map_err(|_| "the writer stopped".to_owned())??;
        made.map(|()| measured)
    })
}

/// The gain (dB) that moves `measured` to `target` without the true peak passing the target's
/// limit or the Calm Guard's ceiling (less the guard's own headroom), and why it falls short
/// when it does.
pub fn gain_for(
    measured: &Loudness,
    target: &Target,
    ceiling_dbfs: Option<f64>,
) -> (f64, Option<String>) {
    if !measured.integrated_lufs.is_finite() {
        return (
            0.0,
            Some("the render is silent: there is no loudness to set".to_owned()),
        );
    }
    let wanted = target.lufs - measured.integrated_lufs;
    // The guard itself holds true peaks this far under its ceiling (room for meters whose
    // interpolators read higher than Murmur's), and so does the gain.
    let guard_limit = ceiling_dbfs.map(|c| c - f64::from(HEADROOM_DB));
    let (limit, limit_name) = match guard_limit {
        Some(level) if level < target.true_peak_dbtp => (
            level,
            format!(
                "the Calm Guard's ceiling ({:.1} dBFS, held with {HEADROOM_DB} dB of headroom)",
                level + f64::from(HEADROOM_DB)
            ),
        ),
        _ => (
            target.true_peak_dbtp,
            format!("the true-peak limit ({:.1} dBTP)", target.true_peak_dbtp),
        ),
    };
    let room = if measured.true_peak_dbtp.is_finite() {
        limit - measured.true_peak_dbtp
    } else {
        f64::INFINITY
    };
    if wanted <= room {
        return (wanted, None);
    }
    let reached = measured.integrated_lufs + room;
    (
        room,
        Some(format!(
            "reached {} of the {} asked: louder would take the true peak past {limit_name} \
             (its peaks are {:.1} dB above its loudness; raise Ceiling or --true-peak, or \
             choose a lower target)",
            lufs(reached),
            lufs(target.lufs),
            measured.true_peak_dbtp - measured.integrated_lufs,
        )),
    )
}

/// Renders `plan` into the file at `path`: `make_source` makes a fresh source per run (two runs
/// for a loudness target).
pub fn render_into<'a>(
    path: &std::path::Path,
    plan: &Plan,
    finishing: &Finishing,
    make_source: &mut dyn FnMut() -> Result<Box<dyn Source + 'a>, String>,
    bar: &FileProgress,
) -> Result<Report, String> {
    let mut writer = Writer::create(path, plan)?;
    let (gain_db, short_of_target) = match &finishing.target {
        None => (0.0, None),
        Some(target) => {
            let measured = pass(make_source()?, plan, finishing, 1.0, None, bar)?;
            gain_for(&measured, target, finishing.ceiling_dbfs)
        }
    };
    let gain = db_to_gain(gain_db as f32);
    let loudness = pass(
        make_source()?,
        plan,
        finishing,
        gain,
        Some(&mut writer),
        bar,
    )?;
    writer.finish()?;
    Ok(Report {
        loudness,
        gain_db: f64::from(gain_to_db(gain)),
        short_of_target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_by_number_and_name() {
        assert_eq!(parse_target("-16", -1.0).unwrap().lufs, -16.0);
        assert_eq!(parse_target("-23 LUFS", -1.0).unwrap().lufs, -23.0);
        assert_eq!(parse_target("YouTube", -1.0).unwrap().lufs, -14.0);
        assert_eq!(
            parse_target("broadcast", -2.0).unwrap().true_peak_dbtp,
            -2.0
        );
        assert!(
            parse_target("3", -1.0)
                .unwrap_err()
                .contains("above 0 LUFS")
        );
        assert!(parse_target("loud", -1.0).unwrap_err().contains("youtube"));
        assert!(
            parse_target("-16", 0.5)
                .unwrap_err()
                .contains("bad --true-peak")
        );
    }

    /// Equal power: fade-in and fade-out of the same length sum to one in power, frame by frame;
    /// the ends are near silence and the middle untouched.
    #[test]
    fn fades_are_equal_power_and_fit_the_render() {
        let finishing = Finishing {
            fade_in_s: 1.0,
            fade_out_s: 1.0,
            target: None,
            ceiling_dbfs: None,
        };
        let shaper = Shaper::new(10_000, 1000, &finishing, 1.0);
        assert_eq!((shaper.fade_in, shaper.fade_out), (1000, 1000));
        for i in 0..1000u64 {
            let a = shaper.fade(i);
            let b = shaper.fade(10_000 - 1000 + i);
            assert!((a * a + b * b - 1.0).abs() < 1e-9, "{i}: {a} {b}");
        }
        assert!(shaper.fade(0) < 1e-3 && shaper.fade(9_999) < 1e-3);
        assert_eq!(shaper.fade(5_000), 1.0);
        // Fades longer than the render shrink in proportion.
        let short = Shaper::new(600, 1000, &finishing, 1.0);
        assert_eq!((short.fade_in, short.fade_out), (300, 300));
        // Absurd lengths are the whole render, shared.
        let absurd = Finishing {
            fade_in_s: 1e300,
            fade_out_s: 0.2,
            ..finishing
        };
        let huge = Shaper::new(600, 1000, &absurd, 1.0);
        assert_eq!((huge.fade_in, huge.fade_out), (450, 150));
    }

    #[test]
    fn the_gain_stops_at_the_tighter_limit() {
        let measured = Loudness {
            integrated_lufs: -30.0,
            range_lu: 3.0,
            max_momentary_lufs: -25.0,
            max_short_term_lufs: -27.0,
            true_peak_dbtp: -20.0,
            sample_peak_dbfs: -20.5,
        };
        let target = Target {
            lufs: -16.0,
            true_peak_dbtp: -1.0,
        };
        // 14 dB wanted, 19 dB of room: reached.
        assert_eq!(gain_for(&measured, &target, None), (14.0, None));
        // The −6 dBFS ceiling, held with its headroom, leaves 14 dB: just reached.
        let ceiling = -6.0 + f64::from(HEADROOM_DB);
        assert_eq!(gain_for(&measured, &target, Some(ceiling)).0, 14.0);
        // A −10 dBFS ceiling leaves 10 dB less the headroom: short, and said.
        let (gain, why) = gain_for(&measured, &target, Some(-10.0));
        assert_eq!(gain, 10.0 - f64::from(HEADROOM_DB));
        let why = why.unwrap();
        assert!(
            why.starts_with("reached -20.5 LUFS of the -16.0 LUFS asked"),
            "{why}"
        );
        assert!(why.contains("Calm Guard's ceiling (-10.0 dBFS"), "{why}");
    }
}
