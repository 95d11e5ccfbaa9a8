//! The state Murmur 0.1.0 saved: it must keep loading with its values.

use super::*;

//
// `tests/fixtures/state-0.1.0.json` is the JSON document Murmur 0.1.0 saved (nice-plug's
// format, byte for byte), with the values below: projects in the wild hold states like it, and
// every later version must load it with these values. A change that would break this (an id
// renamed, a range or unit changed so that the saved plain value means something else, a choice
// removed, a persistent field in a new format) must not edit the fixture or this table: it must
// migrate old states in `params::sanitize_state`, which nice-plug runs (through
// `Plugin::filter_state`) on every state before loading it — telling old states by
// `state.version` ("0.1.0" here) and rewriting their `params` and `fields` into the new form —
// and add a fixture of the new version beside this one, with its own test.

pub(super) fn fixture_path() -> PathBuf {
    testkit::fixture("state-0.1.0.json")
}

/// A value the fixture holds: `(id, as typed in Murmur 0.1.0, as Murmur shows it)`.
pub(super) enum Shown {
    /// A number in the parameter's display unit (degrees, metres, %, dB …).
    Number(f64),
    /// A choice's or a switch's name.
    Name(&'static str),
}

use Shown::{Name, Number};

pub(super) const RELEASE_0_1_0: &[(&str, &str, Shown)] = &[
    ("motion", "Figure Eight", Name("Figure Eight")),
    ("azim", "-60", Number(-60.0)),
    ("elev", "15", Number(15.0)),
    ("dist", "1.2 m", Number(1.2)),
    ("mrate", "0.25 Hz", Number(0.25)),
    ("msync", "On", Name("On")),
    ("mdiv", "1/4", Name("1/4")),
    ("mdepth", "45", Number(45.0)),
    ("msoft", "80 %", Number(80.0)),
    ("head", "9.5 cm", Number(9.5)),
    ("hrtf", "SOFA", Name("SOFA")),
    ("prox", "40 %", Number(40.0)),
    ("width", "70 %", Number(70.0)),
    ("vgain", "-3 dB", Number(-3.0)),
    ("vmix", "85 %", Number(85.0)),
    ("deess", "30 %", Number(30.0)),
    ("dnoise", "20 %", Number(20.0)),
    ("seed", "4242", Number(4242.0)),
    ("calm", "Off", Name("Off")),
    ("ceil", "-9 dB", Number(-9.0)),
    ("out", "-2 dB", Number(-2.0)),
    ("t1on", "On", Name("On")),
    ("t1type", "Nail Tap", Name("Nail Tap")),
    ("t1lvl", "-18 dB", Number(-18.0)),
    ("t1dens", "3.5", Number(3.5)),
    ("t1sync", "On", Name("On")),
    ("t1div", "1/16", Name("1/16")),
    ("t2on", "On", Name("On")),
    ("t2type", "Paper", Name("Paper")),
    ("t2plc", "Left Ear", Name("Left Ear")),
    ("t2dist", "0.15 m", Number(0.15)),
    ("t2tone", "-40 %", Number(-40.0)),
    ("t3type", "Rain", Name("Rain")),
    ("t3sprd", "45", Number(45.0)),
    ("t3dec", "70 %", Number(70.0)),
    ("t3reg", "60 %", Number(60.0)),
    ("t3var", "10 %", Number(10.0)),
    ("t3size", "25 %", Number(25.0)),
];

pub(super) const RELEASE_0_1_0_EDITOR_SIZE: (u32, u32) = (1200, 810);
/// A file that exists on the user's machine only: the project keeps naming it.
pub(super) const RELEASE_0_1_0_SOFA_PATH: &str =
    "/home/m\u{e9}lodie/HRTF sets/KEMAR \u{2013} near \"B\".sofa";

#[test]
pub(super) fn the_state_murmur_0_1_0_saved_loads_with_its_values() {
    quiet_plugin_log();
    let json = std::fs::read(fixture_path()).expect("read tests/fixtures/state-0.1.0.json");
    let murmur = Murmur::new();
    assert!(
        murmur.load_state(&framed(&json)),
        "Murmur refuses the state 0.1.0 saved"
    );

    let mut problems = Vec::new();
    for info in murmur.all_params() {
        let value = murmur.value(info.id);
        let text = murmur.value_to_text(info.id, value);
        let listed = RELEASE_0_1_0
            .iter()
            .find(|(id, ..)| clap_param_id(id) == info.id);
        match listed {
            Some((_, _, Number(expected))) => {
                problems.extend(check_text(
                    &murmur,
                    &info,
                    value,
                    *expected,
                    "0.1.0's value",
                ));
            }
            Some((_, _, Name(expected))) if text != *expected => problems.push(format!(
                "{}: 0.1.0 saved {expected:?}, Murmur shows {text:?}",
                info.name
            )),
            Some(_) => {}
            // Everything else was at its default in 0.1.0.
            None if value != info.default_value => problems.push(format!(
                "{}: 0.1.0 saved its default, Murmur shows {text:?}",
                info.name
            )),
            None => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The persistent fields come back in the state Murmur saves now.
    let saved = parse_saved(&murmur.save_state()).unwrap();
    let fields = Fields::of(&saved).unwrap();
    assert_eq!(fields.editor_size, RELEASE_0_1_0_EDITOR_SIZE);
    assert_eq!(fields.sofa_path, RELEASE_0_1_0_SOFA_PATH);
}

/// The fixture's sanity: Murmur 0.1.0 wrote it, so it holds every parameter of 0.1.0 and the
/// values of the table. Regenerate (only ever with Murmur 0.1.0) with
/// `MURMUR_WRITE_STATE_FIXTURE=1 cargo test --test state_fuzz -- --ignored write_`.
#[test]
#[ignore = "writes tests/fixtures/state-0.1.0.json; only Murmur 0.1.0 may"]
pub(super) fn write_the_0_1_0_state_fixture() {
    quiet_plugin_log();
    assert_eq!(env!("CARGO_PKG_VERSION"), "0.1.0", "the fixture is 0.1.0's");
    assert!(
        std::env::var_os("MURMUR_WRITE_STATE_FIXTURE").is_some(),
        "set MURMUR_WRITE_STATE_FIXTURE=1 to overwrite the fixture"
    );
    let mut murmur = Murmur::new();
    murmur.select_layout(2, 2);
    // Every value as a user types it, sent as the host sends automation.
    let changes: Vec<ParamChange> = RELEASE_0_1_0
        .iter()
        .map(|(id, typed, _)| {
            let info = murmur.param_by_id(id);
            let value = murmur
                .text_to_value(info.id, typed)
                .unwrap_or_else(|| panic!("{id}: Murmur does not read {typed:?}"));
            ParamChange {
                offset: 0,
                id: info.id,
                value,
            }
        })
        .collect();
    let mut processor = murmur.activate(48_000.0, 2);
    processor.process(BLOCK, &changes);
    murmur.deactivate(processor);
    // The editor sets these; no CLAP call does, so a state naming only them sets them here.
    let fields = format!(
        r#"{{"params": {{}}, "fields": {{"editor-size": {}, "sofa-path": {}}}}}"#,
        to_json(&to_json(&RELEASE_0_1_0_EDITOR_SIZE).unwrap()).unwrap(),
        to_json(&to_json(RELEASE_0_1_0_SOFA_PATH).unwrap()).unwrap(),
    );
    assert!(murmur.load_state(&framed(fields.as_bytes())));
    let saved = murmur.save_state();
    std::fs::write(fixture_path(), &saved[8..]).expect("write the fixture");
}
