//! Each endpoint's success and error paths, against the pages' sample requests/responses.

mod common;
use common::*;
use serde_json::json;

fn setup_group(emu: &Emu, kind: &str, id: &str) {
    for u in ["leckie", "vinson", "dramon"] {
        assert_eq!(
            code(&call(
                emu,
                "im_open_login_svc/account_import",
                &json!({"UserID": u})
            )),
            0
        );
    }
    let r = call(
        emu,
        "group_open_http_svc/create_group",
        &json!({"Owner_Account": "leckie", "Type": kind, "Name": "TestGroup", "GroupId": id}),
    );
    assert_eq!(r["ActionStatus"], "OK", "{r}");
    assert_eq!(r["GroupId"], id);
}

fn send(emu: &Emu, gid: &str, from: &str, n: usize) -> Vec<u64> {
    (0..n)
        .map(|i| {
            let r = call(emu, "group_open_http_svc/send_group_msg", &json!({"GroupId": gid, "Random": 4294967295u64 - i as u64, "From_Account": from, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]}));
            assert_eq!(code(&r), 0, "{r}");
            assert!(r["MsgTime"].as_u64().unwrap() > 1_600_000_000);
            r["MsgSeq"].as_u64().unwrap()
        })
        .collect()
}

#[test]
fn first_line_and_health() {
    let emu = start(&[]);
    assert!(emu.addr.starts_with("127.0.0.1:"));
    assert_eq!(
        raw(&emu.addr, "GET", "/_emulator/health", b"")
            .unwrap()
            .json()["ok"],
        true
    );
    assert_eq!(raw(&emu.addr, "GET", "/nope", b"").unwrap().status, 404);
}

#[test]
fn auth_checks_use_the_service_codes() {
    let emu = start(&[]);
    let body = json!({"UserID": "x"});
    let api = "im_open_login_svc/account_import";
    let good = admin_sig();
    let enc = |s: &str| {
        let mut o = String::new();
        chat_recall_core::endpoint::percent_encode_into(&mut o, s);
        o
    };
    let cases: Vec<(String, i64)> = vec![
        (
            format!(
                "identifier={ADMIN}&usersig={}&random=1&contenttype=json",
                enc(&good)
            ),
            60006,
        ),
        (
            format!(
                "sdkappid=abc&identifier={ADMIN}&usersig={}&random=1&contenttype=json",
                enc(&good)
            ),
            60006,
        ),
        (
            format!(
                "sdkappid={APPID}&usersig={}&random=1&contenttype=json",
                enc(&good)
            ),
            60004,
        ),
        (
            format!(
                "sdkappid={APPID}&identifier={ADMIN}&usersig={}&contenttype=json",
                enc(&good)
            ),
            60002,
        ),
        (
            format!(
                "sdkappid={APPID}&identifier={ADMIN}&usersig={}&random=4294967296&contenttype=json",
                enc(&good)
            ),
            60002,
        ),
        (
            format!(
                "sdkappid={APPID}&identifier={ADMIN}&usersig={}&random=-1&contenttype=json",
                enc(&good)
            ),
            60002,
        ),
        (
            format!(
                "sdkappid={APPID}&identifier={ADMIN}&usersig={}&random=1",
                enc(&good)
            ),
            60002,
        ),
        (
            format!(
                "sdkappid=1400000001&identifier={ADMIN}&usersig={}&random=1&contenttype=json",
                enc(&good)
            ),
            70020,
        ),
        (query("garbage", "1"), 70003),
        (query(&sig_for(ADMIN, KEY, now() - 1000, 10), "1"), 70001),
        (
            query(&sig_for(ADMIN, "another-key", now(), 86400), "1"),
            70009,
        ),
        (query(&sig_for("someone", KEY, now(), 86400), "1"), 70013),
        (
            format!(
                "sdkappid={APPID}&identifier=someone&usersig={}&random=1&contenttype=json",
                enc(&sig_for("someone", KEY, now(), 86400))
            ),
            60010,
        ),
    ];
    for (q, want) in cases {
        let r = call_q(&emu, api, &q, &body);
        assert_eq!(code(&r), want, "{q} -> {r}");
        assert_eq!(r["ActionStatus"], "FAIL");
        assert!(r["ErrorInfo"].as_str().is_some_and(|s| !s.is_empty()));
    }
    // openim answers 90009 to a non-admin; full u32 random and upper-case JSON are fine.
    let q = format!(
        "sdkappid={APPID}&identifier=someone&usersig={}&random=4294967295&contenttype=JSON",
        enc(&sig_for("someone", KEY, now(), 86400))
    );
    assert_eq!(
        code(&call_q(&emu, "openim/admin_msgwithdraw", &q, &json!({}))),
        90009
    );
    assert_eq!(code(&call_q(&emu, api, &query(&good, "0"), &body)), 0);
    // Unknown command and a GET.
    assert_eq!(code(&call(&emu, "group_open_http_svc/nope", &body)), 60009);
    let r = raw(
        &emu.addr,
        "GET",
        &format!("/v4/{api}?{}", query(&good, "1")),
        b"",
    )
    .unwrap();
    assert_eq!(code(&r.json()), 60002);
}

#[test]
fn create_group_and_send() {
    let emu = start(&[]);
    assert_eq!(
        code(&call(
            &emu,
            "im_open_login_svc/account_import",
            &json!({"UserID": "leckie", "Nick": "L"})
        )),
        0
    );
    assert_eq!(
        code(&call(&emu, "im_open_login_svc/account_import", &json!({}))),
        70402
    );
    let r = call(
        &emu,
        "group_open_http_svc/create_group",
        &json!({"Owner_Account": "leckie", "Type": "Public", "Name": "TestGroup"}),
    );
    let gid = r["GroupId"].as_str().unwrap().to_string();
    assert!(gid.starts_with("@TGS#") && gid.len() == 14, "{gid}");
    let r = call(
        &emu,
        "group_open_http_svc/create_group",
        &json!({"Type": "Community", "Name": "C", "SupportTopic": 1}),
    );
    assert!(r["GroupId"].as_str().unwrap().starts_with("@TGS#_"), "{r}");
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/create_group",
            &json!({"Type": "Nope", "Name": "x"})
        )),
        10004
    );
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/create_group",
            &json!({"Type": "Public", "Name": "x", "Owner_Account": "ghost"})
        )),
        10019
    );
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/create_group",
            &json!({"Type": "Public", "Name": "x", "GroupId": "dup"})
        )),
        0
    );
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/create_group",
            &json!({"Type": "Public", "Name": "x", "GroupId": "dup"})
        )),
        10021
    );
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/create_group",
            &json!({"Type": "Public", "Name": "x", "GroupId": gid})
        )),
        10015
    );
    assert_eq!(send(&emu, &gid, "leckie", 3), vec![1, 2, 3]);
    let no_random = json!({"GroupId": gid, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]});
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/send_group_msg",
            &no_random
        )),
        10004
    );
    let big_random = json!({"GroupId": gid, "Random": 4294967296u64, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]});
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/send_group_msg",
            &big_random
        )),
        10004
    );
    let unknown = json!({"GroupId": "@TGS#2NOPENOPE", "Random": 1, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]});
    assert_eq!(
        code(&call(&emu, "group_open_http_svc/send_group_msg", &unknown)),
        10010
    );
    let raw_body = raw(
        &emu.addr,
        "POST",
        &format!(
            "/v4/group_open_http_svc/send_group_msg?{}",
            query(&admin_sig(), "5")
        ),
        b"{not json",
    )
    .unwrap();
    assert_eq!(code(&raw_body.json()), 60003);
}

#[test]
fn group_msg_recall_sample() {
    let emu = start(&[]);
    setup_group(&emu, "Public", "recall-sample");
    send(&emu, "recall-sample", "leckie", 101);
    // The page's sample: 100 and 101, one already gone.
    let body = json!({"GroupId": "recall-sample", "MsgSeqList": [{"MsgSeq": 100}]});
    assert_eq!(
        call(&emu, "group_open_http_svc/group_msg_recall", &body)["RecallRetList"],
        json!([{"MsgSeq": 100, "RetCode": 0}])
    );
    let body = json!({"GroupId": "recall-sample", "MsgSeqList": [{"MsgSeq": 100}, {"MsgSeq": 101}], "Reason": "spam"});
    let r = call(&emu, "group_open_http_svc/group_msg_recall", &body);
    assert_eq!(r["ActionStatus"], "OK");
    assert_eq!(r["ErrorCode"], 0);
    assert_eq!(
        r["RecallRetList"],
        json!([{"MsgSeq": 100, "RetCode": 10030}, {"MsgSeq": 101, "RetCode": 0}])
    );
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_recall",
        &json!({"GroupId": "recall-sample", "MsgSeqList": [{"MsgSeq": 5000}]}),
    );
    assert_eq!(r["RecallRetList"][0]["RetCode"], 10030);
    // Limits and group errors.
    let eleven: Vec<_> = (1..=11).map(|s| json!({"MsgSeq": s})).collect();
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/group_msg_recall",
            &json!({"GroupId": "recall-sample", "MsgSeqList": eleven})
        )),
        10004
    );
    let ten: Vec<_> = (1..=10).map(|s| json!({"MsgSeq": s})).collect();
    assert_eq!(
        call(
            &emu,
            "group_open_http_svc/group_msg_recall",
            &json!({"GroupId": "recall-sample", "MsgSeqList": ten})
        )["RecallRetList"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/group_msg_recall",
            &json!({"GroupId": "recall-sample", "MsgSeqList": []})
        )),
        10004
    );
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/group_msg_recall",
            &json!({"GroupId": "nope", "MsgSeqList": [{"MsgSeq": 1}]})
        )),
        10010
    );
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/group_msg_recall",
            &json!({"GroupId": "", "MsgSeqList": [{"MsgSeq": 1}]})
        )),
        10015
    );
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/group_msg_recall",
            &json!({"MsgSeqList": [{"MsgSeq": 1}]})
        )),
        10004
    );
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/group_msg_recall",
            &json!({"GroupId": "recall-sample", "MsgSeqList": [{"MsgSeq": "1"}]})
        )),
        10004
    );
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/group_msg_recall",
            &json!({"GroupId": "recall-sample", "MsgSeqList": [{"MsgSeq": 1}], "TopicId": "t"})
        )),
        10004
    );
}

#[test]
fn history_shows_recalls_only_on_request() {
    let emu = start(&[]);
    setup_group(&emu, "Private", "g1");
    send(&emu, "g1", "leckie", 30);
    call(
        &emu,
        "group_open_http_svc/group_msg_recall",
        &json!({"GroupId": "g1", "MsgSeqList": [{"MsgSeq": 30}, {"MsgSeq": 29}]}),
    );
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_get_simple",
        &json!({"GroupId": "g1", "ReqMsgNumber": 3}),
    );
    assert_eq!(r["GroupId"], "g1");
    assert_eq!(r["IsFinished"], 1);
    let seqs: Vec<u64> = r["RspMsgList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["MsgSeq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, vec![28, 27, 26]);
    let m = &r["RspMsgList"][0];
    for f in [
        "From_Account",
        "IsPlaceMsg",
        "IsSystemMsg",
        "MsgPriority",
        "MsgRandom",
        "MsgSeq",
        "MsgTimeStamp",
        "MsgBody",
    ] {
        assert!(m.get(f).is_some(), "{f} missing in {m}");
    }
    assert_eq!(m["MsgBody"][0]["MsgContent"]["Text"], "hi");
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_get_simple",
        &json!({"GroupId": "g1", "ReqMsgNumber": 3, "WithRecalledMsg": 1}),
    );
    let list = r["RspMsgList"].as_array().unwrap();
    assert_eq!(list[0]["MsgSeq"], 30);
    assert_eq!(list[0]["IsPlaceMsg"], 2);
    assert_eq!(list[0]["MsgBody"], json!([]));
    assert_eq!(list[2]["IsPlaceMsg"], 0);
    // Paging with ReqMsgSeq; at most 20 per page; bad numbers.
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_get_simple",
        &json!({"GroupId": "g1", "ReqMsgNumber": 50, "ReqMsgSeq": 25}),
    );
    assert_eq!(r["RspMsgList"].as_array().unwrap().len(), 20);
    assert_eq!(r["RspMsgList"][0]["MsgSeq"], 25);
    assert_eq!(r["IsFinished"], 0);
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_get_simple",
        &json!({"GroupId": "g1", "ReqMsgNumber": 20, "ReqMsgSeq": 5}),
    );
    assert_eq!(r["RspMsgList"].as_array().unwrap().len(), 5);
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/group_msg_get_simple",
            &json!({"GroupId": "g1", "ReqMsgNumber": 0})
        )),
        10004
    );
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/group_msg_get_simple",
            &json!({"GroupId": "g1"})
        )),
        10004
    );
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/group_msg_get_simple",
            &json!({"GroupId": "zz", "ReqMsgNumber": 1})
        )),
        10010
    );
}

#[test]
fn delete_by_sender_last_1000_and_avchatroom() {
    let emu = start(&["--rate-limit", "0"]);
    setup_group(&emu, "Public", "big");
    send(&emu, "big", "vinson", 5);
    send(&emu, "big", "leckie", 1000);
    send(&emu, "big", "vinson", 2);
    let r = call(
        &emu,
        "group_open_http_svc/delete_group_msg_by_sender",
        &json!({"GroupId": "big", "Sender_Account": "vinson"}),
    );
    assert_eq!(
        r,
        json!({"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0})
    );
    // The two recent ones are recalled; the five older than the last 1,000 stay.
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_get_simple",
        &json!({"GroupId": "big", "ReqMsgNumber": 2, "WithRecalledMsg": 1}),
    );
    assert!(
        r["RspMsgList"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["IsPlaceMsg"] == 2),
        "{r}"
    );
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_get_simple",
        &json!({"GroupId": "big", "ReqMsgNumber": 5, "ReqMsgSeq": 5}),
    );
    assert!(
        r["RspMsgList"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["IsPlaceMsg"] == 0 && m["From_Account"] == "vinson"),
        "{r}"
    );
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/delete_group_msg_by_sender",
            &json!({"GroupId": "big"})
        )),
        10004
    );
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/delete_group_msg_by_sender",
            &json!({"GroupId": "nope", "Sender_Account": "x"})
        )),
        10010
    );
    // AVChatRoom: delete does nothing and returns OK; history is unsupported; recall is allowed.
    let r = call(
        &emu,
        "group_open_http_svc/create_group",
        &json!({"Type": "AVChatRoom", "Name": "live", "GroupId": "live"}),
    );
    assert_eq!(code(&r), 0);
    send(&emu, "live", "leckie", 3);
    assert_eq!(
        code(&call(
            &emu,
            "group_open_http_svc/delete_group_msg_by_sender",
            &json!({"GroupId": "live", "Sender_Account": "leckie"})
        )),
        0
    );
    assert_ne!(
        code(&call(
            &emu,
            "group_open_http_svc/group_msg_get_simple",
            &json!({"GroupId": "live", "ReqMsgNumber": 5})
        )),
        0
    );
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_recall",
        &json!({"GroupId": "live", "MsgSeqList": [{"MsgSeq": 3}, {"MsgSeq": 4}]}),
    );
    assert_eq!(
        r["RecallRetList"],
        json!([{"MsgSeq": 3, "RetCode": 0}, {"MsgSeq": 4, "RetCode": 10030}])
    );
}

#[test]
fn community_topics_have_their_own_seqs() {
    let emu = start(&[]);
    let r = call(
        &emu,
        "group_open_http_svc/create_group",
        &json!({"Type": "Community", "Name": "c", "GroupId": "@TGS#_c1", "SupportTopic": 1}),
    );
    assert_eq!(code(&r), 0, "{r}");
    let r = call(
        &emu,
        "million_group_open_http_svc/create_topic",
        &json!({"GroupId": "@TGS#_c1", "TopicName": "t"}),
    );
    let topic = r["TopicId"].as_str().unwrap().to_string();
    assert!(topic.starts_with("@TGS#_c1@TOPIC#"), "{topic}");
    let msg = |t: Option<&str>| {
        let mut b = json!({"GroupId": "@TGS#_c1", "Random": 7, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]});
        if let Some(t) = t {
            b["TopicId"] = json!(t);
        }
        call(&emu, "group_open_http_svc/send_group_msg", &b)["MsgSeq"]
            .as_u64()
            .unwrap()
    };
    assert_eq!((msg(Some(&topic)), msg(Some(&topic)), msg(None)), (1, 2, 1));
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_recall",
        &json!({"GroupId": "@TGS#_c1", "TopicId": topic, "MsgSeqList": [{"MsgSeq": 2}]}),
    );
    assert_eq!(r["RecallRetList"][0]["RetCode"], 0);
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_get_simple",
        &json!({"GroupId": "@TGS#_c1", "TopicId": topic, "ReqMsgNumber": 5}),
    );
    assert_eq!(r["RspMsgList"].as_array().unwrap().len(), 1);
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_recall",
        &json!({"GroupId": "@TGS#_c1", "TopicId": "@TGS#_c1@TOPIC#nope", "MsgSeqList": [{"MsgSeq": 1}]}),
    );
    assert_eq!(code(&r), 10010);
}

#[test]
fn c2c_send_roam_and_withdraw() {
    let emu = start(&[]);
    for u in ["vinson", "dramon"] {
        call(
            &emu,
            "im_open_login_svc/account_import",
            &json!({"UserID": u}),
        );
    }
    let mut keys = vec![];
    for i in 0..5u64 {
        let r = call(
            &emu,
            "openim/sendmsg",
            &json!({"SyncOtherMachine": 1, "From_Account": "vinson", "To_Account": "dramon", "MsgRandom": 1000 + i, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]}),
        );
        assert_eq!(code(&r), 0, "{r}");
        let k = r["MsgKey"].as_str().unwrap().to_string();
        let parts: Vec<&str> = k.split('_').collect();
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| p.parse::<u64>().is_ok()));
        assert_eq!(parts[1], (1000 + i).to_string());
        assert_eq!(parts[2], r["MsgTime"].as_u64().unwrap().to_string());
        keys.push(k);
    }
    assert_eq!(
        code(&call(
            &emu,
            "openim/sendmsg",
            &json!({"To_Account": "ghost", "MsgRandom": 1, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]})
        )),
        90003
    );
    assert_eq!(
        code(&call(
            &emu,
            "openim/sendmsg",
            &json!({"From_Account": "ghost", "To_Account": "dramon", "MsgRandom": 1, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]})
        )),
        90008
    );
    // The page's sample shape, with a real key.
    let w = |from: &str, to: &str, key: &str| {
        call(
            &emu,
            "openim/admin_msgwithdraw",
            &json!({"From_Account": from, "To_Account": to, "MsgKey": key}),
        )
    };
    assert_eq!(
        w("vinson", "dramon", &keys[4]),
        json!({"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0})
    );
    assert_eq!(code(&w("vinson", "dramon", &keys[4])), 20023);
    assert_eq!(
        code(&w("vinson", "dramon", "31906_833502_1572869830")),
        20022
    );
    assert_eq!(code(&w("dramon", "vinson", &keys[3])), 20022);
    assert_eq!(code(&w("vinson", "dramon", "not-a-key")), 90054);
    assert_eq!(code(&w("vinson", "ghost", &keys[3])), 90003);
    assert_eq!(code(&w("ghost", "dramon", &keys[3])), 90008);
    assert_eq!(
        code(&call(
            &emu,
            "openim/admin_msgwithdraw",
            &json!({"To_Account": "dramon", "MsgKey": keys[3]})
        )),
        90008
    );
    let r = raw(
        &emu.addr,
        "POST",
        &format!("/v4/openim/admin_msgwithdraw?{}", query(&admin_sig(), "1")),
        b"[oops",
    )
    .unwrap();
    assert_eq!(code(&r.json()), 90001);
    // History: newest first, recall flagged by MsgFlagBits 8, paging by LastMsgKey.
    let roam = |cnt: u64, last: Option<&str>, max: u64| {
        let mut b = json!({"Operator_Account": "dramon", "Peer_Account": "vinson", "MaxCnt": cnt, "MinTime": 0, "MaxTime": max});
        if let Some(l) = last {
            b["LastMsgKey"] = json!(l);
        }
        call(&emu, "openim/admin_getroammsg", &b)
    };
    let r = roam(3, None, now() + 10);
    assert_eq!(r["Complete"], 0);
    assert_eq!(r["MsgCnt"], 3);
    assert_eq!(r["MsgList"][0]["MsgKey"], keys[4].as_str());
    assert_eq!(r["MsgList"][0]["MsgFlagBits"], 8);
    assert_eq!(r["MsgList"][1]["MsgFlagBits"], 0);
    assert_eq!(r["LastMsgKey"], keys[2].as_str());
    let r2 = roam(
        3,
        r["LastMsgKey"].as_str(),
        r["LastMsgTime"].as_u64().unwrap(),
    );
    assert_eq!(r2["Complete"], 1);
    let got: Vec<&str> = r2["MsgList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["MsgKey"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![keys[1].as_str(), keys[0].as_str()]);
    let m = &r2["MsgList"][0];
    for f in [
        "From_Account",
        "To_Account",
        "MsgSeq",
        "MsgRandom",
        "MsgTimeStamp",
        "MsgFlagBits",
        "MsgKey",
        "MsgBody",
    ] {
        assert!(m.get(f).is_some(), "{f} missing in {m}");
    }
    let bad = call(
        &emu,
        "openim/admin_getroammsg",
        &json!({"Operator_Account": "dramon", "Peer_Account": "vinson", "MaxCnt": 0, "MinTime": 0, "MaxTime": 1}),
    );
    assert_eq!(code(&bad), 90001);
}

#[test]
fn demo_seed_is_recallable() {
    let emu = start(&["--seed-demo"]);
    let h = raw(&emu.addr, "GET", "/_emulator/health", b"")
        .unwrap()
        .json();
    assert!(
        h["group_messages"].as_u64().unwrap() >= 200 && h["c2c_messages"].as_u64().unwrap() >= 100,
        "{h}"
    );
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_get_simple",
        &json!({"GroupId": "demo-public", "ReqMsgNumber": 20}),
    );
    assert_eq!(r["RspMsgList"].as_array().unwrap().len(), 20);
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_get_simple",
        &json!({"GroupId": "@TGS#_demo-community", "TopicId": "@TGS#_demo-community@TOPIC#general", "ReqMsgNumber": 5}),
    );
    assert_eq!(r["RspMsgList"].as_array().unwrap().len(), 5);
    let r = call(
        &emu,
        "openim/admin_getroammsg",
        &json!({"Operator_Account": "alice", "Peer_Account": "bob", "MaxCnt": 100, "MinTime": 0, "MaxTime": now() + 1}),
    );
    let first = &r["MsgList"][0];
    let w = call(
        &emu,
        "openim/admin_msgwithdraw",
        &json!({"From_Account": first["From_Account"], "To_Account": first["To_Account"], "MsgKey": first["MsgKey"]}),
    );
    assert_eq!(code(&w), 0, "{w}");
    // Same seed, same data.
    let emu2 = start(&["--seed-demo"]);
    let r2 = call(
        &emu2,
        "openim/admin_getroammsg",
        &json!({"Operator_Account": "alice", "Peer_Account": "bob", "MaxCnt": 1, "MinTime": 0, "MaxTime": now() + 1}),
    );
    assert_eq!(r2["MsgList"][0]["MsgRandom"], first["MsgRandom"]);
}
