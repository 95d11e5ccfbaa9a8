//! Every host parameter ID with its display name, in declaration order. Saved sessions and
//! automation lanes store the IDs, so this list is frozen: entries are only ever appended.

/// `(id, name)` of every parameter.
pub const FROZEN: &[(&str, &str)] = &[
    ("motion", "Motion"),
    ("azim", "Azimuth"),
    ("elev", "Elevation"),
    ("dist", "Distance"),
    ("mrate", "Motion Rate"),
    ("msync", "Motion Sync"),
    ("mdiv", "Sync Division"),
    ("mdepth", "Motion Depth"),
    ("msoft", "Softness"),
    ("head", "Head Size"),
    ("prox", "Proximity"),
    ("width", "Stereo Width"),
    ("vgain", "Voice Level"),
    ("vmix", "Voice Mix"),
    ("seed", "Seed"),
    ("calm", "Calm Guard"),
    ("ceil", "Ceiling"),
    ("out", "Output"),
    ("bypass", "Bypass"),
];
