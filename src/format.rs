//! Value ⇄ text formatters for the host parameters (the `v2s`/`s2v` pairs).
//!
//! Hosts show these strings in automation lanes and generic editors, and send typed text back
//! through the `s2v` side, so every formatter here accepts what its twin prints (with or without
//! the unit) plus the obvious alternatives a user might type ("50 cm", "-6dB", "75%").

use std::sync::Arc;

/// Formats a plain value as text (without the unit, which the framework appends).
pub type ValueToString = Arc<dyn Fn(f32) -> String + Send + Sync>;
/// Parses user text back to a plain value; `None` rejects the text.
pub type StringToValue = Arc<dyn Fn(&str) -> Option<f32> + Send + Sync>;

/// Splits `"  -12.5 dB"` into `(-12.5, "db")`: the leading number and the lower-cased rest.
pub fn split_number(text: &str) -> Option<(f32, String)> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || ((c == '-' || c == '+') && i == 0)))
        .map_or(text.len(), |(i, _)| i);
    let value: f32 = text[..end].parse().ok()?;
    value
        .is_finite()
        .then(|| (value, text[end..].trim().to_ascii_lowercase()))
}

/// A number with a fixed count of decimals; never prints "-0.0".
pub fn v2s_decimals(digits: usize) -> ValueToString {
    Arc::new(move |value| {
        let scale = 10f32.powi(digits as i32);
        let value = if (value * scale).round() == 0.0 {
            0.0
        } else {
            value
        };
        format!("{value:.digits$}")
    })
}

/// Parses a number, accepting any of the `units` (lower case) or none.
pub fn s2v_number(units: &'static [&'static str]) -> StringToValue {
    Arc::new(move |text| {
        let (value, rest) = split_number(text)?;
        (rest.is_empty() || units.contains(&rest.as_str())).then_some(value)
    })
}

/// `0..=1` shown as a percentage (`0.5` → `"50"`; the unit `" %"` is appended by the framework).
pub fn v2s_percent() -> ValueToString {
    Arc::new(|value| format!("{:.0}", value * 100.0))
}

/// Parses `"50"`, `"50 %"` or `"50%"` to `0.5`.
pub fn s2v_percent() -> StringToValue {
    Arc::new(|text| {
        let (value, rest) = split_number(text)?;
        (rest.is_empty() || rest == "%").then_some(value / 100.0)
    })
}

/// Distances in metres: `"0.50"`; accepts any length unit (`"50 cm"`, `"0.5 m"`, `"500 mm"`).
pub fn s2v_metres() -> StringToValue {
    s2v_length(0)
}

/// Head radius in centimetres: `"8.75"`; accepts any length unit (`"87.5 mm"`, `"0.0875 m"`).
pub fn s2v_centimetres() -> StringToValue {
    s2v_length(-2)
}

/// A length shown in the unit of `shown` (its power of ten in metres: 0 for m, −2 for cm), typed
/// in that unit (no unit), or in m, cm or mm: one parser for every length, so that what works for
/// one parameter works for the other.
fn s2v_length(shown: i32) -> StringToValue {
    Arc::new(move |text| {
        let (value, rest) = split_number(text)?;
        let typed = match rest.as_str() {
            "" => shown,
            "m" => 0,
            "cm" => -2,
            "mm" => -3,
            _ => return None,
        };
        // Multiplied or divided by a power of ten, whichever keeps the conversion exact for
        // round numbers ("25 cm" is exactly 0.25 m as an f32 division, not as 25 × 0.01).
        let shift = typed - shown;
        Some(if shift >= 0 {
            value * 10f32.powi(shift)
        } else {
            value / 10f32.powi(-shift)
        })
    })
}

/// Frequencies in hertz; accepts `"0.5 Hz"` and a period such as `"4 s"` (→ 0.25 Hz).
pub fn s2v_hertz() -> StringToValue {
    Arc::new(|text| {
        let (value, rest) = split_number(text)?;
        match rest.as_str() {
            "" | "hz" => Some(value),
            "s" | "sec" if value > 0.0 => Some(1.0 / value),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_what_it_prints() {
        let v2s = v2s_decimals(1);
        let s2v = s2v_number(&["°"]);
        for value in [-180.0, -0.04, 0.0, 12.5, 180.0] {
            let text = format!("{} °", v2s(value));
            let back = s2v(&text).unwrap();
            assert!((back - value).abs() <= 0.05, "{value} -> {text} -> {back}");
        }
        assert_eq!(v2s(-0.01), "0.0");
    }

    #[test]
    fn accepts_alternative_units() {
        assert_eq!(s2v_metres()("50 cm"), Some(0.5));
        assert_eq!(s2v_metres()("1.5m"), Some(1.5));
        assert_eq!(s2v_centimetres()("90 mm"), Some(9.0));
        assert_eq!(s2v_centimetres()("0.09 m"), Some(9.0));
        assert_eq!(s2v_centimetres()("8.75 cm"), Some(8.75));
        assert_eq!(s2v_metres()("250 mm"), Some(0.25));
        assert_eq!(s2v_metres()("25 cm"), Some(0.25));
        assert_eq!(s2v_hertz()("4 s"), Some(0.25));
        assert_eq!(s2v_percent()("75%"), Some(0.75));
        assert_eq!(s2v_number(&["db"])("-6dB"), Some(-6.0));
        assert_eq!(s2v_number(&["db"])("+3 dB"), Some(3.0));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(s2v_number(&["db"])("loud"), None);
        assert_eq!(s2v_metres()("3 parsecs"), None);
        assert_eq!(s2v_percent()("NaN"), None);
        assert_eq!(s2v_hertz()("0 s"), None);
    }
}
