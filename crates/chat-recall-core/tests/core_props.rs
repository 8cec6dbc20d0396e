//! Property tests: no parser panics on any input (arbitrary or mutated valid), UserSig and
//! percent-encoding round trips, and request bodies always parse back with their fields.
#![cfg(not(target_arch = "wasm32"))]

use chat_recall_core::endpoint::{parse_query, percent_decode, percent_encode_into, Api};
use chat_recall_core::history::{parse_c2c_history, parse_group_history};
use chat_recall_core::limits::MAX_SAFE_INTEGER;
use chat_recall_core::requests::*;
use chat_recall_core::responses::*;
use chat_recall_core::text::check_id;
use chat_recall_core::usersig::{self, SignRequest};
use chat_recall_core::webhook::{compute_sign, parse_callback, CallbackAuth, CallbackInput};
use proptest::prelude::*;
use serde_json::{json, Value};

/// What JS receives: the result serialised by serde.
fn to_value(v: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(v).expect("results serialise to JSON")
}

const GROUP_PAGE: &str = r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"GroupId":"g","IsFinished":0,"RspMsgList":[{"From_Account":"a","IsPlaceMsg":2,"IsSystemMsg":0,"MsgPriority":1,"MsgRandom":5,"MsgSeq":12,"MsgTimeStamp":9,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]}]}"#;
const C2C_PAGE: &str = r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"Complete":0,"MsgCnt":1,"LastMsgTime":3,"LastMsgKey":"1_2_3","MsgList":[{"From_Account":"a","To_Account":"b","MsgSeq":1,"MsgRandom":2,"MsgTimeStamp":3,"MsgFlagBits":8,"MsgKey":"1_2_3","MsgBody":[]}]}"#;
const RECALL: &str = r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"RecallRetList":[{"MsgSeq":100,"RetCode":10030},{"MsgSeq":101,"RetCode":0}]}"#;
const CALLBACK_URL: &str = "https://h/cb?SdkAppid=1400000000&CallbackCommand=Group.CallbackAfterRecallMsg&contenttype=json&ClientIP=1.2.3.4&OptPlatform=IOS&Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061&RequestTime=1669872112";
const CALLBACK_BODY: &str = r#"{"CallbackCommand":"Group.CallbackAfterRecallMsg","Operator_Account":"admin","Type":"Public","GroupId":"1213456","TopicId":"t","MsgSeqList":[{"MsgSeq":130},{"MsgSeq":"131"}],"EventTime":"1669872112000"}"#;

/// Apply byte edits (overwrite, insert or delete at a position) to a valid input.
fn mutate(input: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut v = input.to_vec();
    for &(pos, op, byte) in edits {
        let at = if v.is_empty() { 0 } else { pos % (v.len() + 1) };
        match op % 3 {
            0 if at < v.len() => v[at] = byte,
            1 => v.insert(at, byte),
            _ if at < v.len() => {
                v.remove(at);
            }
            _ => {}
        }
    }
    v
}

fn edits() -> impl Strategy<Value = Vec<(usize, u8, u8)>> {
    prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)
}

/// Bytes biased towards JSON punctuation so mutations reach deep parser paths.
fn json_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        any::<u8>(),
        prop::sample::select(b"{}[]\":,0123456789-.eEtrufalsn \\".to_vec())
    ]
}

fn all_response_parsers(status: u16, body: &[u8]) {
    let _ = parse_envelope(Api::GroupMsgRecall, status, body);
    let _ = parse_group_recall(status, body);
    let _ = parse_sender_recall(status, body);
    let _ = parse_c2c_withdraw(status, body);
    let _ = parse_group_history(status, body);
    let _ = parse_c2c_history(status, body);
}

/// A valid service identifier.
fn ident() -> impl Strategy<Value = String> {
    "\\PC{1,40}".prop_filter("valid id", |s| check_id("x", s).is_ok())
}

fn seq() -> impl Strategy<Value = u64> {
    prop_oneof![1u64..1000, 1u64..=MAX_SAFE_INTEGER, Just(MAX_SAFE_INTEGER)]
}

fn msg_key() -> impl Strategy<Value = String> {
    "[0-9]{1,20}_[0-9]{1,20}_[0-9]{1,20}"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn response_parsers_total_on_bytes(status in prop_oneof![Just(200u16), any::<u16>()], body in prop::collection::vec(json_byte(), 0..300)) {
        all_response_parsers(status, &body);
    }

    #[test]
    fn response_parsers_total_on_mutations(which in 0usize..4, e in edits()) {
        let base = [GROUP_PAGE, C2C_PAGE, RECALL, r#"{"ActionStatus":"FAIL","ErrorInfo":"x","ErrorCode":20023}"#][which];
        all_response_parsers(200, &mutate(base.as_bytes(), &e));
    }

    #[test]
    fn recall_list_round_trip(items in prop::collection::vec((any::<u64>(), any::<i64>()), 0..20)) {
        let list: Vec<Value> = items.iter().map(|(s, c)| json!({"MsgSeq": s, "RetCode": c})).collect();
        let body = json!({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "RecallRetList": list}).to_string();
        let got: Vec<(u64, i64)> = parse_group_recall(200, body.as_bytes()).unwrap().into_iter().map(|r| (r.msg_seq, r.ret_code)).collect();
        prop_assert_eq!(got, items);
    }

    #[test]
    fn group_next_seq_is_below_every_message(seqs in prop::collection::vec(1u64..1_000_000, 1..20)) {
        let list: Vec<Value> = seqs.iter().map(|s| json!({"MsgSeq": s, "IsPlaceMsg": 0})).collect();
        let body = json!({"ActionStatus": "OK", "ErrorCode": 0, "IsFinished": 0, "RspMsgList": list}).to_string();
        let p = parse_group_history(200, body.as_bytes()).unwrap();
        let min = *seqs.iter().min().unwrap();
        prop_assert_eq!(p.next_before_seq, if min > 1 { Some(min - 1) } else { None });
    }

    #[test]
    fn webhook_total_on_anything(url in "\\PC{0,200}", body in prop::collection::vec(json_byte(), 0..300), token in proptest::option::of("\\PC{0,10}"), now in any::<u64>(), skew in any::<u64>()) {
        let _ = parse_callback(&CallbackInput { url: &url, body: &body, sdk_app_id: 1400000000, auth: token.as_deref().map_or(CallbackAuth::Unsigned, CallbackAuth::Token), now, max_skew_seconds: skew });
    }

    #[test]
    fn webhook_total_on_mutations(ue in edits(), be in edits(), signed in any::<bool>()) {
        let url = mutate(CALLBACK_URL.as_bytes(), &ue);
        let url = String::from_utf8_lossy(&url);
        let body = mutate(CALLBACK_BODY.as_bytes(), &be);
        let auth = if signed { CallbackAuth::Token("xxxxyyyy") } else { CallbackAuth::Unsigned };
        let _ = parse_callback(&CallbackInput { url: &url, body: &body, sdk_app_id: 1400000000, auth, now: 1669872112, max_skew_seconds: 60 });
    }

    #[test]
    fn webhook_accepts_any_valid_signature(token in "\\PC{1,40}", t in 0u64..=u32::MAX as u64, seqs in prop::collection::vec(1u64..=MAX_SAFE_INTEGER, 0..20)) {
        let url = format!("https://h/?SdkAppid=1400000000&CallbackCommand=Group.CallbackAfterRecallMsg&Sign={}&RequestTime={t}", compute_sign(&token, &t.to_string()));
        let list: Vec<Value> = seqs.iter().map(|s| json!({"MsgSeq": s})).collect();
        let body = json!({"GroupId": "g", "MsgSeqList": list}).to_string();
        let ev = parse_callback(&CallbackInput { url: &url, body: body.as_bytes(), sdk_app_id: 1400000000, auth: CallbackAuth::Token(&token), now: t, max_skew_seconds: 60 }).unwrap();
        prop_assert_eq!(to_value(&ev)["msgSeqs"].clone(), json!(seqs));
    }

    #[test]
    fn usersig_decode_total(s in "\\PC{0,300}", bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = usersig::decode(&s);
        let _ = usersig::decode(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn usersig_decode_total_on_mutations(e in edits()) {
        let sig = usersig::generate(&SignRequest { sdk_app_id: 1400000000, secret_key: "k", identifier: "admin", expire_seconds: 86400, user_buf: Some(b"ub"), now: 1700000000 }).unwrap();
        let m = mutate(sig.as_bytes(), &e);
        let m = String::from_utf8_lossy(&m);
        let _ = usersig::decode(&m);
        let _ = usersig::verify(1400000000, "k", "admin", &m, 1700000000);
    }

    #[test]
    fn usersig_round_trip(
        id in ident(),
        key in "\\PC{1,64}",
        appid in 1u64..=u32::MAX as u64,
        time in 0u64..(1u64 << 40),
        expire in 1u64..=usersig::MAX_EXPIRE_SECONDS,
        user_buf in proptest::option::of(prop::collection::vec(any::<u8>(), 0..1024)),
        offset in any::<u64>(),
    ) {
        let sig = usersig::generate(&SignRequest { sdk_app_id: appid, secret_key: &key, identifier: &id, expire_seconds: expire, user_buf: user_buf.as_deref(), now: time }).unwrap();
        let now = time + offset % (expire + 1);
        let info = usersig::verify(appid, &key, &id, &sig, now).unwrap();
        prop_assert_eq!((info.time, info.expire, info.expires_at), (time, expire, time + expire));
        prop_assert_eq!(info.user_buf, user_buf);
        prop_assert!(usersig::verify(appid, &key, &id, &sig, time + expire + 1).is_err());
    }

    #[test]
    fn percent_and_query_total(s in "\\PC{0,200}", bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let lossy = String::from_utf8_lossy(&bytes);
        for input in [s.as_str(), &lossy] {
            let _ = percent_decode(input);
            let _ = parse_query(input);
        }
    }

    #[test]
    fn percent_round_trip(k in any::<String>(), v in any::<String>()) {
        let mut enc = String::new();
        percent_encode_into(&mut enc, &v);
        prop_assert_eq!(percent_decode(&enc), v.clone());
        let mut q = String::from("a=1&");
        percent_encode_into(&mut q, &k);
        q.push('=');
        q.push_str(&enc);
        let pairs = parse_query(&q);
        prop_assert_eq!(&pairs[1], &(k, v));
    }

    #[test]
    fn msg_seq_strings(n in 1u64..=MAX_SAFE_INTEGER, junk in "\\PC{0,30}") {
        prop_assert_eq!(parse_msg_seq("msgSeqs[0]", &n.to_string()).unwrap(), n);
        if let Ok(v) = parse_msg_seq("msgSeqs[0]", &junk) {
            prop_assert!((1..=MAX_SAFE_INTEGER).contains(&v));
            prop_assert!(junk.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn group_recall_body_round_trip(g in ident(), seqs in prop::collection::vec(seq(), 1..=10), topic in proptest::option::of(ident()), reason in proptest::option::of("\\PC{1,100}")) {
        let r = GroupRecall::new(&g, &seqs, topic.as_deref(), reason.as_deref()).unwrap();
        let v: Value = serde_json::from_str(&r.body()).unwrap();
        prop_assert_eq!(&v["GroupId"], &json!(g));
        let got: Vec<u64> = v["MsgSeqList"].as_array().unwrap().iter().map(|x| x["MsgSeq"].as_u64().unwrap()).collect();
        prop_assert_eq!(got, seqs);
        prop_assert_eq!(v.get("TopicId").cloned(), topic.map(Value::from));
        prop_assert_eq!(v.get("Reason").cloned(), reason.map(Value::from));
    }

    #[test]
    fn other_bodies_round_trip(a in ident(), b in ident(), key in msg_key(), count in 1u64..=20, before in proptest::option::of(seq()), recalled in any::<bool>(),
                               max in 1u64..=MAX_C2C_HISTORY_COUNT, t1 in 0u64..=u32::MAX as u64, t2 in 0u64..=u32::MAX as u64) {
        let v: Value = serde_json::from_str(&SenderRecall::new(&a, &b, None).unwrap().body()).unwrap();
        prop_assert_eq!(v, json!({"GroupId": a, "Sender_Account": b}));
        let v: Value = serde_json::from_str(&C2CWithdraw::new(&a, &b, &key).unwrap().body()).unwrap();
        prop_assert_eq!(v, json!({"From_Account": a, "To_Account": b, "MsgKey": key}));
        let v: Value = serde_json::from_str(&GroupHistoryQuery::new(&a, count, before, recalled, Some(&b)).unwrap().body()).unwrap();
        prop_assert_eq!(&v["ReqMsgNumber"], &json!(count));
        prop_assert_eq!(v.get("ReqMsgSeq").cloned(), before.map(Value::from));
        prop_assert_eq!(v.get("WithRecalledMsg").cloned(), if recalled { Some(json!(1)) } else { None });
        let (lo, hi) = (t1.min(t2), t1.max(t2));
        let v: Value = serde_json::from_str(&C2CHistoryQuery::new(&a, &b, max, lo, hi, Some(&key)).unwrap().body()).unwrap();
        prop_assert_eq!(v, json!({"Operator_Account": a, "Peer_Account": b, "MaxCnt": max, "MinTime": lo, "MaxTime": hi, "LastMsgKey": key}));
    }

    #[test]
    fn constructors_total_and_bodies_are_json(g in "\\PC{0,200}", seqs in prop::collection::vec(any::<u64>(), 0..14), key in "\\PC{0,50}", n in any::<u64>(), t1 in any::<u64>(), t2 in any::<u64>()) {
        if let Ok(r) = GroupRecall::new(&g, &seqs, Some(&key), Some(&g)) {
            prop_assert!(serde_json::from_str::<Value>(&r.body()).is_ok());
        }
        if let Ok(r) = C2CWithdraw::new(&g, &g, &key) {
            prop_assert!(serde_json::from_str::<Value>(&r.body()).is_ok());
        }
        if let Ok(r) = GroupHistoryQuery::new(&g, n, Some(t1), true, None) {
            prop_assert!(serde_json::from_str::<Value>(&r.body()).is_ok());
        }
        if let Ok(r) = C2CHistoryQuery::new(&g, &key, n, t1, t2, Some(&key)) {
            prop_assert!(serde_json::from_str::<Value>(&r.body()).is_ok());
        }
    }
}
