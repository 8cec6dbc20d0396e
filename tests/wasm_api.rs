//! The exported functions, called through their JS-facing bindings inside a real JS engine:
//! run in Node and in headless Chromium by wasm-bindgen-test (see scripts/test-all.sh).
#![cfg(target_arch = "wasm32")]

use chat_recall::wasm::functions::{
    callback_ack, generate_user_sig, parse_callback, verify_user_sig,
};
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

fn obj(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in fields {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(k)).unwrap()
}

fn sign_opts() -> Vec<(&'static str, JsValue)> {
    vec![
        ("sdkAppId", 1400000000.into()),
        ("secretKey", KEY.into()),
        ("identifier", "xiaojun".into()),
        ("expireSeconds", 15552000.into()),
        ("now", 1700000000.into()),
    ]
}

/// The thrown value is a real `Error` whose own fields say what went wrong.
fn assert_recall_error(e: &JsValue, kind: &str, mentions: &str) {
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    assert_eq!(get(e, "name").as_string().as_deref(), Some("RecallError"));
    assert_eq!(get(e, "kind").as_string().as_deref(), Some(kind), "{e:?}");
    let info = get(e, "info").as_string().unwrap_or_default();
    assert!(
        info.contains(mentions),
        "{info:?} should mention {mentions:?}"
    );
    assert!(get(e, "retryable").as_bool().is_some());
    assert!(get(e, "code").as_f64().is_some());
}

#[wasm_bindgen_test]
fn sign_and_verify_round_trip() {
    let sig = generate_user_sig(obj(&sign_opts())).unwrap();
    let mut v = sign_opts();
    v.retain(|(k, _)| *k != "expireSeconds");
    v.push(("userSig", sig.clone().into()));
    let info = verify_user_sig(obj(&v)).unwrap();
    assert_eq!(get(&info, "time").as_f64(), Some(1700000000.0));
    assert_eq!(
        get(&info, "expiresAt").as_f64(),
        Some(1700000000.0 + 15552000.0)
    );
    assert!(get(&info, "userBuf").is_undefined());
}

#[wasm_bindgen_test]
fn userbuf_as_bytes_round_trips() {
    let mut o = sign_opts();
    o.push((
        "userBuf",
        js_sys::Uint8Array::from(&[0u8, 1, 255][..]).into(),
    ));
    let sig = generate_user_sig(obj(&o)).unwrap();
    let info = verify_user_sig(obj(&[
        ("sdkAppId", 1400000000.into()),
        ("secretKey", KEY.into()),
        ("identifier", "xiaojun".into()),
        ("userSig", sig.into()),
        ("now", 1700000001.into()),
    ]))
    .unwrap();
    let buf: js_sys::Uint8Array = get(&info, "userBuf").dyn_into().unwrap();
    assert_eq!(buf.to_vec(), vec![0, 1, 255]);
}

#[wasm_bindgen_test]
fn verify_rejects_forgery_and_expiry_as_auth() {
    let sig = generate_user_sig(obj(&sign_opts())).unwrap();
    let base = |key: &str, now: f64| {
        obj(&[
            ("sdkAppId", 1400000000.into()),
            ("secretKey", key.into()),
            ("identifier", "xiaojun".into()),
            ("userSig", sig.clone().into()),
            ("now", now.into()),
        ])
    };
    assert_recall_error(
        &verify_user_sig(base("wrong", 1700000000.0)).unwrap_err(),
        "auth",
        "signature",
    );
    assert_recall_error(
        &verify_user_sig(base(KEY, 1700000000.0 + 15552001.0)).unwrap_err(),
        "auth",
        "expired",
    );
}

#[wasm_bindgen_test]
fn bad_input_is_invalid_input_naming_the_field() {
    let cases: Vec<(Vec<(&str, JsValue)>, &str)> = vec![
        (vec![("sdkAppId", f64::NAN.into())], "sdkAppId"),
        (vec![("sdkAppId", (-1).into())], "sdkAppId"),
        (vec![("sdkAppId", 1.5.into())], "sdkAppId"),
        (vec![("sdkAppId", "1400000000".into())], "sdkAppId"),
        (vec![("secretKey", 5.into())], "secretKey"),
        (vec![("identifier", JsValue::NULL)], "identifier"),
        (
            vec![("identifier", "x".repeat(100_000).into())],
            "identifier",
        ),
        (vec![("expireSeconds", 0.into())], "expireSeconds"),
        (
            vec![("expireSeconds", f64::INFINITY.into())],
            "expireSeconds",
        ),
        (vec![("userBuf", 42.into())], "userBuf"),
    ];
    for (overrides, field) in cases {
        let mut o = sign_opts();
        for (k, v) in overrides {
            o.retain(|(n, _)| *n != k);
            o.push((k, v));
        }
        let e = generate_user_sig(obj(&o)).unwrap_err();
        assert_recall_error(&e, "invalid_input", field);
    }
    for not_an_object in [
        JsValue::UNDEFINED,
        JsValue::NULL,
        42.into(),
        "x".into(),
        js_sys::Array::new().into(),
    ] {
        assert_recall_error(
            &generate_user_sig(not_an_object.clone()).unwrap_err(),
            "invalid_input",
            "options",
        );
        assert_recall_error(
            &verify_user_sig(not_an_object.clone()).unwrap_err(),
            "invalid_input",
            "options",
        );
        assert_recall_error(
            &parse_callback(not_an_object).unwrap_err(),
            "invalid_input",
            "options",
        );
    }
}

#[wasm_bindgen_test]
fn callback_ack_is_exact() {
    assert_eq!(
        callback_ack(),
        r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}"#
    );
}

fn callback_opts(url: &str, body: &str, now: f64) -> JsValue {
    obj(&[
        ("url", url.into()),
        ("body", body.into()),
        ("sdkAppId", 1400000000.into()),
        ("token", "xxxxyyyy".into()),
        ("now", now.into()),
    ])
}

const SIGNED: &str = "https://app.example/cb?SdkAppid=1400000000&CallbackCommand=Group.CallbackAfterRecallMsg&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI&Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061&RequestTime=1669872112";
const GROUP_BODY: &str = r#"{"CallbackCommand":"Group.CallbackAfterRecallMsg","Operator_Account":"admin","Type":"Public","GroupId":"1213456","MsgSeqList":[{"MsgSeq":130}],"EventTime":"1669872112000"}"#;

#[wasm_bindgen_test]
fn parse_callback_verifies_and_parses() {
    let ev = parse_callback(callback_opts(SIGNED, GROUP_BODY, 1669872112.0)).unwrap();
    assert_eq!(
        get(&ev, "callbackCommand").as_string().as_deref(),
        Some("Group.CallbackAfterRecallMsg")
    );
    assert_eq!(get(&ev, "groupId").as_string().as_deref(), Some("1213456"));
    let seqs: js_sys::Array = get(&ev, "msgSeqs").dyn_into().unwrap();
    assert_eq!(seqs.get(0).as_f64(), Some(130.0));
    // Stale, forged and foreign requests are refused as auth errors.
    assert_recall_error(
        &parse_callback(callback_opts(SIGNED, GROUP_BODY, 1669872112.0 + 61.0)).unwrap_err(),
        "auth",
        "RequestTime",
    );
    let forged = SIGNED.replace("Sign=1", "Sign=2");
    assert_eq!(
        get(
            &parse_callback(callback_opts(&forged, GROUP_BODY, 1669872112.0)).unwrap_err(),
            "kind"
        )
        .as_string()
        .as_deref(),
        Some("auth")
    );
    let foreign = SIGNED.replace("SdkAppid=1400000000", "SdkAppid=1400000001");
    assert_recall_error(
        &parse_callback(callback_opts(&foreign, GROUP_BODY, 1669872112.0)).unwrap_err(),
        "auth",
        "SdkAppid",
    );
    // A malformed body is invalid input, never a panic.
    for body in [
        "",
        "{",
        "[]",
        "null",
        r#"{"CallbackCommand":"Group.CallbackAfterRecallMsg"}"#,
    ] {
        assert_eq!(
            get(
                &parse_callback(callback_opts(SIGNED, body, 1669872112.0)).unwrap_err(),
                "kind"
            )
            .as_string()
            .as_deref(),
            Some("invalid_input"),
            "{body}"
        );
    }
}
