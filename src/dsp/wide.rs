//! The AVX builds of the inner loops: the same Rust compiled twice, once for any x86-64 and once
//! with AVX (twice as many samples per instruction), and picked at run time.
//!
//! AVX alone adds no fused multiply-add, so both builds round every operation alike and render
//! the same samples (`tests/engine/render_hashes.rs` holds them to that on every processor).

/// Whether this processor runs the AVX builds (checked once, when an object is made).
pub fn has_avx() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Inside an `impl` whose type has a `wide: bool` field set by [`has_avx`]: defines `$name`,
/// which runs the `#[inline(always)]` method `$any` through `$avx`, the same method compiled
/// with AVX, when `wide` is set, and `$any` as it is otherwise.
///
/// ```text
/// avx_dispatch! {
///     /// Renders up to one control period.
///     fn render_chunk, render_chunk_avx => render_chunk_any(&mut self, chunk: Chunk)
/// }
/// ```
macro_rules! avx_dispatch {
    (
        $(#[$doc:meta])*
        $vis:vis fn $name:ident, $avx:ident => $any:ident(&mut self $(, $arg:ident: $ty:ty)*)
    ) => {
        $(#[$doc])*
        $vis fn $name(&mut self $(, $arg: $ty)*) {
            #[cfg(target_arch = "x86_64")]
            if self.wide {
                // SAFETY: `wide` is only set when the processor has AVX (`has_avx`).
                unsafe { self.$avx($($arg),*) };
                return;
            }
            self.$any($($arg),*);
        }

        /// The AVX build of the method above (see `crate::dsp::wide`).
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx")]
        unsafe fn $avx(&mut self $(, $arg: $ty)*) {
            self.$any($($arg),*);
        }
    };
}

pub(crate) use avx_dispatch;
