//! JSON through the public parse entry points (what used to be the differential test of the
//! hand-written parser, now plain tests against serde_json as used by the core): any bytes,
//! valid documents in unusual spellings, mutated and cut-short documents. Each entry point
//! gives the verdict the JSON itself calls for: a cut-short body is a retryable protocol
//! error, a complete non-JSON body a final one, a non-object "not a JSON object", and an
//! object is read (or refused with a field's name), never a panic. Strings in request bodies
//! read back unchanged, and message bodies (`MsgBody`) come back as the same JSON value.
#![cfg(not(target_arch = "wasm32"))]

use chat_recall_core::error::ErrorKind;
use chat_recall_core::history::parse_group_history;
use chat_recall_core::requests::{C2CWithdraw, Request};
use chat_recall_core::responses::parse_sender_recall;
use chat_recall_core::webhook::{parse_callback, CallbackAuth, CallbackInput};
use proptest::prelude::*;
use serde_json::Value as S;

/// What serde_json alone says about `input`: `Ok(value)`, or `Err(is_eof)`.
fn oracle(input: &[u8]) -> Result<S, bool> {
    serde_json::from_slice::<S>(input).map_err(|e| e.is_eof())
}

/// The envelope parser's verdict agrees with the document's JSON-ness.
fn agree(input: &[u8]) -> Result<(), TestCaseError> {
    let got = parse_sender_recall(200, input);
    let text = String::from_utf8_lossy(input);
    match oracle(input) {
        Err(eof) => {
            let e = got.expect_err("not JSON, yet accepted");
            prop_assert_eq!(e.kind, ErrorKind::Protocol, "{}", text);
            prop_assert_eq!(e.retryable, eof, "eof verdict for {:?}: {}", text, e.info);
        }
        Ok(S::Object(_)) => {
            // Read as an answer: either accepted, or a final error (a service error, a
            // field of the wrong type, a missing envelope). Never "truncated".
            if let Err(e) = got {
                prop_assert!(!e.retryable, "{:?}: {}", text, e.info);
            }
        }
        Ok(_) => {
            let e = got.expect_err("not an object, yet accepted");
            prop_assert_eq!(e.info.as_str(), "the response body is not a JSON object");
        }
    }
    // The webhook refuses what is not a JSON object, naming the body.
    let url = "SdkAppid=1400000000&CallbackCommand=Group.CallbackAfterRecallMsg";
    let cb = parse_callback(&CallbackInput {
        url,
        body: input,
        sdk_app_id: 1400000000,
        auth: CallbackAuth::Unsigned,
        now: 0,
        max_skew_seconds: 60,
    });
    if !matches!(oracle(input), Ok(S::Object(_))) {
        let e = cb.expect_err("not an object, yet accepted");
        prop_assert_eq!(e.kind, ErrorKind::InvalidInput);
        prop_assert!(e.info.starts_with("body"), "{}", e.info);
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

/// `v` as valid JSON with whitespace everywhere and strings in every escape form.
fn odd_json(v: &S, r: &mut Rng, out: &mut String) {
    r.ws(out);
    match v {
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
        S::String(s) => odd_str(s, r, out),
        other => out.push_str(&other.to_string()),
    }
    r.ws(out);
}

fn odd_str(s: &str, r: &mut Rng, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        let mut units = [0u16; 2];
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || r.next(4) == 0 => {
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{:04X}", u));
                }
            }
            '/' if r.next(2) == 0 => out.push_str("\\/"),
            c => out.push(c),
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

/// A successful group_msg_get_simple answer carrying `body` as a message's MsgBody.
fn page_with_body(body: &S) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "ActionStatus": "OK", "ErrorCode": 0, "IsFinished": 1,
        "RspMsgList": [{"MsgSeq": 7, "MsgBody": body}]
    }))
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// A message body of any shape comes back as the same JSON value, whether the answer was
    /// written compactly, pretty or in unusual spellings.
    #[test]
    fn msg_body_round_trips(v in arb_value(), seed in 1u64..) {
        // The body's own text, as it appears in each spelling of the answer, comes back
        // verbatim; read as JSON it is the same value.
        let body_of = |answer: &[u8]| -> Result<(String, S), TestCaseError> {
            let page = parse_group_history(200, answer).map_err(|e| TestCaseError::fail(e.info))?;
            let text = page.messages[0].msg_body.json().to_string();
            let value = serde_json::from_str::<S>(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            Ok((text, value))
        };
        let compact = page_with_body(&v);
        let doc: S = serde_json::from_slice(&compact).unwrap();
        // A null (or missing) body reads as `[]`, an empty body.
        let want = if v.is_null() { S::Array(vec![]) } else { doc["RspMsgList"][0]["MsgBody"].clone() };
        let (text, value) = body_of(&compact)?;
        prop_assert_eq!(text, serde_json::to_string(&want).unwrap());
        prop_assert_eq!(&value, &want);
        let pretty = serde_json::to_vec_pretty(&doc).unwrap();
        prop_assert_eq!(&body_of(&pretty)?.1, &want);
        let mut odd = String::new();
        odd_json(&doc, &mut Rng(seed), &mut odd);
        prop_assert_eq!(&body_of(odd.as_bytes())?.1, &want);
    }

    /// Unusual but valid spellings of any value.
    #[test]
    fn odd_spellings(v in arb_value(), seed in 1u64..) {
        let mut text = String::new();
        odd_json(&v, &mut Rng(seed), &mut text);
        prop_assert!(serde_json::from_str::<S>(&text).is_ok(), "{}", text);
        agree(text.as_bytes())?;
    }

    /// Arbitrary bytes: never a panic, the verdict the bytes call for.
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

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every proper prefix of a valid answer is a retryable "truncated".
    #[test]
    fn prefixes(v in arb_value()) {
        let doc = page_with_body(&v);
        for end in 0..doc.len() {
            agree(&doc[..end])?;
            let e = parse_sender_recall(200, &doc[..end]).unwrap_err();
            prop_assert!(e.retryable, "{:?}", String::from_utf8_lossy(&doc[..end]));
        }
    }

    /// Any string is written into a request body as serde_json writes it and reads back
    /// unchanged.
    #[test]
    fn strings_in_bodies_read_back(s in any::<String>(), t in arb_string()) {
        let body = C2CWithdraw::new("a", "b", "1_2_3").unwrap().body();
        prop_assert_eq!(body, r#"{"From_Account":"a","To_Account":"b","MsgKey":"1_2_3"}"#);
        for s in [s, t].into_iter().filter(|s| !s.is_empty()) {
            let lit = serde_json::to_string(&s).unwrap();
            let answer = format!(r#"{{"ActionStatus":"FAIL","ErrorCode":90001,"ErrorInfo":{lit}}}"#);
            let e = parse_sender_recall(200, answer.as_bytes()).unwrap_err();
            prop_assert_eq!(e.info, s);
        }
    }
}

/// Documents that pin the edges: depth bombs, lone surrogates, out-of-range numbers.
#[test]
fn edge_documents() {
    let deep = "[".repeat(200) + &"]".repeat(200);
    let e = parse_sender_recall(200, deep.as_bytes()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Protocol);
    // Skipped members and MsgBody (kept as text) are skipped without recursion: a depth
    // bomb cannot exhaust the stack, and the body comes back verbatim for JS to read.
    let deep_obj = format!(r#"{{"ErrorCode":0,"X":{}}}"#, deep);
    assert!(parse_sender_recall(200, deep_obj.as_bytes()).is_ok());
    let deep_body = format!(r#"{{"ErrorCode":0,"RspMsgList":[{{"MsgSeq":1,"MsgBody":{deep}}}]}}"#);
    let page = parse_group_history(200, deep_body.as_bytes()).unwrap();
    assert_eq!(page.messages[0].msg_body.json(), deep);
    let lone = br#"{"ErrorCode":0,"ErrorInfo":"\ud800"}"#;
    assert!(!parse_sender_recall(200, lone).unwrap_err().retryable);
    for n in [
        "1e400",
        "18446744073709551616",
        "-9223372036854775809",
        "1.0",
        "1e2",
        "-0",
    ] {
        let body = format!(r#"{{"ErrorCode":{n}}}"#);
        let e = parse_sender_recall(200, body.as_bytes()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Protocol, "{n}: {}", e.info);
        assert!(!e.retryable, "{n}");
    }
}
