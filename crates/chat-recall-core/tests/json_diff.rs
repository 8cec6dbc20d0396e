//! `core::json` against serde_json (the oracle): the same documents are accepted and refused,
//! with the same value and the same "cut short" verdict, and the writer's text reads back as
//! the original. Documented differences (see `core::json`): numbers are kept as text, so
//! out-of-range numbers (`1e400`) are accepted; objects keep duplicate members (`get` and
//! serde_json both take the last).
#![cfg(not(target_arch = "wasm32"))]

use chat_recall_core::json::{self, ToJson, Value};
use proptest::prelude::*;
use serde_json::Value as S;

/// Our tree as a serde_json value (numbers read by serde_json from their text). `None` when a
/// number is out of serde_json's range.
fn to_serde(v: &Value) -> Option<S> {
    Some(match v {
        Value::Null => S::Null,
        Value::Bool(b) => S::Bool(*b),
        Value::Number(n) => serde_json::from_str::<S>(n).ok().filter(S::is_number)?,
        Value::String(s) => S::String(s.clone()),
        Value::Array(a) => S::Array(a.iter().map(to_serde).collect::<Option<_>>()?),
        Value::Object(m) => {
            let mut map = serde_json::Map::new();
            for (k, v) in m {
                map.insert(k.clone(), to_serde(v)?); // last one wins, as in serde_json
            }
            S::Object(map)
        }
    })
}

/// serde_json's verdict on `input`, with out-of-range numbers (a documented difference)
/// reported as `None`.
fn oracle(input: &[u8]) -> Option<Result<S, bool>> {
    match serde_json::from_slice::<S>(input) {
        Ok(v) => Some(Ok(v)),
        Err(e) if e.to_string().starts_with("number out of range") => None,
        Err(e) => Some(Err(e.is_eof())),
    }
}

/// Our verdict agrees with serde_json's on `input`.
fn agree(input: &[u8]) -> Result<(), TestCaseError> {
    let ours = json::parse(input);
    match oracle(input) {
        None => {} // out-of-range number: we may accept it
        Some(Ok(want)) => {
            let got = ours.map_err(|e| {
                TestCaseError::fail(format!(
                    "refused {:?}: {e:?}",
                    String::from_utf8_lossy(input)
                ))
            })?;
            prop_assert_eq!(
                to_serde(&got),
                Some(want.clone()),
                "tree of {:?}",
                String::from_utf8_lossy(input)
            );
            let text = got.to_json();
            prop_assert_eq!(
                serde_json::from_str::<S>(&text).ok(),
                Some(want),
                "written {:?}",
                text
            );
            prop_assert_eq!(json::parse(text.as_bytes()), Ok(got));
        }
        Some(Err(eof)) => match ours {
            Ok(v) => prop_assert!(
                false,
                "accepted {:?} as {v:?}",
                String::from_utf8_lossy(input)
            ),
            Err(e) => {
                prop_assert_eq!(
                    e.eof,
                    eof,
                    "eof verdict for {:?}",
                    String::from_utf8_lossy(input)
                );
                prop_assert!(e.offset <= input.len());
            }
        },
    }
    Ok(())
}

fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,12}",
        "[\"\\\\/\\u{0}-\\u{1f}\\u{7f}é中\\u{2028}\\u{fffd}\\u{ffff}🎉\\u{10ffff}a-c ]{0,12}",
    ]
}

fn arb_number() -> impl Strategy<Value = S> {
    prop_oneof![
        any::<u64>().prop_map(S::from),
        any::<i64>().prop_map(S::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(S::from),
        (-1000i64..1000).prop_map(S::from),
    ]
}

fn arb_value() -> impl Strategy<Value = S> {
    let leaf = prop_oneof![
        Just(S::Null),
        any::<bool>().prop_map(S::Bool),
        arb_number(),
        arb_string().prop_map(S::String),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(S::Array),
            proptest::collection::vec((arb_string(), inner), 0..6)
                .prop_map(|kv| S::Object(kv.into_iter().collect())),
        ]
    })
}

/// A deterministic stream of choices for the "unusual but valid" writer below.
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
    fn ws(&mut self, out: &mut String) {
        for _ in 0..self.next(3) {
            out.push([' ', '\t', '\n', '\r'][self.next(4) as usize]);
        }
    }
}

/// JSON text for `v` with random whitespace between tokens and characters escaped in every
/// allowed way (`\uXXXX` in either case, surrogate pairs, `\/`, short escapes), numbers in
/// alternative spellings (`1E+0`, `100e-2`).
fn odd_json(v: &S, r: &mut Rng, out: &mut String) {
    r.ws(out);
    match v {
        S::Null | S::Bool(_) => out.push_str(&v.to_string()),
        S::Number(n) => match (n.as_u64(), r.next(3)) {
            (Some(u), 1) => out.push_str(&format!("{u}E+0")),
            (Some(u), 2) if u > 0 => out.push_str(&format!("{u}00e-2")),
            _ => out.push_str(&n.to_string()),
        },
        S::String(s) => odd_str(s, r, out),
        S::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                odd_json(x, r, out);
            }
            r.ws(out);
            out.push(']');
        }
        S::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                r.ws(out);
                odd_str(k, r, out);
                r.ws(out);
                out.push(':');
                odd_json(x, r, out);
            }
            r.ws(out);
            out.push('}');
        }
    }
    r.ws(out);
}

fn odd_str(s: &str, r: &mut Rng, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        let must = c == '"' || c == '\\' || (c as u32) < 0x20;
        match r.next(4) {
            0 if !must => out.push(c),
            1 if c == '/' => out.push_str("\\/"),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    if r.next(2) == 0 {
                        out.push_str(&format!("\\u{:04x}", u));
                    } else {
                        out.push_str(&format!("\\u{:04X}", u));
                    }
                }
            }
        }
    }
    out.push('"');
}

/// Bytes JSON is made of, to make random inputs interesting.
const ALPHABET: &[u8] = b"{}[]\":,-+.0123456789eEtrufalsn\\/bu \t\n\rx\x00\x1f\x7f\xc3\xa9\xff";

fn arb_jsonish() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![4 => proptest::sample::select(ALPHABET), 1 => any::<u8>()],
        0..48,
    )
}

#[derive(Clone, Debug)]
enum Mutation {
    Truncate(usize),
    Delete(usize),
    Insert(usize, u8),
    Replace(usize, u8),
    Swap(usize, usize),
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    let byte = prop_oneof![3 => proptest::sample::select(ALPHABET), 1 => any::<u8>()];
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), byte).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Mutation::Swap(i, j)),
    ]
}

fn mutate(doc: &mut Vec<u8>, m: &Mutation) {
    let n = doc.len();
    if n == 0 {
        return;
    }
    match *m {
        Mutation::Truncate(i) => doc.truncate(i % n),
        Mutation::Delete(i) => {
            doc.remove(i % n);
        }
        Mutation::Insert(i, b) => doc.insert(i % (n + 1), b),
        Mutation::Replace(i, b) => doc[i % n] = b,
        Mutation::Swap(i, j) => doc.swap(i % n, j % n),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// serde_json's compact and pretty output parse to the same tree; our compact writer
    /// writes exactly serde_json's compact text. (The tree is compared with serde_json's own
    /// reading of the text: without `float_roundtrip`, serde_json may read a float it wrote
    /// 1 ulp off, so the generated value itself is not the reference.)
    #[test]
    fn serde_output_round_trips(v in arb_value()) {
        let compact = serde_json::to_string(&v).unwrap();
        let read_back: S = serde_json::from_str(&compact).unwrap();
        let ours = json::parse(compact.as_bytes()).unwrap();
        prop_assert_eq!(ours.to_json(), compact.clone());
        prop_assert_eq!(to_serde(&ours), Some(read_back));
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        let ours = json::parse(pretty.as_bytes()).unwrap();
        prop_assert_eq!(ours.to_json(), compact);
    }

    /// Unusual but valid spellings: whitespace everywhere, every escape form.
    #[test]
    fn odd_spellings(v in arb_value(), seed in 1u64..) {
        let mut text = String::new();
        odd_json(&v, &mut Rng(seed), &mut text);
        agree(text.as_bytes())?;
        prop_assert!(json::parse(text.as_bytes()).is_ok(), "{}", text);
    }

    /// Arbitrary bytes: never a panic, same verdict as serde_json.
    #[test]
    fn random_bytes(input in arb_jsonish()) {
        agree(&input)?;
    }

    #[test]
    fn any_bytes(input in proptest::collection::vec(any::<u8>(), 0..32)) {
        agree(&input)?;
    }

    /// Valid documents with a few bytes changed, dropped, added or cut off.
    #[test]
    fn mutated_documents(v in arb_value(), pretty in any::<bool>(), ms in proptest::collection::vec(arb_mutation(), 1..4)) {
        let mut doc = if pretty { serde_json::to_vec_pretty(&v) } else { serde_json::to_vec(&v) }.unwrap();
        for m in &ms {
            mutate(&mut doc, m);
        }
        agree(&doc)?;
    }

    /// Every prefix of a valid document is refused as cut short, exactly when serde_json
    /// says so.
    #[test]
    fn prefixes(v in arb_value()) {
        let doc = serde_json::to_vec(&v).unwrap();
        for end in 0..doc.len() {
            agree(&doc[..end])?;
        }
    }

    /// Numbers: every spelling of the grammar, and the integer accessors as serde_json's.
    #[test]
    fn numbers(neg in any::<bool>(), int in "0|[1-9][0-9]{0,22}", frac in proptest::option::of("[0-9]{1,5}"),
               exp in proptest::option::of(("[eE]", "[+-]?", "[0-9]{1,3}"))) {
        let mut text = String::new();
        if neg { text.push('-'); }
        text.push_str(&int);
        if let Some(f) = &frac { text.push('.'); text.push_str(f); }
        if let Some((e, s, d)) = &exp { text.push_str(e); text.push_str(s); text.push_str(d); }
        agree(text.as_bytes())?;
        let ours = json::parse(text.as_bytes()).unwrap();
        prop_assert_eq!(&ours, &Value::Number(text.clone()));
        if let Some(Ok(want)) = oracle(text.as_bytes()) {
            prop_assert_eq!(ours.as_u64(), want.as_u64(), "{}", text);
            prop_assert_eq!(ours.as_i64(), want.as_i64(), "{}", text);
            let (a, b) = (ours.as_f64().unwrap(), want.as_f64().unwrap());
            // Ours is correctly rounded; serde_json's default float parser may be 1 ulp off.
            prop_assert!(a == b || (a - b).abs() <= a.abs() * 4.0 * f64::EPSILON, "{} {} {}", text, a, b);
        }
    }

    /// Any string is written as serde_json writes it and reads back unchanged.
    #[test]
    fn strings_write_like_serde(s in any::<String>(), t in arb_string()) {
        for s in [s, t] {
            let lit = chat_recall_core::text::json_string(&s);
            prop_assert_eq!(&lit, &serde_json::to_string(&s).unwrap());
            prop_assert_eq!(json::parse(lit.as_bytes()), Ok(Value::String(s)));
        }
    }
}

#[test]
fn depth_limit_matches_serde() {
    for depth in [1usize, 64, 126, 127, 128, 129, 1000] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let doc = format!("{}null{}", open.repeat(depth), close.repeat(depth));
            let ours = json::parse(doc.as_bytes());
            assert_eq!(ours.is_ok(), depth <= 127, "{open} x {depth}");
            assert_eq!(
                ours.is_ok(),
                serde_json::from_str::<S>(&doc).is_ok(),
                "{open} x {depth}"
            );
        }
    }
}

#[test]
fn depth_bombs_fail_fast() {
    for bomb in [
        "[".repeat(100_000),
        "{\"a\":".repeat(100_000),
        "[{\"\":".repeat(50_000),
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    ] {
        let e = json::parse(bomb.as_bytes()).unwrap_err();
        assert!(
            !e.eof,
            "a depth bomb is refused, not taken for a cut-short document"
        );
        assert!(e.offset <= 128 * 5);
    }
}

#[test]
fn documented_differences() {
    // Out-of-range numbers: kept as text (serde_json refuses them).
    assert!(serde_json::from_str::<S>("[1e400]").is_err());
    let v = json::parse(b"[1e400,-1e400]").unwrap();
    assert_eq!(v.to_json(), "[1e400,-1e400]");
    // Duplicate keys: every member kept and written; `get` takes the last, as serde_json.
    let v = json::parse(br#"{"a":1,"b":2,"a":3}"#).unwrap();
    assert_eq!(v.get("a").and_then(Value::as_u64), Some(3));
    assert_eq!(
        serde_json::from_str::<S>(r#"{"a":1,"b":2,"a":3}"#).unwrap()["a"],
        3
    );
    assert_eq!(v.to_json(), r#"{"a":1,"b":2,"a":3}"#);
    // Member order is the source order (serde_json's default map sorts keys).
    assert_eq!(
        json::parse(br#"{"b":1,"a":2}"#).unwrap().to_json(),
        r#"{"b":1,"a":2}"#
    );
}

#[test]
fn strictness_samples() {
    for bad in [
        &b"[1,]"[..],
        b"{\"a\":1,}",
        b"01",
        b"-01",
        b"1.",
        b".5",
        b"+1",
        b"0x10",
        b"NaN",
        b"Infinity",
        b"'a'",
        b"\"\\u00e\"",
        b"\"\\ud83c\"",
        b"\"\\udf89\"",
        b"\"\\ud83c\\ud83c\"",
        b"\"\t\"",
        b"\"\\a\"",
        b"\"\xed\xa0\x80\"",
        b"\"\xc3\"",
        b"// c\n1",
        b"1 /* */",
        b"\xef\xbb\xbf1",
        b"[1]x",
        b"{\"a\" 1}",
        b"{1:1}",
        b"nulll",
        b"\x0c1",
    ] {
        assert!(
            json::parse(bad).is_err(),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
        assert!(
            serde_json::from_slice::<S>(bad).is_err(),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    assert_eq!(
        json::parse("\"\\ud83c\\udf89\\u00E9\\/\"".as_bytes()),
        Ok(Value::String("🎉é/".into()))
    );
}
