//! Requests: the seeds' sample bodies and every validation rule.
#![cfg(not(target_arch = "wasm32"))]

use chat_recall_core::endpoint::Api;
use chat_recall_core::error::ErrorKind;
use chat_recall_core::requests::*;
use serde_json::{json, Value};

fn body<R: Request>(r: &R) -> Value {
    serde_json::from_str(&r.body()).expect("request bodies are JSON")
}

fn field_of(e: chat_recall_core::error::RecallError) -> String {
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(!e.retryable);
    e.info.split(':').next().unwrap_or("").to_string()
}

#[test]
fn seed_group_msg_recall() {
    let r = GroupRecall::new("@TGS#2J4SZEAEL", &[100, 101], None, None).unwrap();
    assert_eq!(r.api(), Api::GroupMsgRecall);
    assert_eq!(
        body(&r),
        json!({"GroupId": "@TGS#2J4SZEAEL", "MsgSeqList": [{"MsgSeq": 100}, {"MsgSeq": 101}]})
    );
}

#[test]
fn group_recall_with_topic_and_reason() {
    let r = GroupRecall::new(
        "@TGS#_@TGS#cQVLVHIM62CJ",
        &[1, 9007199254740991, 1],
        Some("@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic"),
        Some("spam \"link\" 中文"),
    )
    .unwrap();
    assert_eq!(
        body(&r),
        json!({"GroupId": "@TGS#_@TGS#cQVLVHIM62CJ", "MsgSeqList": [{"MsgSeq": 1}, {"MsgSeq": 9007199254740991u64}, {"MsgSeq": 1}],
               "TopicId": "@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic", "Reason": "spam \"link\" 中文"})
    );
    assert_eq!(r.msg_seqs(), &[1, 9007199254740991, 1]);
}

#[test]
fn seed_delete_group_msg_by_sender() {
    let r = SenderRecall::new("@TGS#2C5SZEAEF", "leckie", None).unwrap();
    assert_eq!(r.api(), Api::DeleteGroupMsgBySender);
    assert_eq!(
        body(&r),
        json!({"GroupId": "@TGS#2C5SZEAEF", "Sender_Account": "leckie"})
    );
    let r = SenderRecall::new("g", "u", Some("t")).unwrap();
    assert_eq!(
        body(&r),
        json!({"GroupId": "g", "Sender_Account": "u", "TopicId": "t"})
    );
}

#[test]
fn seed_admin_msgwithdraw() {
    let r = C2CWithdraw::new("vinson", "dramon", "31906_833502_1572869830").unwrap();
    assert_eq!(r.api(), Api::AdminMsgWithdraw);
    assert_eq!(
        body(&r),
        json!({"From_Account": "vinson", "To_Account": "dramon", "MsgKey": "31906_833502_1572869830"})
    );
}

#[test]
fn doc_group_msg_get_simple() {
    let r = GroupHistoryQuery::new("@TGS#15ERQPAER", 2, None, false, None).unwrap();
    assert_eq!(r.api(), Api::GroupMsgGetSimple);
    assert_eq!(
        body(&r),
        json!({"GroupId": "@TGS#15ERQPAER", "ReqMsgNumber": 2})
    );
    let r = GroupHistoryQuery::new("@TGS#15ERQPAER", 2, Some(7803321), true, Some("t")).unwrap();
    assert_eq!(
        body(&r),
        json!({"GroupId": "@TGS#15ERQPAER", "ReqMsgNumber": 2, "ReqMsgSeq": 7803321, "WithRecalledMsg": 1, "TopicId": "t"})
    );
}

#[test]
fn doc_admin_getroammsg() {
    let r = C2CHistoryQuery::new("user2", "user1", 100, 1584669600, 1584673200, None).unwrap();
    assert_eq!(r.api(), Api::AdminGetRoamMsg);
    assert_eq!(
        body(&r),
        json!({"Operator_Account": "user2", "Peer_Account": "user1", "MaxCnt": 100, "MinTime": 1584669600, "MaxTime": 1584673200})
    );
    let r = C2CHistoryQuery::new(
        "user2",
        "user1",
        100,
        1584669600,
        1584669680,
        Some("549396494_2578554_1584669680"),
    )
    .unwrap();
    assert_eq!(
        body(&r),
        json!({"Operator_Account": "user2", "Peer_Account": "user1", "MaxCnt": 100, "MinTime": 1584669600, "MaxTime": 1584669680,
               "LastMsgKey": "549396494_2578554_1584669680"})
    );
}

#[test]
fn group_recall_rules() {
    let huge = "x".repeat(10_000);
    assert_eq!(
        field_of(GroupRecall::new("", &[1], None, None).unwrap_err()),
        "groupId"
    );
    assert_eq!(
        field_of(GroupRecall::new(&huge, &[1], None, None).unwrap_err()),
        "groupId"
    );
    assert_eq!(
        field_of(GroupRecall::new("g", &[], None, None).unwrap_err()),
        "msgSeqs"
    );
    assert_eq!(
        field_of(GroupRecall::new("g", &[1; 11], None, None).unwrap_err()),
        "msgSeqs"
    );
    assert!(GroupRecall::new("g", &[1; 10], None, None).is_ok());
    assert_eq!(
        field_of(GroupRecall::new("g", &[5, 6, 7, 0], None, None).unwrap_err()),
        "msgSeqs[3]"
    );
    assert_eq!(
        field_of(GroupRecall::new("g", &[1 << 53], None, None).unwrap_err()),
        "msgSeqs[0]"
    );
    assert_eq!(
        field_of(GroupRecall::new("g", &[u64::MAX], None, None).unwrap_err()),
        "msgSeqs[0]"
    );
    assert_eq!(
        field_of(GroupRecall::new("g", &[1], Some(""), None).unwrap_err()),
        "topicId"
    );
    assert_eq!(
        field_of(GroupRecall::new("g", &[1], Some(&huge), None).unwrap_err()),
        "topicId"
    );
    assert_eq!(
        field_of(GroupRecall::new("g", &[1], None, Some("")).unwrap_err()),
        "reason"
    );
    assert_eq!(
        field_of(GroupRecall::new("g", &[1], None, Some(&huge)).unwrap_err()),
        "reason"
    );
    assert_eq!(
        field_of(GroupRecall::new("g", &[1], None, Some("a\u{0}b")).unwrap_err()),
        "reason"
    );
    assert!(GroupRecall::new("g", &[1], None, Some(&"é".repeat(MAX_REASON_CHARS))).is_ok());
    assert_eq!(
        field_of(GroupRecall::new("g\n", &[1], None, None).unwrap_err()),
        "groupId"
    );
}

#[test]
fn msg_seq_strings() {
    assert_eq!(parse_msg_seq("msgSeqs[2]", "1").unwrap(), 1);
    assert_eq!(
        parse_msg_seq("msgSeqs[2]", "9007199254740991").unwrap(),
        9007199254740991
    );
    for bad in [
        "",
        "0",
        "000",
        "+5",
        "-5",
        " 5",
        "5 ",
        "5.0",
        "1e3",
        "0x10",
        "9007199254740992",
        "18446744073709551616",
        "٣",
    ] {
        assert_eq!(
            field_of(parse_msg_seq("msgSeqs[2]", bad).unwrap_err()),
            "msgSeqs[2]",
            "{bad:?}"
        );
    }
}

#[test]
fn sender_and_withdraw_rules() {
    assert_eq!(
        field_of(SenderRecall::new("", "u", None).unwrap_err()),
        "groupId"
    );
    assert_eq!(
        field_of(SenderRecall::new("g", "", None).unwrap_err()),
        "senderAccount"
    );
    assert_eq!(
        field_of(SenderRecall::new("g", "u", Some(" t")).unwrap_err()),
        "topicId"
    );
    assert_eq!(
        field_of(C2CWithdraw::new("", "b", "1_2_3").unwrap_err()),
        "fromAccount"
    );
    assert_eq!(
        field_of(C2CWithdraw::new("a", "", "1_2_3").unwrap_err()),
        "toAccount"
    );
    let long = format!("{}_1_1", "1".repeat(21));
    for bad in [
        "",
        "1_2",
        "a_b_c",
        "1__2",
        "1_2_3_4",
        "_1_2",
        "1_2_",
        "1_2_-3",
        "1_2_3 ",
        "１_2_3",
        long.as_str(),
    ] {
        assert_eq!(
            field_of(C2CWithdraw::new("a", "b", bad).unwrap_err()),
            "msgKey",
            "{bad:?}"
        );
    }
    assert!(C2CWithdraw::new("a", "b", &format!("{}_0_1", "9".repeat(20))).is_ok());
}

#[test]
fn history_rules() {
    assert_eq!(
        field_of(GroupHistoryQuery::new("", 1, None, false, None).unwrap_err()),
        "groupId"
    );
    assert_eq!(
        field_of(GroupHistoryQuery::new("g", 0, None, false, None).unwrap_err()),
        "count"
    );
    assert_eq!(
        field_of(GroupHistoryQuery::new("g", 21, None, false, None).unwrap_err()),
        "count"
    );
    assert!(GroupHistoryQuery::new("g", 20, None, false, None).is_ok());
    assert_eq!(
        field_of(GroupHistoryQuery::new("g", 1, Some(0), false, None).unwrap_err()),
        "beforeSeq"
    );
    assert_eq!(
        field_of(GroupHistoryQuery::new("g", 1, Some(1 << 53), false, None).unwrap_err()),
        "beforeSeq"
    );

    assert_eq!(
        field_of(C2CHistoryQuery::new("", "p", 1, 0, 1, None).unwrap_err()),
        "operatorAccount"
    );
    assert_eq!(
        field_of(C2CHistoryQuery::new("o", "", 1, 0, 1, None).unwrap_err()),
        "peerAccount"
    );
    assert_eq!(
        field_of(C2CHistoryQuery::new("o", "p", 0, 0, 1, None).unwrap_err()),
        "maxCount"
    );
    assert_eq!(
        field_of(
            C2CHistoryQuery::new("o", "p", MAX_C2C_HISTORY_COUNT + 1, 0, 1, None).unwrap_err()
        ),
        "maxCount"
    );
    assert_eq!(
        field_of(C2CHistoryQuery::new("o", "p", 1, 2, 1, None).unwrap_err()),
        "minTime"
    );
    assert_eq!(
        field_of(C2CHistoryQuery::new("o", "p", 1, 0, 1_700_000_000_000, None).unwrap_err()),
        "maxTime"
    );
    assert_eq!(
        field_of(
            C2CHistoryQuery::new("o", "p", 1, 1_700_000_000_000, 1_700_000_000_001, None)
                .unwrap_err()
        ),
        "minTime"
    );
    assert_eq!(
        field_of(C2CHistoryQuery::new("o", "p", 1, 0, 1, Some("1_2")).unwrap_err()),
        "lastMsgKey"
    );
    assert!(C2CHistoryQuery::new("o", "p", 1, 5, 5, None).is_ok());
}
