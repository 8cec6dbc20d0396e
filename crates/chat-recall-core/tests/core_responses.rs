//! Responses: the seeds' and docs' sample answers, the envelope rules, history pages.
#![cfg(not(target_arch = "wasm32"))]

use chat_recall_core::endpoint::Api;
use chat_recall_core::error::ErrorKind;
use chat_recall_core::history::*;
use chat_recall_core::responses::*;
use serde_json::json;

/// What JS receives: the result serialised by serde.
fn to_value(v: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(v).expect("results serialise to JSON")
}

const OK: &[u8] = br#"{"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0}"#;
const FAIL_90001: &[u8] = br#"{"ActionStatus": "FAIL", "ErrorInfo": "Fail to Parse json data of body, Please check it", "ErrorCode": 90001}"#;

#[test]
fn seed_recall_ret_list_mixed() {
    let body = br#"{"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0,
        "RecallRetList":[{"MsgSeq":100,"RetCode":10030},{"MsgSeq":101,"RetCode":0}]}"#;
    let list = parse_group_recall(200, body).unwrap();
    assert_eq!(
        list,
        vec![
            RecallRet {
                msg_seq: 100,
                ret_code: 10030
            },
            RecallRet {
                msg_seq: 101,
                ret_code: 0
            }
        ]
    );
}

#[test]
fn recall_list_keeps_order_and_duplicates() {
    let body = br#"{"ActionStatus":"OK","ErrorCode":0,"Extra":{"x":[1]},"RecallRetList":[{"MsgSeq":5,"RetCode":0},{"MsgSeq":3,"RetCode":10031},{"MsgSeq":5,"RetCode":10032,"More":1}]}"#;
    let seqs: Vec<(u64, i64)> = parse_group_recall(200, body)
        .unwrap()
        .into_iter()
        .map(|r| (r.msg_seq, r.ret_code))
        .collect();
    assert_eq!(seqs, vec![(5, 0), (3, 10031), (5, 10032)]);
    assert!(parse_group_recall(200, OK).unwrap().is_empty());
    assert!(parse_group_recall(
        200,
        br#"{"ActionStatus":"OK","ErrorCode":0,"RecallRetList":null}"#
    )
    .unwrap()
    .is_empty());
    let e = parse_group_recall(
        200,
        br#"{"ActionStatus":"OK","ErrorCode":0,"RecallRetList":{}}"#,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Protocol);
    let e = parse_group_recall(
        200,
        br#"{"ActionStatus":"OK","ErrorCode":0,"RecallRetList":[{"MsgSeq":1}]}"#,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Protocol);
    assert_eq!(e.api, Api::GroupMsgRecall.path());
}

#[test]
fn seed_fail_90001() {
    let e = parse_c2c_withdraw(200, FAIL_90001).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert_eq!(e.code, 90001);
    assert_eq!(e.info, "Fail to Parse json data of body, Please check it");
    assert_eq!(e.api, "openim/admin_msgwithdraw");
    assert_eq!(e.http_status, Some(200));
    assert!(!e.retryable);
}

#[test]
fn seed_success_samples() {
    assert_eq!(
        parse_c2c_withdraw(200, OK).unwrap(),
        WithdrawOutcome {
            already_recalled: false
        }
    );
    parse_sender_recall(200, OK).unwrap();
}

#[test]
fn already_recalled_is_success() {
    let body = br#"{"ActionStatus":"FAIL","ErrorInfo":"msg has been withdrawn","ErrorCode":20023}"#;
    assert_eq!(
        parse_c2c_withdraw(200, body).unwrap(),
        WithdrawOutcome {
            already_recalled: true
        }
    );
    assert_eq!(
        to_value(&WithdrawOutcome {
            already_recalled: true
        }),
        json!({"alreadyRecalled": true})
    );
    // Only admin_msgwithdraw treats 20023 so.
    assert_eq!(parse_sender_recall(200, body).unwrap_err().code, 20023);
}

#[test]
fn envelope_rules() {
    let api = Api::GroupMsgRecall;
    // HTTP status.
    let e = parse_envelope(api, 502, b"<html>bad gateway</html>").unwrap_err();
    assert_eq!(
        (e.kind, e.retryable, e.http_status),
        (ErrorKind::Server, true, Some(502))
    );
    assert_eq!(e.api, api.path());
    let e = parse_envelope(api, 404, b"").unwrap_err();
    assert_eq!(
        (e.kind, e.retryable, e.http_status),
        (ErrorKind::Protocol, false, Some(404))
    );
    let e = parse_envelope(api, 429, b"").unwrap_err();
    assert_eq!((e.kind, e.retryable), (ErrorKind::RateLimited, true));
    // Truncated / empty: retryable protocol; garbage: final protocol.
    for body in [
        &b""[..],
        b"{\"ActionStatus\":\"OK\",\"ErrorCode\":0",
        b"   ",
    ] {
        let e = parse_envelope(api, 200, body).unwrap_err();
        assert_eq!(
            (e.kind, e.retryable, e.http_status),
            (ErrorKind::Protocol, true, Some(200)),
            "{body:?}"
        );
    }
    for body in [
        &b"<html>"[..],
        b"[1,2]",
        b"\"OK\"",
        b"{}",
        b"{\"ActionStatus\":1}",
        b"{\"ErrorCode\":\"x\"}",
        b"{\"ErrorCode\":1.5}",
    ] {
        let e = parse_envelope(api, 200, body).unwrap_err();
        assert_eq!(
            (e.kind, e.retryable),
            (ErrorKind::Protocol, false),
            "{body:?}"
        );
    }
    // Service errors.
    let e = parse_envelope(
        api,
        200,
        br#"{"ActionStatus":"FAIL","ErrorCode":60007,"ErrorInfo":"rate"}"#,
    )
    .unwrap_err();
    assert_eq!(
        (e.kind, e.retryable, e.code),
        (ErrorKind::RateLimited, true, 60007)
    );
    let e = parse_envelope(api, 200, br#"{"ActionStatus":"OK","ErrorCode":"10002"}"#).unwrap_err();
    assert_eq!(
        (e.kind, e.retryable, e.code),
        (ErrorKind::Server, true, 10002)
    );
    let e = parse_envelope(
        api,
        200,
        br#"{"ActionStatus":"FAIL","ErrorCode":0,"ErrorInfo":""}"#,
    )
    .unwrap_err();
    assert_eq!(e.code, 0);
    assert!(!e.info.is_empty());
    let e = parse_envelope(api, 200, br#"{"ActionStatus":"FAIL"}"#).unwrap_err();
    assert_eq!(e.api, api.path());
    let e = parse_envelope(api, 200, br#"{"ErrorCode":70001,"ErrorInfo":"expired"}"#).unwrap_err();
    assert_eq!((e.kind, e.retryable), (ErrorKind::Auth, true));
    // Robust to extras and to ErrorCode alone.
    assert!(parse_envelope(api, 200, br#"{"ErrorCode":0}"#).is_ok());
    assert!(parse_envelope(
        api,
        200,
        br#"{"ActionStatus":"OK","ErrorDisplay":"","Unknown":[{}]}"#
    )
    .is_ok());
}

#[test]
fn doc_group_history_page() {
    let body = br#"{
        "ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0, "GroupId": "@TGS#15ERQPAER", "IsFinished": 1,
        "RspMsgList": [
            {"From_Account": "144115197276518801", "IsPlaceMsg": 0,
             "MsgBody": [{"MsgContent": {"Data": "x", "Desc": "MIF", "Ext": ""}, "MsgType": "TIMCustomElem"},
                         {"MsgContent": {"Data": "", "Index": 15}, "MsgType": "TIMFaceElem"}],
             "MsgPriority": 1, "MsgRandom": 51083293, "MsgSeq": 7803321, "MsgTimeStamp": 1458721802},
            {"From_Account": "144115198339527735", "IsPlaceMsg": 0,
             "MsgBody": [{"MsgContent": {"Text": "Report"}, "MsgType": "TIMTextElem"}],
             "MsgPriority": 1, "MsgRandom": 235168582, "MsgSeq": 7803320, "MsgTimeStamp": 1458721797}
        ]}"#;
    let p = parse_group_history(200, body).unwrap();
    // IsFinished 1 means the requested range came back whole, not that history ended:
    // older messages (below 7803320) remain.
    assert!(p.range_complete);
    assert!(!p.is_finished);
    assert_eq!(p.next_before_seq, Some(7803319));
    assert_eq!(p.messages.len(), 2);
    let m = &p.messages[1];
    assert_eq!(
        (m.msg_seq, m.msg_random, m.msg_time_stamp, m.msg_priority),
        (7803320, 235168582, 1458721797, 1)
    );
    assert_eq!(
        to_value(&m.msg_body),
        json!([{"MsgContent": {"Text": "Report"}, "MsgType": "TIMTextElem"}])
    );
    assert!(!m.recalled && !m.is_system_msg);
    let v = to_value(&p);
    assert_eq!(v["isFinished"], json!(false));
    assert_eq!(v["nextBeforeSeq"], json!(7803319));
    assert_eq!(v["rangeComplete"], json!(true));
    assert_eq!(v["messages"][0]["fromAccount"], json!("144115197276518801"));
    for k in [
        "fromAccount",
        "msgSeq",
        "msgRandom",
        "msgTimeStamp",
        "isPlaceMsg",
        "isSystemMsg",
        "msgPriority",
        "recalled",
        "msgBody",
    ] {
        assert!(v["messages"][0].get(k).is_some(), "{k}");
    }
}

#[test]
fn group_history_recalled_holes_and_paging() {
    let body = br#"{"ActionStatus":"OK","ErrorCode":0,"IsFinished":0,"RspMsgList":[
        {"From_Account":"a","IsPlaceMsg":2,"MsgSeq":12,"MsgBody":[]},
        {"IsPlaceMsg":1,"MsgSeq":11},
        {"From_Account":"c","IsPlaceMsg":0,"IsSystemMsg":1,"MsgSeq":"10"}]}"#;
    let p = parse_group_history(200, body).unwrap();
    assert_eq!(
        p.messages.iter().map(|m| m.recalled).collect::<Vec<_>>(),
        [true, false, false]
    );
    assert_eq!(p.messages[1].from_account, "");
    assert_eq!(to_value(&p.messages[1].msg_body), json!([]));
    assert!(p.messages[2].is_system_msg);
    assert_eq!(p.next_before_seq, Some(9));
    // Seq 1 is the oldest possible: no next page even if the service says not finished.
    let p = parse_group_history(
        200,
        br#"{"ActionStatus":"OK","ErrorCode":0,"IsFinished":0,"RspMsgList":[{"MsgSeq":1}]}"#,
    )
    .unwrap();
    assert_eq!(p.next_before_seq, None);
    // Empty and no IsFinished: finished.
    let p = parse_group_history(200, OK).unwrap();
    assert!(p.is_finished && p.messages.is_empty());
    // A message without MsgSeq is a protocol error.
    let e = parse_group_history(
        200,
        br#"{"ActionStatus":"OK","ErrorCode":0,"RspMsgList":[{"IsPlaceMsg":0}]}"#,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Protocol);
    assert_eq!(e.api, "group_open_http_svc/group_msg_get_simple");
}

#[test]
fn doc_c2c_history_page() {
    let body = br#"{"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0, "Complete": 0, "MsgCnt": 12,
        "LastMsgTime": 1584669680, "LastMsgKey": "549396494_2578554_1584669680",
        "MsgList": [
            {"From_Account": "user1", "To_Account": "user2", "MsgSeq": 549396494, "MsgRandom": 2578554,
             "MsgTimeStamp": 1584669680, "MsgFlagBits": 0, "IsPeerRead": 0, "MsgKey": "549396494_2578554_1584669680",
             "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "msg 1"}}], "CloudCustomData": "your cloud custom data"},
            {"From_Account": "user2", "To_Account": "user1", "MsgSeq": 1054803289, "MsgRandom": 7201,
             "MsgTimeStamp": 1584669689, "MsgFlagBits": 8, "IsPeerRead": 0, "MsgKey": "1054803289_7201_1584669689",
             "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "msg 2"}}]}
        ]}"#;
    let p = parse_c2c_history(200, body).unwrap();
    assert!(!p.complete);
    assert_eq!(
        p.last_msg_key.as_deref(),
        Some("549396494_2578554_1584669680")
    );
    assert_eq!(p.last_msg_time, Some(1584669680));
    assert_eq!(p.messages.len(), 2);
    assert!(!p.messages[0].recalled && p.messages[1].recalled);
    assert_eq!(p.messages[1].msg_key, "1054803289_7201_1584669689");
    let v = to_value(&p);
    assert_eq!(v["complete"], json!(false));
    assert_eq!(v["lastMsgKey"], json!("549396494_2578554_1584669680"));
    assert_eq!(v["lastMsgTime"], json!(1584669680));
    for k in [
        "fromAccount",
        "toAccount",
        "msgSeq",
        "msgRandom",
        "msgTimeStamp",
        "msgFlagBits",
        "msgKey",
        "recalled",
        "msgBody",
    ] {
        assert!(v["messages"][0].get(k).is_some(), "{k}");
    }
    // Missing MsgKey is a protocol error; a failing envelope is the service's error.
    assert!(parse_c2c_history(
        200,
        br#"{"ActionStatus":"OK","ErrorCode":0,"MsgList":[{"MsgSeq":1}]}"#
    )
    .is_err());
    assert_eq!(
        parse_c2c_history(200, br#"{"ActionStatus":"FAIL","ErrorCode":70107}"#)
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    let p = parse_c2c_history(
        200,
        br#"{"ActionStatus":"OK","ErrorCode":0,"Complete":1,"LastMsgKey":""}"#,
    )
    .unwrap();
    assert!(p.complete && p.last_msg_key.is_none());
}
