//! Recall webhooks: query parameters, signature, body, and that delivery is asynchronous.

mod common;
use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A tiny receiver: records (request target, JSON body), answers after `delay`.
fn receiver(delay: Duration) -> (String, mpsc::Receiver<(String, Value)>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(s.try_clone().unwrap());
                let mut line = String::new();
                r.read_line(&mut line).unwrap();
                let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
                let mut len = 0;
                loop {
                    let mut h = String::new();
                    r.read_line(&mut h).unwrap();
                    if h.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        if k.eq_ignore_ascii_case("content-length") {
                            len = v.trim().parse().unwrap();
                        }
                    }
                }
                let mut body = vec![0; len];
                r.read_exact(&mut body).unwrap();
                let _ = tx.send((target, serde_json::from_slice(&body).unwrap()));
                std::thread::sleep(delay);
                let ack = br#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}"#;
                let mut w = s;
                let _ = write!(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", ack.len());
                let _ = w.write_all(ack);
            });
        }
    });
    (addr, rx)
}

fn params(target: &str) -> Vec<(String, String)> {
    chat_recall_core::endpoint::parse_query(target.split_once('?').unwrap().1)
}

fn get<'a>(p: &'a [(String, String)], k: &str) -> &'a str {
    p.iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{k} missing"))
}

#[test]
fn signed_webhooks_for_group_and_c2c_recalls() {
    let (addr, rx) = receiver(Duration::ZERO);
    let url = format!("http://{addr}/cb");
    let emu = start(&["--callback-url", &url, "--callback-token", "xxxxyyyy"]);
    call(
        &emu,
        "group_open_http_svc/create_group",
        &json!({"Type": "Public", "Name": "g", "GroupId": "1213456"}),
    );
    for _ in 0..3 {
        call(
            &emu,
            "group_open_http_svc/send_group_msg",
            &json!({"GroupId": "1213456", "Random": 1, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]}),
        );
    }
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_recall",
        &json!({"GroupId": "1213456", "MsgSeqList": [{"MsgSeq": 2}, {"MsgSeq": 9}]}),
    );
    assert_eq!(r["RecallRetList"][0]["RetCode"], 0);
    let (target, body) = rx
        .recv_timeout(Duration::from_secs(3))
        .expect("group webhook");
    assert!(target.starts_with("/cb?"), "{target}");
    let p = params(&target);
    assert_eq!(get(&p, "SdkAppid"), "1400000000");
    assert_eq!(get(&p, "CallbackCommand"), "Group.CallbackAfterRecallMsg");
    assert_eq!(get(&p, "contenttype"), "json");
    assert_eq!(get(&p, "ClientIP"), "127.0.0.1");
    assert_eq!(get(&p, "OptPlatform"), "RESTAPI");
    let rt = get(&p, "RequestTime");
    assert!(rt.parse::<u64>().unwrap().abs_diff(now()) <= 60);
    assert_eq!(
        get(&p, "Sign"),
        chat_recall_core::webhook::compute_sign("xxxxyyyy", rt)
    );
    assert_eq!(body["CallbackCommand"], "Group.CallbackAfterRecallMsg");
    assert_eq!(body["Operator_Account"], ADMIN);
    assert_eq!(body["Type"], "Public");
    assert_eq!(body["GroupId"], "1213456");
    assert_eq!(body["MsgSeqList"], json!([{"MsgSeq": 2}]));
    assert!(body["EventTime"].as_u64().unwrap() > 1_600_000_000_000);

    // Nothing recalled, no webhook.
    call(
        &emu,
        "group_open_http_svc/group_msg_recall",
        &json!({"GroupId": "1213456", "MsgSeqList": [{"MsgSeq": 2}]}),
    );
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());

    for u in ["vinson", "dramon"] {
        call(
            &emu,
            "im_open_login_svc/account_import",
            &json!({"UserID": u}),
        );
    }
    let k = call(&emu, "openim/sendmsg", &json!({"From_Account": "vinson", "To_Account": "dramon", "MsgRandom": 5, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]}))["MsgKey"].clone();
    assert_eq!(
        code(&call(
            &emu,
            "openim/admin_msgwithdraw",
            &json!({"From_Account": "vinson", "To_Account": "dramon", "MsgKey": k})
        )),
        0
    );
    let (target, body) = rx
        .recv_timeout(Duration::from_secs(3))
        .expect("c2c webhook");
    assert_eq!(
        get(&params(&target), "CallbackCommand"),
        "C2C.CallbackAfterMsgWithDraw"
    );
    assert_eq!(body["From_Account"], "vinson");
    assert_eq!(body["To_Account"], "dramon");
    assert_eq!(body["MsgKey"], k);
    assert!(body.get("UnreadMsgNum").is_some() && body.get("EventTime").is_some());
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(stats(&emu, false)["webhooks"]["ok"], 2);
}

#[test]
fn unsigned_without_token_and_never_blocks_the_api() {
    // The receiver takes 5 s to answer: the API must not wait, and the 2 s timeout fails it.
    let (addr, rx) = receiver(Duration::from_secs(5));
    let emu = start(&["--callback-url", &format!("http://{addr}/")]);
    call(
        &emu,
        "group_open_http_svc/create_group",
        &json!({"Type": "Private", "Name": "g", "GroupId": "g"}),
    );
    call(
        &emu,
        "group_open_http_svc/send_group_msg",
        &json!({"GroupId": "g", "Random": 1, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]}),
    );
    let t0 = Instant::now();
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_recall",
        &json!({"GroupId": "g", "MsgSeqList": [{"MsgSeq": 1}]}),
    );
    assert!(
        t0.elapsed() < Duration::from_millis(500),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(r["RecallRetList"][0]["RetCode"], 0);
    let (target, body) = rx.recv_timeout(Duration::from_secs(3)).unwrap();
    let p = params(&target);
    assert!(
        p.iter().all(|(k, _)| k != "Sign" && k != "RequestTime"),
        "{target}"
    );
    assert_eq!(body["Type"], "Private");
    std::thread::sleep(Duration::from_millis(2500));
    let s = stats(&emu, false);
    assert_eq!(s["webhooks"]["failed"], 1, "{s}");
}
