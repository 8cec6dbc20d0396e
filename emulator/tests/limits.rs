//! The per-API per-second rate limit (60007) and the stats endpoint's arrival data.

mod common;
use common::*;
use serde_json::json;

#[test]
fn rate_limit_answers_60007_and_stats_show_arrivals() {
    let emu = start(&["--rate-limit", "20"]);
    let mut c = Conn::new(&emu.addr);
    let target = format!(
        "/v4/im_open_login_svc/account_import?{}",
        query(&admin_sig(), "7")
    );
    let body = json!({"UserID": "u"}).to_string();
    let t0 = std::time::Instant::now();
    let codes: Vec<i64> = (0..60)
        .map(|_| code(&c.post(&target, body.as_bytes()).json()))
        .collect();
    let fast = t0.elapsed() < std::time::Duration::from_millis(900);
    let ok = codes.iter().filter(|&&c| c == 0).count();
    let limited = codes.iter().filter(|&&c| c == 60007).count();
    assert_eq!(ok + limited, 60, "{codes:?}");
    if fast {
        assert_eq!(ok, 20, "{codes:?}");
    }
    assert!(ok <= 40);
    // Another API has its own budget.
    let other = format!(
        "/v4/group_open_http_svc/create_group?{}",
        query(&admin_sig(), "8")
    );
    assert_eq!(
        code(
            &c.post(
                &other,
                json!({"Type": "Public", "Name": "n"})
                    .to_string()
                    .as_bytes()
            )
            .json()
        ),
        0
    );

    let s = stats(&emu, true);
    let a = &s["apis"]["im_open_login_svc/account_import"];
    assert_eq!(a["requests"], 60);
    assert_eq!(a["rate_limited"].as_u64().unwrap() as usize, limited);
    assert_eq!(
        a["error_codes"]["60007"].as_u64().unwrap_or(0) as usize,
        limited
    );
    let arrivals: Vec<u64> = a["arrivals_ms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(arrivals.len(), 60);
    assert!(a["first_arrival_ms"].as_u64().unwrap() <= a["last_arrival_ms"].as_u64().unwrap());
    let hist: u64 = a["per_second"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[1].as_u64().unwrap())
        .sum();
    assert_eq!(hist, 60);
    assert!(a["max_arrivals_in_any_1s"].as_u64().unwrap() >= 20);
    assert_eq!(s["total_requests"], 61);

    // Reset, then wait out the window: admitted again.
    raw(&emu.addr, "POST", "/_emulator/reset-stats", b"").unwrap();
    assert_eq!(stats(&emu, false)["total_requests"], 0);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(code(&c.post(&target, body.as_bytes()).json()), 0);
}
