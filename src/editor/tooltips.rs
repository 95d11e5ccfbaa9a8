//! What each control does, in a creator's words (shown when the pointer rests on it).

/// The Load… button beside the HRTF choice.
pub const LOAD_SOFA: &str = "Open a .sofa file: a measured head (a dummy head, or your own HRTF). \
     Picking one switches HRTF to SOFA.";

/// Added to Head Size's tooltip while HRTF is SOFA, where it has no effect.
pub const HEAD_SIZE_WITH_SOFA: &str =
    "It does nothing with SOFA: a measured head brings its own size.";

/// The tooltip of the parameter with ID `id` (layer IDs without their number: `dens`, `type`).
pub fn for_id(id: &str) -> &'static str {
    // Layer parameters: `t1dens` → `dens`.
    let key = match id.strip_prefix('t') {
        Some(rest) if rest.starts_with(['1', '2', '3']) => &rest[1..],
        _ => id,
    };
    if key == "dist" && key != id {
        return "How far this layer's sounds are from the centre of the head.";
    }
    match key {
        "motion" => {
            "How the voice moves around the head: still, ear to ear, in circles, in a \
                     figure eight, drifting, or hopping from ear to ear."
        }
        "azim" => {
            "Where the voice sits around the head: 0° in front, 90° at the right ear, \
                   -90° at the left ear, 180° behind. Drag the dot in the head view."
        }
        "elev" => "How high the voice is: 0° at ear height, up to 80° above, down to -40°.",
        "dist" => {
            "How far the voice is from the centre of the head. Below 0.3 m it is right at \
                   the ear: warmer and more intimate."
        }
        "mrate" => "How fast the motion goes: cycles per second (0.1 Hz is one cycle in 10 s).",
        "msync" => "Ties the motion to the song's tempo and position instead of a rate.",
        "mdiv" => "How long one motion cycle lasts when synced to the song.",
        "mdepth" => "How far the motion swings either side of the voice's position.",
        "msoft" => "How gently the motion turns around and glides between points.",
        "head" => "The listener's head size (sphere model). The default suits most adults.",
        "hrtf" => {
            "Sphere: a model head, shaped by Head Size. SOFA: a measured head (a dummy head or \
                   your own HRTF) loaded from a .sofa file."
        }
        "prox" => "Extra warmth when the voice comes very close, like a mic near the lips.",
        "width" => {
            "For stereo recordings: 0 % folds them to one voice, 100 % keeps the two \
                    channels apart around the voice's position."
        }
        "vgain" => "Level of your recording going in.",
        "vmix" => "How much of the voice is moved around the head; the rest stays as recorded.",
        "deess" => "Softens harsh \"s\", \"sh\" and \"t\" sounds, only when they stand out.",
        "dnoise" => {
            "Removes steady hiss and hum that the recording picked up. It learns the \
                     noise from the pauses by itself."
        }
        "seed" => "Picks one of many random variations. The same seed always renders the same.",
        "calm" => {
            "Keeps the output under the ceiling, softly, so nothing ever startles a \
                   listener who is drifting off."
        }
        "ceil" => "The loudest the output may ever get.",
        "out" => "Overall output level, before Calm Guard.",
        "bypass" => "Passes the input through untouched.",
        "on" => "Turns this layer's own events on. MIDI notes play it either way.",
        "type" => "Which sound this layer makes.",
        "lvl" => "This layer's volume.",
        "dens" => "How many sounds per second, on average. 0 plays only from MIDI.",
        "reg" => "0 % is natural and random, 100 % is an even, metronomic pulse.",
        "sync" => "Places the sounds on the song's beat grid.",
        "div" => "The beat grid the sounds fall on when synced.",
        "var" => "How much each sound differs from the last in level, pitch and character.",
        "tone" => "Darker or brighter.",
        "size" => "The size of the object being tapped or crinkled: larger sounds lower.",
        "dec" => "How long each sound rings.",
        "plc" => {
            "Where the sounds appear: anywhere around the head, with the voice, at one \
                   ear, in front, or sweeping side to side."
        }
        "sprd" => "How wide an area the sounds are scattered over.",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamSheet;

    #[test]
    fn every_parameter_has_a_tooltip() {
        for entry in ParamSheet::new().params() {
            assert!(!for_id(&entry.id).is_empty(), "{}", entry.id);
        }
    }
}
