//! The fuzzer's inputs: arbitrary bytes, mutated saved states and generated state documents.

use super::*;

/// Numbers as a hand-edited or corrupted file may hold them, including text JSON forbids.
pub(super) const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "1.5",
    "-7",
    "99",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "4294967295",
    "4294967296",
    "18446744073709551616",
    "1e30",
    "-1e30",
    "3.4028235e38",
    "3.4028236e38",
    "1e39",
    "-1e39",
    "1.7976931348623157e308",
    "1e309",
    "-1e309",
    "1e-45",
    "1e-46",
    "5e-324",
    "1e-400",
    "1E2",
    "123456789012345678901234567890",
    "0.0000000000000000000000000000000000000000000001",
    "NaN",
    "-NaN",
    "Infinity",
    "-Infinity",
    "inf",
    "+1",
    "01",
    "1.",
    ".5",
    "1e",
    "-",
    "0x10",
    "1_000",
    "--1",
];

/// Strings a state may hold where an id, a choice or a path goes.
pub(super) fn interesting_string(rng: &mut Pcg64, vocabulary: &Vocabulary) -> Vec<u8> {
    const FIXED: &[&[u8]] = &[
        b"",
        b"sphere",
        b"sofa",
        b"SOFA",
        b"Sphere",
        b"sphere ",
        b" static",
        b"orbit",
        b"1/4",
        b"1/32",
        b"8bar",
        b"shh",
        b"around",
        "sph\u{e8}re".as_bytes(),
        "\u{1f3a7}".as_bytes(),
        b"\0",
        b"\\",
        b"\"",
        b"null",
        b"1",
        b"[960,640]",
        b"\"\"",
        b"\xff\xfe",
        b"\xc0\x80",
        b"\xed\xa0\x80",
        b"\xe2\x82",
        b"a\x00b",
    ];
    match rng.random_range(0..10) {
        0..=4 => FIXED[rng.random_range(0..FIXED.len())].to_vec(),
        5 => vocabulary.any_choice_id(rng).as_bytes().to_vec(),
        6 => vocabulary.any_param_id(rng).as_bytes().to_vec(),
        7 => {
            let len = *[256, 4096, 65_536, 1 << 20]
                .get(rng.random_range(0..4))
                .unwrap();
            vec![b'a' + rng.random_range(0..26u8); len]
        }
        8 => (0..rng.random_range(0..24))
            .map(|_| rng.random_range(0x20..0x7fu8))
            .collect(),
        _ => (0..rng.random_range(0..24)).map(|_| rng.random()).collect(),
    }
}

pub(super) fn interesting_number(rng: &mut Pcg64) -> String {
    match rng.random_range(0..4) {
        0 => NUMBERS[rng.random_range(0..NUMBERS.len())].to_owned(),
        1 => {
            let value = f32::from_bits(rng.random());
            if value.is_finite() {
                format!("{value:e}")
            } else {
                "1e39".to_owned()
            }
        }
        2 => rng.random::<i64>().to_string(),
        _ => format!("{}", rng.random_range(-1000.0..1000.0f32)),
    }
}

/// A number for a parameter: mostly in or near its range.
pub(super) fn number_for(rng: &mut Pcg64, p: &Spec) -> String {
    let span = (p.max - p.min).max(1.0);
    match rng.random_range(0..6) {
        0..=2 if p.kind == Kind::Float => {
            format!("{}", rng.random_range(p.min - span..p.max + span))
        }
        0..=2 => rng
            .random_range((p.min - span) as i64..=(p.max + span) as i64)
            .to_string(),
        3 => format!("{}", [p.min, p.max, p.default][rng.random_range(0..3)]),
        _ => interesting_number(rng),
    }
}

/// Param ids, choice ids and the persistent fields' keys.
pub(super) struct Vocabulary {
    pub(super) params: Vec<Spec>,
}

impl Vocabulary {
    pub(super) fn new(model: &Model) -> Self {
        Self {
            params: model.params.iter().map(|p| p.spec.clone()).collect(),
        }
    }

    pub(super) fn any_param_id<'a>(&'a self, rng: &mut Pcg64) -> &'a str {
        &self.params[rng.random_range(0..self.params.len())].id
    }

    pub(super) fn any_choice_id(&self, rng: &mut Pcg64) -> &'static str {
        let choices: Vec<&Vec<&'static str>> = self
            .params
            .iter()
            .filter_map(|spec| match &spec.kind {
                Kind::Choice(ids) => Some(ids),
                _ => None,
            })
            .collect();
        let ids = choices[rng.random_range(0..choices.len())];
        ids[rng.random_range(0..ids.len())]
    }

    /// A parameter key: mostly a real id, sometimes one Murmur does not have.
    pub(super) fn key(&self, rng: &mut Pcg64) -> Vec<u8> {
        match rng.random_range(0..8) {
            0..=4 => self.any_param_id(rng).as_bytes().to_vec(),
            5 => format!("t{}on", rng.random_range(0..6)).into_bytes(),
            6 => self.any_param_id(rng).to_uppercase().into_bytes(),
            _ => interesting_string(rng, self),
        }
    }

    /// A serialized value for the parameter named `id` (`{"f32": 1.5}` …): mostly of the
    /// parameter's kind, sometimes of another kind or malformed.
    pub(super) fn param_value(&self, rng: &mut Pcg64, id: &[u8]) -> Json {
        let param = self.params.iter().find(|spec| spec.id.as_bytes() == id);
        let number = |rng: &mut Pcg64| match param {
            Some(spec) => Json::Num(number_for(rng, spec)),
            None => Json::Num(interesting_number(rng)),
        };
        let roll = rng.random_range(0..10);
        match (param.map(|spec| &spec.kind), roll) {
            (Some(Kind::Float), 0..=5) => Json::obj(vec![("f32", number(rng))]),
            (Some(Kind::Int), 0..=5) => Json::obj(vec![("i32", number(rng))]),
            (Some(Kind::Bool), 0..=5) => Json::obj(vec![("bool", Json::Bool(rng.random()))]),
            (Some(Kind::Choice(ids)), 0..=2) => Json::obj(vec![(
                "string",
                Json::str(ids[rng.random_range(0..ids.len())]),
            )]),
            (Some(Kind::Choice(_)), 3 | 4) => {
                Json::obj(vec![("string", Json::Str(interesting_string(rng, self)))])
            }
            (Some(Kind::Choice(_)), 5) => {
                Json::obj(vec![("i32", Json::num(rng.random_range(-3..12)))])
            }
            (_, 0..=6) => {
                let tag = ["f32", "i32", "bool", "string"][rng.random_range(0..4)];
                let inner = match tag {
                    "bool" => Json::Bool(rng.random()),
                    "string" => Json::Str(interesting_string(rng, self)),
                    _ => number(rng),
                };
                Json::obj(vec![(tag, inner)])
            }
            (_, 7) => match rng.random_range(0..9) {
                0 => Json::obj(vec![("F32", Json::num(1))]),
                1 => Json::obj(vec![("f32", Json::num(1)), ("i32", Json::num(2))]),
                2 => Json::obj(vec![]),
                3 => Json::obj(vec![("f32", Json::str("1.0"))]),
                4 => Json::obj(vec![("f32", Json::Null)]),
                5 => Json::obj(vec![("bool", Json::num(1))]),
                6 => Json::obj(vec![("i32", Json::num("1.5"))]),
                7 => Json::str("f32"),
                _ => Json::Arr(vec![Json::str("f32"), Json::num(1)]),
            },
            _ => self.random_json(rng, 0),
        }
    }

    /// A value nice-plug can parse for the parameter named `id`: of its kind (any number that
    /// fits the type, a choice by id or index) or, less often, of another kind.
    pub(super) fn well_formed_value(&self, rng: &mut Pcg64, id: &[u8]) -> Json {
        let param = self.params.iter().find(|spec| spec.id.as_bytes() == id);
        let float = |rng: &mut Pcg64| {
            const EXTREMES: &[&str] = &[
                "0",
                "-0",
                "1e30",
                "-1e30",
                "3.4028235e38",
                "1e39",
                "-1e39",
                "1e300",
                "1e-45",
                "1e-300",
            ];
            Json::Num(match (param, rng.random_range(0..10)) {
                (Some(spec), 0..=5) => {
                    let span = (spec.max - spec.min).max(1.0);
                    format!("{}", rng.random_range(spec.min - span..spec.max + span))
                }
                (Some(spec), 6) => format!(
                    "{}",
                    [spec.min, spec.max, spec.default][rng.random_range(0..3)]
                ),
                (_, 7 | 8) => EXTREMES[rng.random_range(0..EXTREMES.len())].to_owned(),
                _ => {
                    let value = f32::from_bits(rng.random());
                    if value.is_finite() {
                        format!("{value:e}")
                    } else {
                        "-1e39".to_owned()
                    }
                }
            })
        };
        let int = |rng: &mut Pcg64| {
            Json::num(match (param, rng.random_range(0..10)) {
                (Some(spec), 0..=5) => {
                    let (lo, hi) = (spec.min as i64 - 10, spec.max as i64 + 10);
                    rng.random_range(lo..=hi)
                }
                (_, 6 | 7) => [0, -1, i32::MAX as i64, i32::MIN as i64][rng.random_range(0..4)],
                _ => rng.random::<i32>() as i64,
            })
        };
        let text = |rng: &mut Pcg64| -> Vec<u8> {
            match rng.random_range(0..3) {
                0 => self.any_choice_id(rng).as_bytes().to_vec(),
                1 => "\"\\\u{e9}\0".as_bytes().to_vec(),
                _ => (0..rng.random_range(0..24))
                    .map(|_| rng.random_range(0x20..0x7fu8))
                    .collect(),
            }
        };
        match (param.map(|spec| &spec.kind), rng.random_range(0..10)) {
            (Some(Kind::Float), 0..=7) => Json::obj(vec![("f32", float(rng))]),
            (Some(Kind::Int), 0..=7) => Json::obj(vec![("i32", int(rng))]),
            (Some(Kind::Bool), 0..=7) => Json::obj(vec![("bool", Json::Bool(rng.random()))]),
            (Some(Kind::Choice(ids)), 0..=4) => Json::obj(vec![(
                "string",
                Json::str(ids[rng.random_range(0..ids.len())]),
            )]),
            (Some(Kind::Choice(_)), 5) => Json::obj(vec![("string", Json::Str(text(rng)))]),
            (Some(Kind::Choice(_)), 6 | 7) => Json::obj(vec![("i32", int(rng))]),
            _ => match rng.random_range(0..4) {
                0 => Json::obj(vec![("f32", float(rng))]),
                1 => Json::obj(vec![("i32", int(rng))]),
                2 => Json::obj(vec![("bool", Json::Bool(rng.random()))]),
                _ => Json::obj(vec![("string", Json::Str(text(rng)))]),
            },
        }
    }

    pub(super) fn random_json(&self, rng: &mut Pcg64, depth: usize) -> Json {
        match rng.random_range(0..7) {
            0 => Json::Null,
            1 => Json::Bool(rng.random()),
            2 => Json::Num(interesting_number(rng)),
            3 => Json::Str(interesting_string(rng, self)),
            4 if depth < 3 => Json::Arr(
                (0..rng.random_range(0..4))
                    .map(|_| self.random_json(rng, depth + 1))
                    .collect(),
            ),
            5 if depth < 3 => Json::Obj(
                (0..rng.random_range(0..4))
                    .map(|_| (self.key(rng), self.random_json(rng, depth + 1)))
                    .collect(),
            ),
            _ => {
                let key = self.key(rng);
                self.param_value(rng, &key)
            }
        }
    }

    /// A value for the `editor-size` field: the JSON text of the size, or not.
    pub(super) fn editor_size(&self, rng: &mut Pcg64) -> Json {
        const SIZES: &[&str] = &[
            "[960,640]",
            "[1200,810]",
            "[0,0]",
            "[1,1]",
            "[799,559]",
            "[800,560]",
            "[65535,65535]",
            "[4294967295,4294967295]",
            "[4294967296,1]",
            "[-1,5]",
            "[1.5,2]",
            "[1]",
            "[1,2,3]",
            "{}",
            "null",
            "\"[1,2]\"",
            "",
            " [ 1200 , 810 ] ",
            "[1200,810] x",
        ];
        match rng.random_range(0..8) {
            0..=4 => Json::str(SIZES[rng.random_range(0..SIZES.len())]),
            5 => {
                Json::Str(format!("[{},{}]", rng.random::<u32>(), rng.random::<u32>()).into_bytes())
            }
            6 => Json::Num(interesting_number(rng)),
            _ => self.random_json(rng, 1),
        }
    }

    /// A value for the `sofa-path` field: the JSON text of a path string, or not.
    pub(super) fn sofa_path(&self, rng: &mut Pcg64) -> Json {
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sphere-44k1.sofa"
        );
        let path: Vec<u8> = match rng.random_range(0..16) {
            0 => b"".to_vec(),
            1 => b"/nonexistent/heads/kemar.sofa".to_vec(),
            2 => b"relative/kemar.sofa".to_vec(),
            3 => b"/".to_vec(),
            4 => b"/dev/null".to_vec(),
            // Devices that never end: reading one would take all memory.
            5 => b"/dev/zero".to_vec(),
            6 => b"/dev/urandom".to_vec(),
            7 => b"C:\\Users\\me\\HRTF\\kemar.sofa".to_vec(),
            8 => b"/tmp/\0/kemar.sofa".to_vec(),
            9 => vec![b'a'; rng.random_range(200..70_000)],
            10 => "/home/m\u{e9}lodie/HRTF sets/KEMAR \u{2013} near.sofa"
                .as_bytes()
                .to_vec(),
            11 => b"/proc/self/status".to_vec(),
            // A real set, rarely: every change of path starts a background load.
            12 if rng.random_range(0..64) == 0 => fixture.as_bytes().to_vec(),
            12 => fixture
                .replace("sphere-44k1.sofa", "missing.sofa")
                .into_bytes(),
            _ => interesting_string(rng, self),
        };
        match rng.random_range(0..10) {
            // The path as nice-plug stores it: the JSON text of the string.
            0..=6 => {
                let mut inner = Vec::new();
                write_string(&path, &mut inner);
                Json::Str(inner)
            }
            // The bare path, which is not JSON text.
            7 => Json::Str(path),
            8 => Json::Num(interesting_number(rng)),
            _ => self.random_json(rng, 1),
        }
    }
}

/// Applies 1 to 3 structure-aware mutations to `root`; says what it did.
pub(super) fn mutate_tree(
    rng: &mut Pcg64,
    root: &mut Json,
    vocabulary: &Vocabulary,
    notes: &mut Vec<String>,
) {
    for _ in 0..rng.random_range(1..=3) {
        match rng.random_range(0..13) {
            0 => {
                let paths = root.paths();
                let path = &paths[rng.random_range(0..paths.len())];
                *root.at_mut(path) = vocabulary.random_json(rng, 1);
                notes.push(format!("replaced node {path:?}"));
            }
            1..=3 => {
                if let Some(Json::Obj(params)) = root.get_mut("params")
                    && !params.is_empty()
                {
                    let i = rng.random_range(0..params.len());
                    let value = vocabulary.param_value(rng, &params[i].0);
                    notes.push(format!("param {}", String::from_utf8_lossy(&params[i].0)));
                    params[i].1 = value;
                } else {
                    notes.push("params is not an object".into());
                }
            }
            4 | 5 => {
                let editor = rng.random_bool(0.5);
                let (key, value) = if editor {
                    ("editor-size", vocabulary.editor_size(rng))
                } else {
                    ("sofa-path", vocabulary.sofa_path(rng))
                };
                notes.push(format!("field {key}"));
                match root.get_mut("fields") {
                    Some(Json::Obj(fields)) => {
                        fields.retain(|(k, _)| k != key.as_bytes());
                        if rng.random_range(0..8) > 0 {
                            fields.push((key.as_bytes().to_vec(), value));
                        }
                    }
                    _ => notes.push("fields is not an object".into()),
                }
            }
            6..=8 => {
                let objects: Vec<Vec<usize>> = root
                    .paths()
                    .into_iter()
                    .filter(|p| matches!(root.at(p), Json::Obj(_)))
                    .collect();
                let Some(path) = objects.get(rng.random_range(0..objects.len().max(1))) else {
                    notes.push("no object".into());
                    continue;
                };
                let Json::Obj(entries) = root.at_mut(path) else {
                    unreachable!()
                };
                let i = rng.random_range(0..entries.len().max(1));
                match rng.random_range(0..4) {
                    0 if !entries.is_empty() => {
                        let mut entry = entries[i].clone();
                        if rng.random_bool(0.5) {
                            entry.1 = vocabulary.param_value(rng, &entry.0);
                        }
                        let at = rng.random_range(0..=entries.len());
                        entries.insert(at, entry);
                        notes.push(format!("duplicated a key in {path:?}"));
                    }
                    1 if !entries.is_empty() => {
                        entries.remove(i);
                        notes.push(format!("removed a key in {path:?}"));
                    }
                    2 if !entries.is_empty() => {
                        entries[i].0 = vocabulary.key(rng);
                        notes.push(format!("renamed a key in {path:?}"));
                    }
                    _ => {
                        let key = vocabulary.key(rng);
                        let value = vocabulary.param_value(rng, &key);
                        entries.insert(rng.random_range(0..=entries.len()), (key, value));
                        notes.push(format!("added a key in {path:?}"));
                    }
                }
            }
            9 => {
                let paths = root.paths();
                let path = &paths[rng.random_range(0..paths.len())];
                let depth = [2, 100, 127, 128, 129, 1000, 100_000][rng.random_range(0..7)];
                let node = root.at_mut(path);
                let inner = std::mem::replace(node, Json::Null);
                *node = Json::Nest {
                    depth,
                    objects: rng.random_bool(0.5),
                    inner: Box::new(inner),
                };
                notes.push(format!("nested node {path:?} {depth} deep"));
            }
            10 => {
                let paths = root.paths();
                let numbers: Vec<&Vec<usize>> = paths
                    .iter()
                    .filter(|p| matches!(root.at(p), Json::Num(_) | Json::Bool(_)))
                    .collect();
                if let Some(path) = numbers.get(rng.random_range(0..numbers.len().max(1))) {
                    *root.at_mut(path) = Json::Num(interesting_number(rng));
                    notes.push(format!("number at {path:?}"));
                }
            }
            11 => {
                let paths = root.paths();
                let strings: Vec<&Vec<usize>> = paths
                    .iter()
                    .filter(|p| matches!(root.at(p), Json::Str(_)))
                    .collect();
                if let Some(path) = strings.get(rng.random_range(0..strings.len().max(1))) {
                    *root.at_mut(path) = Json::Str(interesting_string(rng, vocabulary));
                    notes.push(format!("string at {path:?}"));
                }
            }
            _ => {
                let key = ["version", "params", "fields"][rng.random_range(0..3)];
                match rng.random_range(0..4) {
                    0 => {
                        if let Json::Obj(entries) = root {
                            entries.retain(|(k, _)| k != key.as_bytes());
                        }
                        notes.push(format!("removed {key}"));
                    }
                    1 => {
                        if let Some(value) = root.get_mut(key) {
                            *value = vocabulary.random_json(rng, 1);
                        }
                        notes.push(format!("replaced {key}"));
                    }
                    2 => {
                        *root = Json::Arr(vec![std::mem::replace(root, Json::Null)]);
                        notes.push("wrapped the document in an array".into());
                    }
                    _ => {
                        if let Json::Obj(entries) = root {
                            let value = vocabulary.random_json(rng, 1);
                            entries.push((vocabulary.key(rng), value));
                        }
                        notes.push("added a top-level key".into());
                    }
                }
            }
        }
    }
}

/// Damages serialized bytes: flips, cuts, insertions, bad UTF-8.
pub(super) fn mutate_bytes(rng: &mut Pcg64, bytes: &mut Vec<u8>, notes: &mut Vec<String>) {
    for _ in 0..rng.random_range(1..=3) {
        let len = bytes.len();
        let at = rng.random_range(0..=len);
        match rng.random_range(0..8) {
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                bytes[i] ^= 1 << rng.random_range(0..8);
                notes.push(format!("flipped a bit at {i}"));
            }
            1 if len > 0 => {
                let i = rng.random_range(0..len);
                bytes[i] = rng.random();
                notes.push(format!("overwrote byte {i}"));
            }
            2 => {
                let extra: Vec<u8> = (0..rng.random_range(1..16)).map(|_| rng.random()).collect();
                bytes.splice(at..at, extra);
                notes.push(format!("inserted bytes at {at}"));
            }
            3 => {
                let end = (at + rng.random_range(1..64)).min(len);
                bytes.drain(at..end);
                notes.push(format!("deleted {at}..{end}"));
            }
            4 => {
                bytes.truncate(at);
                notes.push(format!("cut at {at}"));
            }
            5 => {
                const BAD: &[&[u8]] = &[b"\xff", b"\xc3", b"\xc0\x80", b"\xed\xa0\x80", b"\0"];
                let bad = BAD[rng.random_range(0..BAD.len())];
                // Inside a string where possible: right after an opening quote.
                let quotes: Vec<usize> = bytes
                    .iter()
                    .enumerate()
                    .filter(|&(_, &b)| b == b'"')
                    .map(|(i, _)| i + 1)
                    .collect();
                let at = quotes
                    .get(rng.random_range(0..quotes.len().max(1)))
                    .copied()
                    .unwrap_or(at);
                bytes.splice(at..at, bad.iter().copied());
                notes.push(format!("bad UTF-8 at {at}"));
            }
            6 if len > 0 => {
                let start = rng.random_range(0..len);
                let end = (start + rng.random_range(1..256)).min(len);
                let copy = bytes[start..end].to_vec();
                bytes.splice(at..at, copy);
                notes.push(format!("copied {start}..{end} to {at}"));
            }
            _ => {
                bytes.insert(
                    at,
                    [b'{', b'}', b'[', b']', b',', b':', b'"'][rng.random_range(0..7)],
                );
                notes.push(format!("inserted punctuation at {at}"));
            }
        }
    }
}

/// Frames `json` as a state, mostly correctly.
pub(super) fn frame(rng: &mut Pcg64, json: &[u8], notes: &mut Vec<String>) -> Vec<u8> {
    let len = json.len() as u64;
    let (prefix, what): (Option<u64>, &str) = match rng.random_range(0..40) {
        0 => (
            Some(len.saturating_sub(rng.random_range(1..16))),
            "short length",
        ),
        1 => (Some(len + rng.random_range(1..1_000_000)), "long length"),
        2 => (Some(0), "zero length"),
        3 => (Some(u64::MAX), "length u64::MAX"),
        4 => (Some(MAX_STATE_BYTES), "length at the limit"),
        5 => (Some(MAX_STATE_BYTES + 1), "length over the limit"),
        6 => (Some(rng.random()), "random length"),
        7 => (None, "no length"),
        _ => (Some(len), ""),
    };
    if !what.is_empty() {
        notes.push(what.into());
    }
    let mut bytes = prefix.map(|p| p.to_le_bytes().to_vec()).unwrap_or_default();
    if rng.random_range(0..100) == 0 {
        let keep = rng.random_range(0..8);
        bytes.truncate(keep);
        notes.push(format!("only {keep} bytes of the length"));
        return bytes;
    }
    bytes.extend_from_slice(json);
    bytes
}

/// Arbitrary bytes, framed or not, or JSON tokens in random order.
pub(super) fn arbitrary(rng: &mut Pcg64) -> (Vec<u8>, String) {
    const TOKENS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"params\"",
        "\"fields\"",
        "\"version\"",
        "\"f32\"",
        "\"i32\"",
        "\"bool\"",
        "\"string\"",
        "\"azim\"",
        "\"hrtf\"",
        "\"sofa\"",
        "\"editor-size\"",
        "\"sofa-path\"",
        "\"[960,640]\"",
        "\"0.1.0\"",
        "1.5",
        "-3",
        "1e39",
        "true",
        "null",
        " ",
    ];
    let random_bytes = |rng: &mut Pcg64, max: usize| -> Vec<u8> {
        (0..rng.random_range(0..=max))
            .map(|_| rng.random())
            .collect()
    };
    match rng.random_range(0..4) {
        0 => (random_bytes(rng, 64), "random bytes".into()),
        1 => (random_bytes(rng, 4096), "random bytes".into()),
        2 => (
            framed(&random_bytes(rng, 2048)),
            "framed random bytes".into(),
        ),
        _ => {
            let mut json = String::new();
            for _ in 0..rng.random_range(0..64) {
                json.push_str(TOKENS[rng.random_range(0..TOKENS.len())]);
            }
            (framed(json.as_bytes()), format!("tokens {json}"))
        }
    }
}

/// A state document written from scratch: random parameters with random values, random fields.
pub(super) fn generated(rng: &mut Pcg64, vocabulary: &Vocabulary) -> Json {
    let mut top = Vec::new();
    match rng.random_range(0..8) {
        0 => {}
        1 => top.push((
            "version",
            Json::str(["", "0.0.1", "9.9.9", "dev"][rng.random_range(0..4)]),
        )),
        _ => top.push(("version", Json::str("0.1.0"))),
    }
    let params = (0..rng.random_range(0..=vocabulary.params.len()))
        .map(|_| {
            // One malformed value refuses the whole document: keep them rare here.
            if rng.random_range(0..500) == 0 {
                let key = vocabulary.key(rng);
                let value = vocabulary.param_value(rng, &key);
                return (key, value);
            }
            let key = match rng.random_range(0..10) {
                0 => format!("x{}", rng.random::<u16>()).into_bytes(),
                _ => vocabulary.any_param_id(rng).as_bytes().to_vec(),
            };
            let value = vocabulary.well_formed_value(rng, &key);
            (key, value)
        })
        .collect();
    top.push(("params", Json::Obj(params)));
    // A field's value must be a string for the document to parse (what the string holds may be
    // anything).
    let mut fields = Vec::new();
    let text_field = |rng: &mut Pcg64, make: &dyn Fn(&mut Pcg64) -> Json| loop {
        let value = make(rng);
        if let Json::Str(bytes) = &value
            && std::str::from_utf8(bytes).is_ok()
        {
            return value;
        }
    };
    if rng.random_bool(0.5) {
        fields.push((
            "editor-size",
            text_field(rng, &|rng| vocabulary.editor_size(rng)),
        ));
    }
    if rng.random_bool(0.5) {
        fields.push((
            "sofa-path",
            text_field(rng, &|rng| vocabulary.sofa_path(rng)),
        ));
    }
    if rng.random_range(0..8) == 0 {
        fields.push(("colour", Json::str("\"teal\"")));
    }
    if rng.random_range(0..16) > 0 {
        top.push(("fields", Json::obj(fields)));
    }
    Json::obj(top)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Strategy {
    Arbitrary,
    Mutated,
    Generated,
}

pub(super) fn input(
    strategy: Strategy,
    rng: &mut Pcg64,
    seeds: &[Json],
    vocabulary: &Vocabulary,
) -> (Vec<u8>, String) {
    let mut notes = Vec::new();
    let json = match strategy {
        Strategy::Arbitrary => return arbitrary(rng),
        Strategy::Mutated => {
            let which = rng.random_range(0..seeds.len());
            notes.push(format!("seed {which}"));
            let mut tree = seeds[which].clone();
            if rng.random_range(0..10) < 9 {
                mutate_tree(rng, &mut tree, vocabulary, &mut notes);
            }
            let mut bytes = tree.to_bytes();
            if rng.random_range(0..10) < 3 {
                mutate_bytes(rng, &mut bytes, &mut notes);
            }
            bytes
        }
        Strategy::Generated => {
            notes.push("generated".into());
            generated(rng, vocabulary).to_bytes()
        }
    };
    let bytes = frame(rng, &json, &mut notes);
    (bytes, notes.join(", "))
}
