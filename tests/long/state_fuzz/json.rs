//! A JSON tree that can also hold what JSON forbids (bad numbers, invalid UTF-8, repeated keys),
//! its writer and a lenient parser.

#[derive(Clone, Debug)]
pub(super) enum Json {
    Null,
    Bool(bool),
    /// A number as written, also malformed ones (`NaN`, `1e`, `+1`).
    Num(String),
    /// A string's bytes before escaping; may be invalid UTF-8.
    Str(Vec<u8>),
    Arr(Vec<Json>),
    /// Entries in order; a key may repeat.
    Obj(Vec<(Vec<u8>, Json)>),
    /// `depth` levels of arrays (or of `{"a": …}` objects) around the value, written without
    /// recursion so that any depth can be tried.
    Nest {
        depth: usize,
        objects: bool,
        inner: Box<Json>,
    },
}

impl Json {
    pub(super) fn str(text: &str) -> Self {
        Json::Str(text.as_bytes().to_vec())
    }

    pub(super) fn num(value: impl ToString) -> Self {
        Json::Num(value.to_string())
    }

    pub(super) fn obj(entries: Vec<(&str, Json)>) -> Self {
        Json::Obj(
            entries
                .into_iter()
                .map(|(k, v)| (k.as_bytes().to_vec(), v))
                .collect(),
        )
    }

    pub(super) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    pub(super) fn write(&self, out: &mut Vec<u8>) {
        match self {
            Json::Null => out.extend_from_slice(b"null"),
            Json::Bool(true) => out.extend_from_slice(b"true"),
            Json::Bool(false) => out.extend_from_slice(b"false"),
            Json::Num(text) => out.extend_from_slice(text.as_bytes()),
            Json::Str(bytes) => write_string(bytes, out),
            Json::Arr(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write(out);
                }
                out.push(b']');
            }
            Json::Obj(entries) => {
                out.push(b'{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_string(key, out);
                    out.push(b':');
                    value.write(out);
                }
                out.push(b'}');
            }
            Json::Nest {
                depth,
                objects,
                inner,
            } => {
                let (open, close): (&[u8], &[u8]) = if *objects {
                    (b"{\"a\":", b"}")
                } else {
                    (b"[", b"]")
                };
                for _ in 0..*depth {
                    out.extend_from_slice(open);
                }
                inner.write(out);
                for _ in 0..*depth {
                    out.extend_from_slice(close);
                }
            }
        }
    }

    /// The path (child indices) of every node, the root first; not inside `Nest`.
    pub(super) fn paths(&self) -> Vec<Vec<usize>> {
        let mut paths = Vec::new();
        let mut stack = vec![(self, Vec::new())];
        while let Some((node, path)) = stack.pop() {
            let children: Vec<&Json> = match node {
                Json::Arr(items) => items.iter().collect(),
                Json::Obj(entries) => entries.iter().map(|(_, v)| v).collect(),
                _ => Vec::new(),
            };
            for (i, child) in children.into_iter().enumerate() {
                let mut child_path = path.clone();
                child_path.push(i);
                stack.push((child, child_path));
            }
            paths.push(path);
        }
        paths
    }

    pub(super) fn at(&self, path: &[usize]) -> &Json {
        let mut node = self;
        for &i in path {
            node = match node {
                Json::Arr(items) => &items[i],
                Json::Obj(entries) => &entries[i].1,
                _ => unreachable!("paths only lead through arrays and objects"),
            };
        }
        node
    }

    pub(super) fn at_mut(&mut self, path: &[usize]) -> &mut Json {
        let mut node = self;
        for &i in path {
            node = match node {
                Json::Arr(items) => &mut items[i],
                Json::Obj(entries) => &mut entries[i].1,
                _ => unreachable!("paths only lead through arrays and objects"),
            };
        }
        node
    }

    /// The value of the first entry named `key`, if this is an object.
    pub(super) fn get_mut(&mut self, key: &str) -> Option<&mut Json> {
        match self {
            Json::Obj(entries) => entries
                .iter_mut()
                .find(|(k, _)| k == key.as_bytes())
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

pub(super) fn write_string(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in bytes {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0..=0x1f => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// Parses well-formed JSON (the states Murmur saves) into a tree.
pub(super) fn parse_json(text: &[u8]) -> Json {
    struct Parser<'a> {
        s: &'a [u8],
        i: usize,
    }
    impl Parser<'_> {
        fn ws(&mut self) {
            while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
                self.i += 1;
            }
        }
        fn expect(&mut self, b: u8) {
            self.ws();
            assert_eq!(self.s[self.i], b, "malformed seed JSON at byte {}", self.i);
            self.i += 1;
        }
        fn value(&mut self) -> Json {
            self.ws();
            match self.s[self.i] {
                b'{' => {
                    self.i += 1;
                    let mut entries = Vec::new();
                    self.ws();
                    if self.s[self.i] == b'}' {
                        self.i += 1;
                        return Json::Obj(entries);
                    }
                    loop {
                        self.ws();
                        let key = self.string();
                        self.expect(b':');
                        entries.push((key, self.value()));
                        self.ws();
                        self.i += 1;
                        if self.s[self.i - 1] == b'}' {
                            return Json::Obj(entries);
                        }
                    }
                }
                b'[' => {
                    self.i += 1;
                    let mut items = Vec::new();
                    self.ws();
                    if self.s[self.i] == b']' {
                        self.i += 1;
                        return Json::Arr(items);
                    }
                    loop {
                        items.push(self.value());
                        self.ws();
                        self.i += 1;
                        if self.s[self.i - 1] == b']' {
                            return Json::Arr(items);
                        }
                    }
                }
                b'"' => Json::Str(self.string()),
                b't' => {
                    self.i += 4;
                    Json::Bool(true)
                }
                b'f' => {
                    self.i += 5;
                    Json::Bool(false)
                }
                b'n' => {
                    self.i += 4;
                    Json::Null
                }
                _ => {
                    let start = self.i;
                    while self
                        .s
                        .get(self.i)
                        .is_some_and(|b| b"+-0123456789.eE".contains(b))
                    {
                        self.i += 1;
                    }
                    Json::Num(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
                }
            }
        }
        fn string(&mut self) -> Vec<u8> {
            self.expect(b'"');
            let mut out = Vec::new();
            loop {
                let b = self.s[self.i];
                self.i += 1;
                match b {
                    b'"' => return out,
                    b'\\' => {
                        let e = self.s[self.i];
                        self.i += 1;
                        let c = match e {
                            b'n' => '\n',
                            b't' => '\t',
                            b'r' => '\r',
                            b'b' => '\u{8}',
                            b'f' => '\u{c}',
                            b'u' => {
                                let hex = std::str::from_utf8(&self.s[self.i..self.i + 4]).unwrap();
                                self.i += 4;
                                char::from_u32(u32::from_str_radix(hex, 16).unwrap())
                                    .unwrap_or('\u{fffd}')
                            }
                            other => other as char,
                        };
                        let mut buf = [0; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                    _ => out.push(b),
                }
            }
        }
    }
    let mut parser = Parser { s: text, i: 0 };
    let value = parser.value();
    parser.ws();
    assert_eq!(parser.i, text.len(), "trailing bytes after the seed JSON");
    value
}
