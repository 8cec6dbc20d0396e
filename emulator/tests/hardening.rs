//! Limits that keep the emulator up under hostile clients: the header read timeout closes
//! half-sent and idle connections, and the stats stay small however many paths arrive.

mod common;
use common::*;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Read until the server closes the connection; the time it took, or `None` when it was
/// still open after `limit`.
fn closed_within(s: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let t0 = Instant::now();
    s.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Some(t0.elapsed()),
            // An error answer (hyper may say 408) before closing is fine: keep reading.
            Ok(_) => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return None
            }
            // Reset by the server: closed too.
            Err(_) => return Some(t0.elapsed()),
        }
    }
}

#[test]
fn half_sent_and_silent_connections_are_closed_by_the_header_timeout() {
    let emu = start(&["--header-timeout-ms", "300"]);
    // Half a request head, then nothing.
    let mut half = TcpStream::connect(&emu.addr).unwrap();
    write!(
        half,
        "POST /v4/openim/sendmsg HTTP/1.1\r\nHost: x\r\nContent-Le"
    )
    .unwrap();
    // A connection that never sends a byte.
    let mut silent = TcpStream::connect(&emu.addr).unwrap();
    let t = closed_within(&mut half, Duration::from_secs(5)).expect("half-sent request held");
    assert!(t < Duration::from_secs(3), "closed only after {t:?}");
    let t = closed_within(&mut silent, Duration::from_secs(5)).expect("silent connection held");
    assert!(t < Duration::from_secs(3), "closed only after {t:?}");

    // An idle keep-alive connection is closed too, after its answer, and says so up front.
    let mut c = Conn::new(&emu.addr);
    let r = c.post("/v4/openim/sendmsg", b"{}");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("keep-alive"), Some("timeout=1"));

    // The server still answers promptly.
    let ok = raw(&emu.addr, "GET", "/_emulator/health", b"").unwrap();
    assert_eq!(ok.json()["ok"], true);
}

#[test]
fn a_complete_request_is_answered_when_the_timeout_is_default() {
    let emu = start(&[]);
    let mut c = Conn::new(&emu.addr);
    let r = c.post("/v4/openim/sendmsg", b"{}");
    assert_eq!(r.header("keep-alive"), Some("timeout=30"));
    // A slow but steady client within the timeout is served.
    let mut s = TcpStream::connect(&emu.addr).unwrap();
    for part in [
        "GET /_emulator/health HTTP/1.1\r\n",
        "Host: x\r\n",
        "Connection: close\r\n\r\n",
    ] {
        s.write_all(part.as_bytes()).unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut out = String::new();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
}

#[test]
fn stats_stay_small_after_20000_distinct_paths() {
    let emu = start(&[]);
    let mut c = Conn::new(&emu.addr);
    let known = "group_open_http_svc/group_msg_recall";
    assert_eq!(code(&c.post(&format!("/v4/{known}"), b"{}").json()), 60006);
    for i in 0..20_000 {
        let r = c.post(&format!("/v4/scan/{i:05}/{}", "p".repeat(i % 64)), b"{}");
        assert_eq!(r.status, 200);
    }
    let page = raw(&emu.addr, "GET", "/_emulator/stats", b"").unwrap();
    // One entry per known command that was called, plus `other`.
    assert!(
        page.body.len() < 4096,
        "stats page is {} bytes",
        page.body.len()
    );
    let s = page.json();
    let apis = s["apis"].as_object().unwrap();
    assert_eq!(apis.len(), 2, "{:?}", apis.keys().collect::<Vec<_>>());
    assert_eq!(s["apis"]["other"]["requests"], 20_000);
    assert_eq!(s["apis"][known]["requests"], 1);
    assert_eq!(s["total_requests"], 20_001);
    // With the raw arrival times the page grows with requests, not with distinct paths.
    let with_arrivals = raw(&emu.addr, "GET", "/_emulator/stats?arrivals=1", b"").unwrap();
    assert!(with_arrivals.body.len() < 20_001 * 16 + 4096);
}

#[test]
fn request_log_cuts_long_paths() {
    let emu = start(&[]);
    let long = "x".repeat(5000);
    raw(&emu.addr, "POST", &format!("/v4/{long}"), b"{}").unwrap();
    let log = raw(&emu.addr, "GET", "/_emulator/requests", b"")
        .unwrap()
        .json();
    let api = log["requests"][0]["api"].as_str().unwrap();
    assert_eq!(api.len(), 256);
}
