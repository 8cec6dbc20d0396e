//! A small, strict JSON (RFC 8259) parser and writer: everything the core reads or writes is
//! small JSON, and this costs far less wasm than serde_json.
//!
//! Parsing follows serde_json (`from_slice::<Value>`), which the native tests use as an oracle,
//! with these documented differences:
//! - Numbers are kept as their source text ([`Value::Number`]) and never converted on the
//!   way through, so `1e400` is accepted (serde_json refuses it as out of range) and a
//!   number written back out is byte-for-byte what came in.
//! - Objects keep every member in source order, duplicates included; [`Value::get`] returns
//!   the *last* member with the key, as serde_json, `JSON.parse` and the service agree.
//!
//! Otherwise the same documents are accepted and refused: whitespace is space, tab, CR and LF
//! only; no trailing commas, comments, leading zeros or `+`; strings must be valid UTF-8
//! without raw control characters; escapes are the eight short ones and `\uXXXX`, where a
//! surrogate must be a high one followed by a low one (lone surrogates are refused); at most
//! 127 arrays/objects nested (serde_json's recursion limit); nothing but whitespace after the
//! value. A failure says whether the input simply ended too early ([`Error::eof`], as
//! serde_json's `is_eof`). Size limits are the callers' business. Nothing here panics.

/// Arrays/objects may nest 127 deep (serde_json's limit): a depth bomb fails fast.
const MAX_DEPTH: u32 = 128;

/// A parsed JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number's source text (valid JSON number syntax when it came from [`parse`]).
    Number(String),
    String(String),
    Array(Vec<Value>),
    /// Members in source order, duplicates kept.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The last member named `key` of an object; `None` for anything else.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Move the last member named `key` out of an object, leaving `null` in its place.
    pub fn take(&mut self, key: &str) -> Option<Value> {
        match self {
            Value::Object(m) => m
                .iter_mut()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| std::mem::replace(v, Value::Null)),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A number written as a non-negative integer that fits a u64 (no fraction, no exponent),
    /// as serde_json's `as_u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// A number written as an integer that fits an i64, as serde_json's `as_i64` (which
    /// reads `-0` as a float).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) if n != "-0" => n.parse().ok(),
            _ => None,
        }
    }

    /// Any number as the nearest f64 (out-of-range ones as infinities).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.parse().ok(),
            _ => None,
        }
    }
}

/// Why a document was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    /// Byte offset where the problem was found.
    pub offset: usize,
    /// The input ended before the document did (empty, or cut short).
    pub eof: bool,
}

/// Parse one JSON document (surrounding whitespace allowed).
pub fn parse(input: &[u8]) -> Result<Value, Error> {
    let mut p = Parser { b: input, i: 0 };
    let v = p.value(MAX_DEPTH)?;
    p.ws();
    if p.i < input.len() {
        return p.fail(p.i);
    }
    Ok(v)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn fail<T>(&self, at: usize) -> Result<T, Error> {
        Err(Error {
            offset: at,
            eof: at >= self.b.len(),
        })
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// Consume `want`, failing at the current byte (or at the end) otherwise.
    fn eat(&mut self, want: u8) -> Result<(), Error> {
        if self.peek() != Some(want) {
            return self.fail(self.i);
        }
        self.i += 1;
        Ok(())
    }

    fn value(&mut self, depth: u32) -> Result<Value, Error> {
        self.ws();
        let Some(c) = self.peek() else {
            return self.fail(self.i);
        };
        Ok(match c {
            b'n' => self.word("null", Value::Null)?,
            b't' => self.word("true", Value::Bool(true))?,
            b'f' => self.word("false", Value::Bool(false))?,
            b'"' => Value::String(self.string()?),
            b'-' | b'0'..=b'9' => self.number()?,
            b'[' | b'{' => {
                let depth = depth - 1;
                if depth == 0 {
                    return self.fail(self.i);
                }
                self.i += 1;
                if c == b'[' {
                    self.array(depth)?
                } else {
                    self.object(depth)?
                }
            }
            _ => return self.fail(self.i),
        })
    }

    fn word(&mut self, w: &str, v: Value) -> Result<Value, Error> {
        for &want in w.as_bytes() {
            self.eat(want)?;
        }
        Ok(v)
    }

    /// After a member or element: `true` for `,`, `false` for the closing `close`.
    fn more(&mut self, close: u8) -> Result<bool, Error> {
        self.ws();
        let c = self.peek();
        if c != Some(b',') && c != Some(close) {
            return self.fail(self.i);
        }
        self.i += 1;
        Ok(c == Some(b','))
    }

    fn array(&mut self, depth: u32) -> Result<Value, Error> {
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
        } else {
            loop {
                items.push(self.value(depth)?);
                if !self.more(b']')? {
                    break;
                }
            }
        }
        Ok(Value::Array(items))
    }

    fn object(&mut self, depth: u32) -> Result<Value, Error> {
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                let key = self.string()?;
                self.ws();
                self.eat(b':')?;
                members.push((key, self.value(depth)?));
                if !self.more(b'}')? {
                    break;
                }
            }
        }
        Ok(Value::Object(members))
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Value, Error> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            // A leading zero stands alone; a digit after it is refused by the caller.
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return self.fail(self.i),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return self.fail(self.i);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return self.fail(self.i);
            }
        }
        // Only ASCII was consumed, so the text is valid UTF-8; one copy, no per-byte pushes.
        Ok(Value::Number(String::from(
            std::str::from_utf8(self.b.get(start..self.i).unwrap_or_default()).unwrap_or_default(),
        )))
    }

    /// Four hex digits of a `\u` escape. Like serde_json, fewer than four bytes left is a
    /// cut-short document.
    fn hex4(&mut self) -> Result<u32, Error> {
        let Some(h) = self.b.get(self.i..self.i + 4) else {
            return self.fail(self.b.len());
        };
        let mut n = 0;
        for &c in h {
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return self.fail(self.i),
            };
            n = n * 16 + u32::from(d);
        }
        self.i += 4;
        Ok(n)
    }

    /// A string, from its opening quote.
    fn string(&mut self) -> Result<String, Error> {
        self.eat(b'"')?;
        let mut buf = Vec::new();
        loop {
            let start = self.i;
            let rest = self.b.get(start..).unwrap_or_default();
            let run = rest
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(rest.len());
            self.i += run;
            let chunk = rest.get(..run).unwrap_or_default();
            if buf.is_empty() && self.peek() == Some(b'"') {
                // No escapes (the common case): one copy of the validated slice.
                let at = self.i;
                self.i += 1;
                return match std::str::from_utf8(chunk) {
                    Ok(s) => Ok(String::from(s)),
                    Err(_) => self.fail(at),
                };
            }
            buf.extend_from_slice(chunk);
            let Some(c) = self.peek() else {
                return self.fail(self.i);
            };
            let at = self.i;
            self.i += 1;
            let ch = match c {
                b'"' => {
                    // Validated as a whole, as serde_json does at the closing quote.
                    return String::from_utf8(buf).or_else(|_| self.fail(at));
                }
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return self.fail(self.i);
                    };
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' => char::from(e),
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return self.fail(self.i - 1),
                    }
                }
                _ => return self.fail(at),
            };
            let mut tmp = [0; 4];
            buf.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
        }
    }

    /// After `\u`: a BMP character, or a high surrogate followed by `\u` and a low one.
    fn unicode_escape(&mut self) -> Result<char, Error> {
        let at = self.i;
        let n = self.hex4()?;
        let n = match n {
            0xDC00..=0xDFFF => return self.fail(at),
            0xD800..=0xDBFF => {
                self.eat(b'\\')?;
                self.eat(b'u')?;
                let lo = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return self.fail(at);
                }
                0x10000 + ((n - 0xD800) << 10) + (lo - 0xDC00)
            }
            n => n,
        };
        match char::from_u32(n) {
            Some(c) => Ok(c),
            None => self.fail(at),
        }
    }
}

/// Append `s` as a JSON string literal (quotes included): `"` `\` and control characters
/// escaped exactly as serde_json does (short forms where JSON has them, else `\u00xx`),
/// everything else (including non-ASCII) as is. The one escaper in the crate.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        let short = match b {
            b'"' => '"',
            b'\\' => '\\',
            0x08 => 'b',
            0x0c => 'f',
            b'\n' => 'n',
            b'\r' => 'r',
            b'\t' => 't',
            0..=0x1f => 'u',
            _ => continue,
        };
        // `i` is at an ASCII byte, so both slices are on character boundaries.
        out.push_str(s.get(start..i).unwrap_or_default());
        out.push('\\');
        out.push(short);
        if short == 'u' {
            out.push_str("00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Append `n` in decimal.
pub fn write_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &c in &buf[i..] {
        out.push(char::from(c));
    }
}

/// Things handed to JS as JSON text (one `JSON.parse` on the other side).
pub trait ToJson {
    fn write_json(&self, out: &mut String);

    fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

impl ToJson for Value {
    /// Compact JSON: numbers as their text, members in order.
    fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(n),
            Value::String(s) => write_str(out, s),
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_json(out);
                }
                out.push(']');
            }
            Value::Object(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, k);
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

/// Writes one JSON object member by member, for the typed results handed to JS. Keys are
/// the crate's own camelCase names and are written without escaping.
pub struct ObjectWriter<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> ObjectWriter<'a> {
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        ObjectWriter { out, first: true }
    }

    /// Start the member `key`; the caller writes its value into the returned buffer.
    pub fn key(&mut self, key: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
        self.out
    }

    pub fn str(&mut self, key: &str, v: &str) -> &mut Self {
        write_str(self.key(key), v);
        self
    }

    pub fn u64(&mut self, key: &str, v: u64) -> &mut Self {
        write_u64(self.key(key), v);
        self
    }

    pub fn bool(&mut self, key: &str, v: bool) -> &mut Self {
        self.key(key).push_str(if v { "true" } else { "false" });
        self
    }

    pub fn opt_str(&mut self, key: &str, v: Option<&str>) -> &mut Self {
        if let Some(v) = v {
            self.str(key, v);
        }
        self
    }

    pub fn opt_u64(&mut self, key: &str, v: Option<u64>) -> &mut Self {
        if let Some(v) = v {
            self.u64(key, v);
        }
        self
    }

    pub fn end(&mut self) {
        self.out.push('}');
    }
}

/// `[a,b,...]` of items written by `each`.
pub fn write_array<T>(out: &mut String, items: &[T], mut each: impl FnMut(&mut String, &T)) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        each(out, item);
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Value {
        parse(s.as_bytes()).unwrap_or_else(|e| panic!("{s:?}: {e:?}"))
    }

    #[test]
    fn basics() {
        assert_eq!(ok(" null "), Value::Null);
        assert_eq!(
            ok("[true,false]"),
            Value::Array(vec![Value::Bool(true), Value::Bool(false)])
        );
        assert_eq!(ok("-1.5e+3"), Value::Number("-1.5e+3".into()));
        assert_eq!(
            ok(r#""a\u00e9\ud83c\udf89\n""#),
            Value::String("aé🎉\n".into())
        );
        let o = ok(r#"{"a":1,"a":2,"b":{}}"#);
        assert_eq!(o.get("a").and_then(Value::as_u64), Some(2));
        assert_eq!(o.to_json(), r#"{"a":1,"a":2,"b":{}}"#);
        assert_eq!(ok("-0").as_i64(), None);
        assert_eq!(ok("-7").as_i64(), Some(-7));
        assert_eq!(ok("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(ok("18446744073709551616").as_u64(), None);
        assert_eq!(ok("1e2").as_u64(), None);
    }

    #[test]
    fn refusals() {
        for (s, eof) in [
            ("", true),
            ("  ", true),
            ("[1,", true),
            ("\"ab", true),
            ("tru", true),
            ("-", true),
            ("1.", true),
            ("1e+", true),
            ("\"\\u12\"", true),
            ("\"\\ud800", true),
            ("{\"a\"", true),
            ("[1,]", false),
            ("01", false),
            ("+1", false),
            ("1.x", false),
            ("\"\\ud800\\u0041\"", false),
            ("\"\\udc00\"", false),
            ("\"\\x\"", false),
            ("\"\u{1}\"", false),
            ("{'a':1}", false),
            ("1 2", false),
            ("nul1", false),
            ("[1}", false),
        ] {
            assert_eq!(parse(s.as_bytes()).map_err(|e| e.eof), Err(eof), "{s:?}");
        }
        assert!(parse(b"\"\xff\"").is_err());
        assert!(parse(
            &[b'['; 127]
                .iter()
                .chain(&[b']'; 127])
                .copied()
                .collect::<Vec<_>>()
        )
        .is_ok());
        assert!(parse(
            &[b'['; 128]
                .iter()
                .chain(&[b']'; 128])
                .copied()
                .collect::<Vec<_>>()
        )
        .is_err());
    }

    #[test]
    fn writer() {
        let mut s = String::new();
        write_str(&mut s, "q\"b\\n\n\r\t\u{1}\u{8}\u{c}\u{1f}é/");
        assert_eq!(s, r#""q\"b\\n\n\r\t\u0001\b\f\u001fé/""#);
        let mut s = String::new();
        for n in [0, 7, 10, u64::MAX] {
            write_u64(&mut s, n);
            s.push(' ');
        }
        assert_eq!(s, "0 7 10 18446744073709551615 ");
    }
}
