//! The parameters Murmur should expose to a CLAP host, as the design's parameter table (the
//! README's "Parameters") lists them. Checked by `parameters_match_the_design` in `clap_host.rs`.

/// What a parameter should look like to a CLAP host.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A continuous parameter: the host sees it normalized (0..1), its text shows plain values.
    Float {
        min: f64,
        max: f64,
        default: f64,
        /// More resolution at the low end: the default sits further right than a linear mapping
        /// would put it.
        skewed: bool,
    },
    /// An integer parameter: stepped, one step per value.
    Int {
        min: i64,
        max: i64,
        default: i64,
    },
    /// An enum parameter: stepped, one step per variant, text is the variant's name.
    Enum {
        variants: &'static [&'static str],
        default: usize,
    },
    Bool {
        default: bool,
    },
}

pub struct ExpectedParam {
    pub id: &'static str,
    pub name: &'static str,
    pub kind: Kind,
}

const fn float(min: f64, max: f64, default: f64) -> Kind {
    Kind::Float {
        min,
        max,
        default,
        skewed: false,
    }
}

const fn skewed(min: f64, max: f64, default: f64) -> Kind {
    Kind::Float {
        min,
        max,
        default,
        skewed: true,
    }
}

const MOTIONS: &[&str] = &[
    "Static",
    "Ear to Ear",
    "Orbit",
    "Figure Eight",
    "Drift",
    "Ear Hop",
];
const HRTFS: &[&str] = &["Sphere", "SOFA"];
const ROOMS: &[&str] = &["Off", "Booth", "Bedroom", "Living Room", "Bathroom"];
const SYNC_DIVISIONS: &[&str] = &["8 bars", "4 bars", "2 bars", "1 bar", "1/2", "1/4", "1/8"];

#[rustfmt::skip]
pub const EXPECTED_PARAMS: &[ExpectedParam] = &[
    ExpectedParam { id: "motion", name: "Motion", kind: Kind::Enum { variants: MOTIONS, default: 0 } },
    ExpectedParam { id: "azim", name: "Azimuth", kind: float(-180.0, 180.0, 0.0) },
    ExpectedParam { id: "elev", name: "Elevation", kind: float(-40.0, 80.0, 0.0) },
    ExpectedParam { id: "dist", name: "Distance", kind: skewed(0.1, 3.0, 0.5) },
    ExpectedParam { id: "mrate", name: "Motion Rate", kind: skewed(0.01, 2.0, 0.1) },
    ExpectedParam { id: "msync", name: "Motion Sync", kind: Kind::Bool { default: false } },
    ExpectedParam { id: "mdiv", name: "Sync Division", kind: Kind::Enum { variants: SYNC_DIVISIONS, default: 3 } },
    ExpectedParam { id: "mdepth", name: "Motion Depth", kind: float(0.0, 180.0, 90.0) },
    ExpectedParam { id: "msoft", name: "Softness", kind: float(0.0, 100.0, 50.0) },
    ExpectedParam { id: "head", name: "Head Size", kind: float(7.5, 10.5, 8.75) },
    ExpectedParam { id: "hrtf", name: "HRTF", kind: Kind::Enum { variants: HRTFS, default: 0 } },
    ExpectedParam { id: "prox", name: "Proximity", kind: float(0.0, 100.0, 100.0) },
    ExpectedParam { id: "width", name: "Stereo Width", kind: float(0.0, 100.0, 0.0) },
    ExpectedParam { id: "vgain", name: "Voice Level", kind: float(-60.0, 12.0, 0.0) },
    ExpectedParam { id: "vmix", name: "Voice Mix", kind: float(0.0, 100.0, 100.0) },
    ExpectedParam { id: "deess", name: "De-ess", kind: float(0.0, 100.0, 0.0) },
    ExpectedParam { id: "dnoise", name: "Denoise", kind: float(0.0, 100.0, 0.0) },
    ExpectedParam { id: "seed", name: "Seed", kind: Kind::Int { min: 1, max: 65535, default: 1 } },
    ExpectedParam { id: "calm", name: "Calm Guard", kind: Kind::Bool { default: true } },
    ExpectedParam { id: "ceil", name: "Ceiling", kind: float(-30.0, 0.0, -6.0) },
    ExpectedParam { id: "out", name: "Output", kind: float(-24.0, 12.0, 0.0) },
    ExpectedParam { id: "bypass", name: "Bypass", kind: Kind::Bool { default: false } },
    ExpectedParam { id: "anim", name: "Animate", kind: float(0.0, 100.0, 0.0) },
    ExpectedParam { id: "wind", name: "Wind-down", kind: float(0.0, 100.0, 0.0) },
    ExpectedParam { id: "room", name: "Room", kind: Kind::Enum { variants: ROOMS, default: 0 } },
    ExpectedParam { id: "rlvl", name: "Room Level", kind: float(-24.0, 6.0, 0.0) },
];
