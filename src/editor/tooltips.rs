//! What the editor's own controls do, in a creator's words (shown when the pointer rests on
//! them). The parameters' tooltips are in their tables (`params::tooltip`).

/// The Load… button beside the HRTF choice.
pub const LOAD_SOFA: &str = "Open a .sofa file: a measured head (a dummy head, or your own HRTF). \
     Picking one switches HRTF to SOFA.";

/// Added to Head Size's tooltip while HRTF is SOFA, where it has no effect.
pub const HEAD_SIZE_WITH_SOFA: &str =
    "It does nothing with SOFA: a measured head brings its own size.";
