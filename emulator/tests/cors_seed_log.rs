//! CORS preflights and headers, `--seed-group` bulk data, and the request log
//! (`GET /_emulator/requests`) with the per-API random/UserSig counters.

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn preflight(addr: &str, path: &str) -> Resp {
    use std::io::{BufReader, Write};
    let s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut w = s.try_clone().unwrap();
    write!(
        w,
        "OPTIONS {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://localhost:5173\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    read_response(&mut BufReader::new(s)).unwrap()
}

fn assert_preflight(r: &Resp) {
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        r.header("access-control-allow-methods"),
        Some("POST, GET, OPTIONS")
    );
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("content-type")
    );
    assert_eq!(r.header("access-control-max-age"), Some("600"));
    assert!(r.body.is_empty());
}

#[test]
fn cors_preflight_and_allow_origin_everywhere() {
    // A limit of 1/s: if preflights counted, the one real call below would be refused.
    let emu = start(&["--rate-limit", "1"]);
    let target = format!(
        "/v4/im_open_login_svc/account_import?{}",
        query(&admin_sig(), "5")
    );
    for _ in 0..5 {
        assert_preflight(&preflight(&emu.addr, &target));
    }
    assert_preflight(&preflight(&emu.addr, "/_emulator/stats"));
    assert_preflight(&preflight(&emu.addr, "/_emulator/reset-stats"));
    let s = stats(&emu, false);
    assert_eq!(s["total_requests"], 0, "preflights must not count: {s}");

    // Success, a service error (a status-200 JSON failure), the rate limit, control routes, 404.
    let ok = raw(
        &emu.addr,
        "POST",
        &target,
        json!({"UserID": "u1"}).to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(code(&ok.json()), 0);
    assert_eq!(ok.header("access-control-allow-origin"), Some("*"));
    let limited = raw(
        &emu.addr,
        "POST",
        &target,
        json!({"UserID": "u2"}).to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(code(&limited.json()), 60007);
    assert_eq!(limited.header("access-control-allow-origin"), Some("*"));
    let bad_sig = raw(
        &emu.addr,
        "POST",
        &format!(
            "/v4/group_open_http_svc/create_group?{}",
            query("garbage", "5")
        ),
        b"{}",
    )
    .unwrap();
    assert_eq!(code(&bad_sig.json()), 70003);
    assert_eq!(bad_sig.header("access-control-allow-origin"), Some("*"));
    for (m, p) in [
        ("GET", "/_emulator/stats"),
        ("GET", "/_emulator/requests"),
        ("GET", "/_emulator/health"),
        ("POST", "/_emulator/reset-stats"),
        ("GET", "/nope"),
    ] {
        let r = raw(&emu.addr, m, p, b"").unwrap();
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("*"),
            "{m} {p}"
        );
    }
    // OPTIONS elsewhere is not a preflight route.
    assert_eq!(preflight(&emu.addr, "/elsewhere").status, 404);

    // Faults that answer with a status carry the header too.
    let e = start(&["--fault-rate", "1", "--fault-kinds", "502"]);
    let r = raw(&e.addr, "POST", &target, b"{}").unwrap();
    assert_eq!(r.status, 502);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_preflight(&preflight(&e.addr, &target));
    let e = start(&["--fault-rate", "1", "--fault-kinds", "internal"]);
    let r = raw(&e.addr, "POST", &target, b"{}").unwrap();
    assert_eq!(code(&r.json()), 10002);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn seed_group_creates_bulk_messages_fast() {
    let t0 = Instant::now();
    let emu = start(&[
        "--seed-group",
        "bulk-a:Public:10000",
        "--seed-group",
        "@TGS#_bulk-c:Community:25",
        "--seed-group",
        "bulk-av:AVChatRoom:30",
        "--seed-demo",
    ]);
    // Start-up including 10,000 messages (debug build): well under a few seconds.
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    let h = raw(&emu.addr, "GET", "/_emulator/health", b"")
        .unwrap()
        .json();
    // The demo's messages plus 10,000 + 25 (the AVChatRoom keeps no history).
    assert!(h["group_messages"].as_u64().unwrap() >= 10_025, "{h}");

    // Newest page: MsgSeq 10000 down, from the seed senders.
    let page = call(
        &emu,
        "group_open_http_svc/group_msg_get_simple",
        &json!({"GroupId": "bulk-a", "ReqMsgNumber": 20}),
    );
    assert_eq!(code(&page), 0, "{page}");
    let list = page["RspMsgList"].as_array().unwrap();
    assert_eq!(list.len(), 20);
    assert_eq!(list[0]["MsgSeq"], 10000);
    assert_eq!(list[19]["MsgSeq"], 9981);
    assert!(list[0]["From_Account"]
        .as_str()
        .unwrap()
        .starts_with("seed-user-"));
    let oldest = call(
        &emu,
        "group_open_http_svc/group_msg_get_simple",
        &json!({"GroupId": "bulk-a", "ReqMsgNumber": 5, "ReqMsgSeq": 3}),
    );
    let seqs: Vec<u64> = oldest["RspMsgList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["MsgSeq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, vec![3, 2, 1]);

    // Recall: 1..=10 are there, 10001 is not.
    let r = call(
        &emu,
        "group_open_http_svc/group_msg_recall",
        &json!({"GroupId": "bulk-a", "MsgSeqList": [{"MsgSeq": 1}, {"MsgSeq": 10000}, {"MsgSeq": 10001}]}),
    );
    let rets: Vec<i64> = r["RecallRetList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["RetCode"].as_i64().unwrap())
        .collect();
    assert_eq!(rets, vec![0, 0, 10030]);
    let c = call(
        &emu,
        "group_open_http_svc/group_msg_get_simple",
        &json!({"GroupId": "@TGS#_bulk-c", "ReqMsgNumber": 1}),
    );
    assert_eq!(c["RspMsgList"][0]["MsgSeq"], 25);
    let av = call(
        &emu,
        "group_open_http_svc/group_msg_recall",
        &json!({"GroupId": "bulk-av", "MsgSeqList": [{"MsgSeq": 30}, {"MsgSeq": 31}]}),
    );
    assert_eq!(av["RecallRetList"][0]["RetCode"], 0);
    assert_eq!(av["RecallRetList"][1]["RetCode"], 10030);
    // The seeded group is an ordinary group: sending continues at 10001.
    let sent = call(
        &emu,
        "group_open_http_svc/send_group_msg",
        &json!({"GroupId": "bulk-a", "Random": 1, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]}),
    );
    assert_eq!(sent["MsgSeq"], 10001);
}

#[test]
fn seed_group_flag_errors() {
    let bin = env!("CARGO_BIN_EXE_chat-recall-emulator");
    for bad in [
        "nocolons",
        "g:Public:many",
        "g:Nope:10",
        ":Public:10",
        "@TGS#2ABC:Public:10",
        "g:Public:99999999999",
    ] {
        let out = std::process::Command::new(bin)
            .args(["--listen", "127.0.0.1:0", "--seed-group", bad])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad} was accepted");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("seed-group"),
            "{bad}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Duplicate ids are refused (10021) rather than merged.
    let out = std::process::Command::new(bin)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--seed-group",
            "g:Public:1",
            "--seed-group",
            "g:Private:1",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

fn requests(emu: &Emu, q: &str) -> Value {
    raw(&emu.addr, "GET", &format!("/_emulator/requests{q}"), b"")
        .unwrap()
        .json()
}

#[test]
fn request_log_records_random_and_usersig() {
    let emu = start(&["--rate-limit", "0", "--seed-group", "g:Public:50"]);
    let api = "group_open_http_svc/group_msg_recall";
    let body = json!({"GroupId": "g", "MsgSeqList": [{"MsgSeq": 1}]}).to_string();
    let sig = admin_sig();
    let post = |q: String| {
        raw(
            &emu.addr,
            "POST",
            &format!("/v4/{api}?{q}"),
            body.as_bytes(),
        )
        .unwrap()
        .json()
    };
    assert_eq!(code(&post(query(&sig, "4294967295"))), 0);
    assert_eq!(code(&post(query(&sig, "4294967296"))), 60002); // not a u32
    assert_eq!(code(&post(query(&sig, "-1"))), 60002);
    assert_eq!(
        code(&post(format!(
            "sdkappid={APPID}&identifier={ADMIN}&usersig={sig}&contenttype=json"
        ))),
        60002
    ); // no random
    let expired = sig_for(ADMIN, KEY, now() - 1000, 10);
    assert_eq!(code(&post(query(&expired, "12"))), 70001);
    let wrong_key = sig_for(ADMIN, "another-key", now(), 86400);
    assert_eq!(code(&post(query(&wrong_key, "13"))), 70009);
    // A bad random *and* a bad UserSig: the answer reports the random, the log both.
    assert_eq!(code(&post(query(&wrong_key, "x"))), 60002);
    // An unrelated API, to test the filter.
    call(
        &emu,
        "im_open_login_svc/account_import",
        &json!({"UserID": "z"}),
    );

    let log = requests(&emu, &format!("?api={api}"));
    assert_eq!(log["capacity"], 20000);
    let rs = log["requests"].as_array().unwrap();
    assert_eq!(rs.len(), 7, "{log}");
    let randoms: Vec<Value> = rs.iter().map(|r| r["random"].clone()).collect();
    assert_eq!(
        randoms,
        vec![
            json!(4294967295u32),
            Value::Null,
            Value::Null,
            Value::Null,
            json!(12),
            json!(13),
            Value::Null
        ]
    );
    let sig_ok: Vec<Value> = rs.iter().map(|r| r["usersig_ok"].clone()).collect();
    assert_eq!(
        sig_ok,
        vec![
            json!(true),
            json!(true),
            json!(true),
            json!(true),
            json!(false),
            json!(false),
            json!(false)
        ]
    );
    let auth: Vec<i64> = rs
        .iter()
        .map(|r| r["auth_code"].as_i64().unwrap())
        .collect();
    assert_eq!(auth, vec![0, 60002, 60002, 60002, 70001, 70009, 60002]);
    assert_eq!(rs[0]["params"]["random"], "4294967295");
    assert_eq!(rs[0]["params"]["usersig"], sig.as_str());
    assert_eq!(rs[0]["error_code"], 0);
    assert_eq!(rs[0]["status"], 200);
    assert!(rs
        .windows(2)
        .all(|w| w[0]["arrival_ms"].as_u64() <= w[1]["arrival_ms"].as_u64()));
    assert_eq!(requests(&emu, "")["count"], 8);
    assert_eq!(
        requests(&emu, "?limit=2")["requests"][1]["api"],
        "im_open_login_svc/account_import"
    );
    assert_eq!(requests(&emu, &format!("?api={api}&limit=3"))["count"], 3);

    let s = stats(&emu, false);
    let a = &s["apis"][api];
    assert_eq!(a["random_invalid"], 4);
    assert_eq!(
        a["auth_rejections"],
        json!({"60002": 4, "70001": 1, "70009": 1})
    );
    assert_eq!(a["error_codes"]["70009"], 1);

    raw(&emu.addr, "POST", "/_emulator/reset-stats", b"").unwrap();
    assert_eq!(requests(&emu, "")["count"], 0);
}

#[test]
fn request_log_sees_faulted_requests() {
    let e = start(&[
        "--rate-limit",
        "0",
        "--fault-rate",
        "1",
        "--fault-kinds",
        "drop",
    ]);
    assert!(raw(
        &e.addr,
        "POST",
        &format!(
            "/v4/im_open_login_svc/account_import?{}",
            query(&admin_sig(), "77")
        ),
        b"{}"
    )
    .is_err());
    std::thread::sleep(Duration::from_millis(50));
    let r = &requests(&e, "")["requests"][0];
    assert_eq!(r["fault"], "drop");
    assert_eq!(r["random"], 77);
    assert_eq!(r["usersig_ok"], true);
    assert_eq!(r["status"], Value::Null);
    assert_eq!(r["error_code"], Value::Null);
}
