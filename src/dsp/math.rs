//! The transcendental functions Murmur's sound is made with, computed by the `libm` crate (the
//! Rust port of musl's maths library) instead of the system's C library.
//!
//! glibc, the Windows C runtime and Apple's libm each round some results of `sin`, `exp` or
//! `pow` differently in the last bit, and oscillators, envelopes and recursive filters carry
//! such a difference on for thousands of samples: the Windows build under Wine rendered the same
//! settings up to 1.0e-6 away from the Linux build. Through these functions every system computes
//! the same bits, so a project renders the same samples wherever it is opened.
//!
//! `powi` needs no stand-in as Murmur uses it: small non-negative whole powers, which every
//! system computes by the same multiplications (a negative power, `1 / x^n`, may round
//! differently on Windows, whose MinGW runtime supplies it).

/// The floating-point types the functions below take.
pub trait Real: Copy {
    fn libm_sin(self) -> Self;
    fn libm_cos(self) -> Self;
    fn libm_exp(self) -> Self;
    fn libm_exp2(self) -> Self;
    fn libm_ln(self) -> Self;
    fn libm_log10(self) -> Self;
    fn libm_log2(self) -> Self;
    fn libm_pow(self, exponent: Self) -> Self;
    fn libm_tanh(self) -> Self;
    fn libm_acos(self) -> Self;
    fn libm_asin(self) -> Self;
    fn libm_atan2(self, x: Self) -> Self;
    fn libm_sin_cos(self) -> (Self, Self);
}

/// `Real` for one type, from `libm`'s functions of that type.
macro_rules! real_from_libm {
    ($type:ty: $sin:ident, $cos:ident, $exp:ident, $exp2:ident, $ln:ident, $log10:ident,
     $log2:ident, $pow:ident, $tanh:ident, $acos:ident, $asin:ident, $atan2:ident, $sin_cos:ident) => {
        impl Real for $type {
            fn libm_sin(self) -> $type {
                libm::$sin(self)
            }
            fn libm_cos(self) -> $type {
                libm::$cos(self)
            }
            fn libm_exp(self) -> $type {
                libm::$exp(self)
            }
            fn libm_exp2(self) -> $type {
                libm::$exp2(self)
            }
            fn libm_ln(self) -> $type {
                libm::$ln(self)
            }
            fn libm_log10(self) -> $type {
                libm::$log10(self)
            }
            fn libm_log2(self) -> $type {
                libm::$log2(self)
            }
            fn libm_pow(self, exponent: $type) -> $type {
                libm::$pow(self, exponent)
            }
            fn libm_tanh(self) -> $type {
                libm::$tanh(self)
            }
            fn libm_acos(self) -> $type {
                libm::$acos(self)
            }
            fn libm_asin(self) -> $type {
                libm::$asin(self)
            }
            fn libm_atan2(self, x: $type) -> $type {
                libm::$atan2(self, x)
            }
            fn libm_sin_cos(self) -> ($type, $type) {
                libm::$sin_cos(self)
            }
        }
    };
}

real_from_libm!(f32: sinf, cosf, expf, exp2f, logf, log10f, log2f, powf, tanhf, acosf, asinf, atan2f, sincosf);
real_from_libm!(f64: sin, cos, exp, exp2, log, log10, log2, pow, tanh, acos, asin, atan2, sincos);

/// Sine of `x` radians.
#[inline]
pub fn sin<T: Real>(x: T) -> T {
    x.libm_sin()
}

/// Cosine of `x` radians.
#[inline]
pub fn cos<T: Real>(x: T) -> T {
    x.libm_cos()
}

/// Base-2 logarithm of `x`.
#[inline]
pub fn log2<T: Real>(x: T) -> T {
    x.libm_log2()
}

/// e to the power `x`.
#[inline]
pub fn exp<T: Real>(x: T) -> T {
    x.libm_exp()
}

/// 2 to the power `x`.
#[inline]
pub fn exp2<T: Real>(x: T) -> T {
    x.libm_exp2()
}

/// Natural logarithm.
#[inline]
pub fn ln<T: Real>(x: T) -> T {
    x.libm_ln()
}

/// Base-10 logarithm.
#[inline]
pub fn log10<T: Real>(x: T) -> T {
    x.libm_log10()
}

/// `base` to the power `exponent`.
#[inline]
pub fn pow<T: Real>(base: T, exponent: T) -> T {
    base.libm_pow(exponent)
}

/// Hyperbolic tangent.
#[inline]
pub fn tanh<T: Real>(x: T) -> T {
    x.libm_tanh()
}

/// Arccosine, radians.
#[inline]
pub fn acos<T: Real>(x: T) -> T {
    x.libm_acos()
}

/// Arcsine, radians.
#[inline]
pub fn asin<T: Real>(x: T) -> T {
    x.libm_asin()
}

/// The angle of the point `(x, y)`, radians in `[-π, π]`.
#[inline]
pub fn atan2<T: Real>(y: T, x: T) -> T {
    y.libm_atan2(x)
}

/// Sine and cosine of `x` radians.
#[inline]
pub fn sin_cos<T: Real>(x: T) -> (T, T) {
    x.libm_sin_cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stand-ins agree with the system's functions to within rounding (a few units in the
    /// last place), so swapping them changed no sound audibly.
    #[test]
    fn the_functions_agree_with_the_systems_within_rounding() {
        let close = |ours: f64, system: f64| {
            (ours - system).abs() <= 4.0 * f64::EPSILON * system.abs().max(f64::MIN_POSITIVE)
        };
        let close32 = |ours: f32, system: f32| {
            (ours - system).abs() <= 4.0 * f32::EPSILON * system.abs().max(f32::MIN_POSITIVE)
        };
        for k in 1..2000 {
            let x = k as f64 * 0.0137 - 10.0;
            assert!(
                close(sin(x), x.sin()) || (sin(x) - x.sin()).abs() < 1e-15,
                "sin {x}"
            );
            assert!(
                close(cos(x), x.cos()) || (cos(x) - x.cos()).abs() < 1e-15,
                "cos {x}"
            );
            assert!(close(exp(x), x.exp()), "exp {x}");
            assert!(close(exp2(x), x.exp2()), "exp2 {x}");
            assert!(close(tanh(x), x.tanh()), "tanh {x}");
            assert!(close(pow(1.7, x), 1.7f64.powf(x)), "pow {x}");
            let y = x.abs() + 1e-3;
            assert!(
                close(ln(y), y.ln()) || (ln(y) - y.ln()).abs() < 1e-15,
                "ln {y}"
            );
            assert!(close(log10(y), y.log10()) || (log10(y) - y.log10()).abs() < 1e-15);
            let x = x as f32;
            assert!(
                close32(sin(x), x.sin()) || (sin(x) - x.sin()).abs() < 1e-7,
                "sinf {x}"
            );
            assert!(
                close32(cos(x), x.cos()) || (cos(x) - x.cos()).abs() < 1e-7,
                "cosf {x}"
            );
            assert!(close32(exp(x), x.exp()), "expf {x}");
            assert!(close32(exp2(x), x.exp2()), "exp2f {x}");
            assert!(close32(pow(1.7f32, x), 1.7f32.powf(x)), "powf {x}");
            assert!(close32(tanh(x), x.tanh()), "tanhf {x}");
            let c = (k as f32 / 1000.0 - 1.0).clamp(-1.0, 1.0);
            assert!(
                close32(acos(c), c.acos()) || (acos(c) - c.acos()).abs() < 1e-7,
                "acosf {c}"
            );
        }
    }
}
