//! Fault injection: 502, internal errors, dropped connections, truncated bodies, slow answers,
//! latency, and reproducibility by seed.

mod common;
use common::*;
use serde_json::json;
use std::time::{Duration, Instant};

fn post(emu: &Emu, api: &str) -> std::io::Result<Resp> {
    raw(
        &emu.addr,
        "POST",
        &format!("/v4/{api}?{}", query(&admin_sig(), "1")),
        json!({"UserID": "x"}).to_string().as_bytes(),
    )
}

#[test]
fn each_fault_kind() {
    let e = start(&["--fault-rate", "1", "--fault-kinds", "502"]);
    let r = post(&e, "im_open_login_svc/account_import").unwrap();
    assert_eq!(r.status, 502);
    let e = start(&["--fault-rate", "1", "--fault-kinds", "internal"]);
    assert_eq!(
        code(
            &post(&e, "group_open_http_svc/group_msg_recall")
                .unwrap()
                .json()
        ),
        10002
    );
    assert_eq!(
        code(&post(&e, "openim/admin_msgwithdraw").unwrap().json()),
        91000
    );
    let e = start(&["--fault-rate", "1", "--fault-kinds", "drop"]);
    assert!(post(&e, "im_open_login_svc/account_import").is_err());
    let e = start(&["--fault-rate", "1", "--fault-kinds", "truncate"]);
    assert!(post(&e, "im_open_login_svc/account_import").is_err());
    let e = start(&[
        "--fault-rate",
        "1",
        "--fault-kinds",
        "slow",
        "--slow-ms",
        "400",
    ]);
    let t0 = Instant::now();
    assert_eq!(
        code(&post(&e, "im_open_login_svc/account_import").unwrap().json()),
        0
    );
    assert!(t0.elapsed() >= Duration::from_millis(400));
    let s = stats(&e, false);
    assert_eq!(
        s["apis"]["im_open_login_svc/account_import"]["faults"]["slow"],
        1
    );
    // Stats endpoints are never faulted.
    assert_eq!(
        raw(&e.addr, "GET", "/_emulator/health", b"")
            .unwrap()
            .status,
        200
    );
}

#[test]
fn latency_is_added() {
    let e = start(&["--latency-ms", "150"]);
    let t0 = Instant::now();
    assert_eq!(
        code(&post(&e, "im_open_login_svc/account_import").unwrap().json()),
        0
    );
    assert!(t0.elapsed() >= Duration::from_millis(150));
}

fn outcomes(seed: &str) -> Vec<String> {
    let e = start(&[
        "--fault-rate",
        "0.5",
        "--fault-kinds",
        "502,internal,drop",
        "--seed",
        seed,
    ]);
    (0..40)
        .map(|_| match post(&e, "im_open_login_svc/account_import") {
            Err(_) => "drop".to_string(),
            Ok(r) if r.status == 502 => "502".to_string(),
            Ok(r) => code(&r.json()).to_string(),
        })
        .collect()
}

#[test]
fn faults_reproduce_with_the_seed() {
    let a = outcomes("3");
    assert_eq!(a, outcomes("3"));
    assert_ne!(a, outcomes("4"));
    for k in ["drop", "502", "10002", "0"] {
        assert!(a.iter().any(|x| x == k), "{k} never drawn: {a:?}");
    }
}
