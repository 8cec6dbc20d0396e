//! Webhooks: the seed's sample, Sign vector, and every rejection.
#![cfg(not(target_arch = "wasm32"))]

use chat_recall_core::error::ErrorKind;
use chat_recall_core::limits::MAX_CALLBACK_BODY_BYTES;
use chat_recall_core::webhook::*;
use serde_json::json;

/// What JS receives: the result serialised by serde.
fn to_value(v: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(v).expect("results serialise to JSON")
}

const APP: u64 = 1400000000;
const TOKEN: &str = "xxxxyyyy";
const T: u64 = 1669872112;
const SIGN: &str = "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061";

/// The seed's sample body, comments removed.
const SEED_BODY: &str = r#"{
    "CallbackCommand":"Group.CallbackAfterRecallMsg",
    "Operator_Account":"admin",
    "Type": "Public",
    "GroupId":"1213456",
    "MsgSeqList":[
        {"MsgSeq":130}
    ]
}"#;

fn url(extra: &str) -> String {
    format!("https://www.example.com/callback?SdkAppid={APP}&CallbackCommand=Group.CallbackAfterRecallMsg&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI{extra}")
}

fn signed_url() -> String {
    url(&format!("&Sign={SIGN}&RequestTime={T}"))
}

fn input<'a>(url: &'a str, body: &'a str, token: Option<&'a str>, now: u64) -> CallbackInput<'a> {
    CallbackInput {
        url,
        body: body.as_bytes(),
        sdk_app_id: APP,
        auth: token.map_or(CallbackAuth::Unsigned, CallbackAuth::Token),
        now,
        max_skew_seconds: DEFAULT_MAX_SKEW_SECONDS,
    }
}

#[test]
fn sign_vector() {
    assert_eq!(compute_sign(TOKEN, "1669872112"), SIGN);
    assert_eq!(
        sign_callback_query(TOKEN, T),
        format!("Sign={SIGN}&RequestTime={T}")
    );
    assert_eq!(
        callback_ack(),
        r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}"#
    );
}

#[test]
fn seed_sample_unsigned() {
    let u = url("");
    let ev = parse_callback(&input(&u, SEED_BODY, None, 0)).unwrap();
    assert_eq!(ev.callback_command(), "Group.CallbackAfterRecallMsg");
    assert_eq!(
        ev.detail,
        CallbackDetail::GroupRecall {
            operator_account: "admin".into(),
            group_type: "Public".into(),
            group_id: "1213456".into(),
            topic_id: None,
            msg_seqs: vec![130]
        }
    );
    assert_eq!(
        to_value(&ev),
        json!({"callbackCommand": "Group.CallbackAfterRecallMsg", "sdkAppId": APP, "clientIp": "127.0.0.1", "optPlatform": "RESTAPI",
               "operatorAccount": "admin", "groupType": "Public", "groupId": "1213456", "msgSeqs": [130]})
    );
}

#[test]
fn seed_sample_signed_and_skew() {
    let u = signed_url();
    let ev = parse_callback(&input(&u, SEED_BODY, Some(TOKEN), T)).unwrap();
    assert_eq!(ev.request_time, Some(T));
    // Within the window, both directions.
    assert!(parse_callback(&input(&u, SEED_BODY, Some(TOKEN), T + 60)).is_ok());
    assert!(parse_callback(&input(&u, SEED_BODY, Some(TOKEN), T - 60)).is_ok());
    for now in [T + 61, T - 61, 0, u64::MAX] {
        let e = parse_callback(&input(&u, SEED_BODY, Some(TOKEN), now)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Auth, "{now}");
        assert!(e.info.starts_with("RequestTime"), "{}", e.info);
    }
    let mut i = input(&u, SEED_BODY, Some(TOKEN), T + 300);
    i.max_skew_seconds = 300;
    assert!(parse_callback(&i).is_ok());
    // Upper-case hex is the same Sign.
    let upper = url(&format!("&Sign={}&RequestTime={T}", SIGN.to_uppercase()));
    assert!(parse_callback(&input(&upper, SEED_BODY, Some(TOKEN), T)).is_ok());
    // Just the query works too.
    let q = u.split_once('?').unwrap().1.to_string();
    assert!(parse_callback(&input(&q, SEED_BODY, Some(TOKEN), T)).is_ok());
    assert!(parse_callback(&input(&format!("?{q}"), SEED_BODY, Some(TOKEN), T)).is_ok());
}

#[test]
fn auth_rejections() {
    let auth = |u: &str, token: Option<&str>| {
        let e = parse_callback(&input(u, SEED_BODY, token, T)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Auth, "{u}: {}", e.info);
        e.info
    };
    // Foreign, missing or duplicated appid; with or without token.
    let foreign = signed_url().replace(&format!("SdkAppid={APP}"), "SdkAppid=1400000001");
    assert!(auth(&foreign, Some(TOKEN)).starts_with("SdkAppid"));
    assert!(auth(&foreign, None).starts_with("SdkAppid"));
    let missing = signed_url().replace(&format!("SdkAppid={APP}&"), "");
    assert!(auth(&missing, None).starts_with("SdkAppid"));
    assert!(auth(&format!("{}&SdkAppid={APP}", signed_url()), None).starts_with("SdkAppid"));
    // Wrong token, tampered sign or time, missing parts.
    assert!(auth(&signed_url(), Some("other")).starts_with("Sign"));
    let tampered = signed_url().replace(&SIGN[..4], "0000");
    assert!(auth(&tampered, Some(TOKEN)).starts_with("Sign"));
    let shifted = url(&format!("&Sign={SIGN}&RequestTime={}", T + 1));
    assert!(auth(&shifted, Some(TOKEN)).starts_with("Sign"));
    assert!(auth(&url(&format!("&RequestTime={T}")), Some(TOKEN)).starts_with("Sign"));
    assert!(auth(&url(&format!("&Sign={SIGN}")), Some(TOKEN)).starts_with("RequestTime"));
    assert!(
        auth(&url(&format!("&Sign={SIGN}&RequestTime=-{T}")), Some(TOKEN))
            .starts_with("RequestTime")
    );
    assert!(auth(
        &url(&format!("&Sign={SIGN}&Sign={SIGN}&RequestTime={T}")),
        Some(TOKEN)
    )
    .starts_with("Sign"));
    // Without a token, a bad Sign is not looked at.
    assert!(parse_callback(&input(&tampered, SEED_BODY, None, 0)).is_ok());
}

#[test]
fn event_time_string_or_number_and_topic() {
    let u = url("");
    for et in [json!(1669872112123u64), json!("1669872112123")] {
        let body = json!({"CallbackCommand": "Group.CallbackAfterRecallMsg", "Operator_Account": "admin", "Type": "Community",
                          "GroupId": "@TGS#_g", "TopicId": "@TGS#_g@TOPIC#_t", "MsgSeqList": [{"MsgSeq": 1}, {"MsgSeq": "2"}],
                          "EventTime": et})
        .to_string();
        let ev = parse_callback(&input(&u, &body, None, 0)).unwrap();
        assert_eq!(ev.event_time, Some(1669872112123));
        let v = to_value(&ev);
        assert_eq!(v["eventTime"], json!(1669872112123u64));
        assert_eq!(v["topicId"], json!("@TGS#_g@TOPIC#_t"));
        assert_eq!(v["msgSeqs"], json!([1, 2]));
    }
    let body = r#"{"CallbackCommand":"Group.CallbackAfterRecallMsg","GroupId":"g","MsgSeqList":[],"EventTime":"soon"}"#;
    let e = parse_callback(&input(&u, body, None, 0)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(e.info.starts_with("body.EventTime"));
}

#[test]
fn c2c_withdraw_with_ios_platform() {
    let u = format!("https://h/cb?SdkAppid={APP}&CallbackCommand=C2C.CallbackAfterMsgWithDraw&contenttype=json&ClientIP=10.0.0.1&OptPlatform=IOS&Sign={SIGN}&RequestTime={T}");
    let body = r#"{"CallbackCommand":"C2C.CallbackAfterMsgWithDraw","From_Account":"jared","To_Account":"Jonh",
                  "MsgKey":"1353691411_2678277_1590056637","UnreadMsgNum":7,"EventTime":"1670574414123"}"#;
    let ev = parse_callback(&input(&u, body, Some(TOKEN), T)).unwrap();
    assert_eq!(ev.opt_platform, Some("iOS"));
    assert_eq!(
        to_value(&ev),
        json!({"callbackCommand": "C2C.CallbackAfterMsgWithDraw", "sdkAppId": APP, "clientIp": "10.0.0.1", "optPlatform": "iOS",
               "requestTime": T, "eventTime": 1670574414123u64, "fromAccount": "jared", "toAccount": "Jonh",
               "msgKey": "1353691411_2678277_1590056637", "unreadMsgNum": 7})
    );
    for (p, want) in [
        ("web", "Web"),
        ("ANDROID", "Android"),
        ("ipad", "iPad"),
        ("mac", "Mac"),
        ("Windows", "Windows"),
        ("toaster", "Unknown"),
    ] {
        let u2 = u.replace("OptPlatform=IOS", &format!("OptPlatform={p}"));
        assert_eq!(
            parse_callback(&input(&u2, body, Some(TOKEN), T))
                .unwrap()
                .opt_platform,
            Some(want)
        );
    }
}

#[test]
fn malformed_bodies_and_commands() {
    let u = url("");
    let bad = |u: &str, body: &str, field: &str| {
        let e = parse_callback(&input(u, body, None, 0)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidInput, "{body}: {}", e.info);
        assert!(e.info.starts_with(field), "{body}: {}", e.info);
    };
    bad(&u, "", "body");
    bad(&u, "{", "body");
    bad(&u, "[]", "body");
    bad(
        &u,
        r#"{"CallbackCommand":"Group.CallbackAfterRecallMsg","GroupId":"g"}"#,
        "body.MsgSeqList",
    );
    bad(
        &u,
        r#"{"CallbackCommand":"Group.CallbackAfterRecallMsg","GroupId":"g","MsgSeqList":[{"MsgSeq":0}]}"#,
        "body.MsgSeqList[0].MsgSeq",
    );
    bad(
        &u,
        r#"{"CallbackCommand":"Group.CallbackAfterRecallMsg","GroupId":"g","MsgSeqList":[{"MsgSeq":-1}]}"#,
        "body.MsgSeqList[0].MsgSeq",
    );
    bad(
        &u,
        r#"{"CallbackCommand":"Group.CallbackAfterRecallMsg","GroupId":"g","MsgSeqList":[1]}"#,
        "body.MsgSeqList[0].MsgSeq",
    );
    bad(
        &u,
        r#"{"CallbackCommand":"Group.CallbackAfterRecallMsg","GroupId":"","MsgSeqList":[]}"#,
        "body.GroupId",
    );
    bad(
        &u,
        r#"{"CallbackCommand":"Group.CallbackAfterRecallMsg","GroupId":"g","Type":5,"MsgSeqList":[]}"#,
        "body.Type",
    );
    // Command disagreement, unknown and missing commands.
    bad(
        &u,
        r#"{"CallbackCommand":"C2C.CallbackAfterMsgWithDraw","From_Account":"a","To_Account":"b","MsgKey":"1_2_3"}"#,
        "CallbackCommand",
    );
    let other = u.replace("Group.CallbackAfterRecallMsg", "Group.CallbackAfterSendMsg");
    bad(
        &other,
        r#"{"CallbackCommand":"Group.CallbackAfterSendMsg"}"#,
        "CallbackCommand",
    );
    let none = u.replace("CallbackCommand=Group.CallbackAfterRecallMsg&", "");
    bad(
        &none,
        r#"{"GroupId":"g","MsgSeqList":[]}"#,
        "CallbackCommand",
    );
    // The query alone names the command when the body omits it.
    assert!(parse_callback(&input(
        &u,
        r#"{"GroupId":"g","MsgSeqList":[{"MsgSeq":3}]}"#,
        None,
        0
    ))
    .is_ok());
    // C2C required fields.
    let c = u.replace(
        "Group.CallbackAfterRecallMsg",
        "C2C.CallbackAfterMsgWithDraw",
    );
    bad(
        &c,
        r#"{"From_Account":"a","To_Account":"b"}"#,
        "body.MsgKey",
    );
    bad(
        &c,
        r#"{"From_Account":"a","MsgKey":"1_2_3"}"#,
        "body.To_Account",
    );
    bad(
        &c,
        r#"{"To_Account":"a","MsgKey":"1_2_3","UnreadMsgNum":-2}"#,
        "body.From_Account",
    );
    bad(
        &c,
        r#"{"From_Account":"a","To_Account":"b","MsgKey":"1_2_3","UnreadMsgNum":-2}"#,
        "body.UnreadMsgNum",
    );
    // Caps.
    let big = format!(
        r#"{{"GroupId":"g","MsgSeqList":[],"Pad":"{}"}}"#,
        "x".repeat(MAX_CALLBACK_BODY_BYTES)
    );
    bad(&u, &big, "body");
    let many: Vec<_> = (1..=MAX_CALLBACK_SEQS as u64 + 1)
        .map(|s| json!({"MsgSeq": s}))
        .collect();
    bad(
        &u,
        &json!({"GroupId": "g", "MsgSeqList": many}).to_string(),
        "body.MsgSeqList",
    );
    // A malformed escape is kept literally (as URLSearchParams does), so a parameter the
    // check does not read cannot make it fail; the URL's length still can.
    assert!(parse_callback(&input(&format!("{u}&x=%zz"), SEED_BODY, None, 0)).is_ok());
    bad(&"a".repeat(MAX_CALLBACK_URL_BYTES + 1), SEED_BODY, "url");
    // Our own configuration.
    let e = parse_callback(&input(&u, SEED_BODY, Some(""), 0)).unwrap_err();
    assert!(e.info.starts_with("token"));
    let mut i = input(&u, SEED_BODY, None, 0);
    i.sdk_app_id = 0;
    assert!(parse_callback(&i).unwrap_err().info.starts_with("sdkAppId"));
}

/// Found by the hostile JS suite: a MsgSeq above 2^53-1 was accepted and reached JS rounded
/// (9007199254740993 became 9007199254740992). It is refused, naming the entry.
#[test]
fn msg_seq_above_the_safe_integer_range_is_refused() {
    let u = signed_url();
    for seq in [
        "9007199254740992",
        "9007199254740993",
        "18446744073709551615",
    ] {
        let body = SEED_BODY.replace("130", seq);
        let e = parse_callback(&input(&u, &body, Some(TOKEN), T)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidInput, "{seq}");
        assert!(e.info.contains("MsgSeqList[0].MsgSeq"), "{}", e.info);
    }
    let body = SEED_BODY.replace("130", "9007199254740991");
    let ev = parse_callback(&input(&u, &body, Some(TOKEN), T)).unwrap();
    assert!(
        matches!(ev.detail, CallbackDetail::GroupRecall { ref msg_seqs, .. } if msg_seqs == &[9007199254740991])
    );
}
