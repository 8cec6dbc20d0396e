//! Test helpers: start the emulator binary on an ephemeral port, a tiny blocking HTTP/1.1
//! client, UserSigs.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chat_recall_core::usersig::{generate, SignRequest};
use serde_json::Value;

pub const APPID: u64 = 1400000000;
pub const ADMIN: &str = "administrator";
pub const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

pub struct Emu {
    child: Child,
    pub addr: String,
}

impl Drop for Emu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn sig_for(identifier: &str, key: &str, time: u64, expire: u64) -> String {
    generate(&SignRequest {
        sdk_app_id: APPID,
        secret_key: key,
        identifier,
        expire_seconds: expire,
        user_buf: None,
        now: time,
    })
    .unwrap()
}

pub fn admin_sig() -> String {
    sig_for(ADMIN, KEY, now(), 86400)
}

/// Start with the standard app, plus `extra` flags.
pub fn start(extra: &[&str]) -> Emu {
    let mut args = vec![
        "--listen",
        "127.0.0.1:0",
        "--sdkappid",
        "1400000000",
        "--admin",
        ADMIN,
        "--secret-key",
        KEY,
        "--seed",
        "1",
    ];
    args.extend_from_slice(extra);
    let mut child = Command::new(env!("CARGO_BIN_EXE_chat-recall-emulator"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn emulator");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("bad first line {line:?}"))
        .to_string();
    Emu { child, addr }
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    /// A header's value (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Read one response (Content-Length bodies only); Err on a closed or cut connection.
pub fn read_response(r: &mut BufReader<TcpStream>) -> std::io::Result<Resp> {
    let mut status_line = String::new();
    if r.read_line(&mut status_line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "closed",
        ));
    }
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("bad status"))?;
    let mut len = 0usize;
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed in headers",
            ));
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    Ok(Resp {
        status,
        headers,
        body,
    })
}

pub fn raw(addr: &str, method: &str, target: &str, body: &[u8]) -> std::io::Result<Resp> {
    let s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut w = s.try_clone()?;
    write!(w, "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())?;
    w.write_all(body)?;
    read_response(&mut BufReader::new(s))
}

pub fn query(sig: &str, random: &str) -> String {
    let mut q = String::new();
    chat_recall_core::endpoint::percent_encode_into(&mut q, sig);
    format!("sdkappid={APPID}&identifier={ADMIN}&usersig={q}&random={random}&contenttype=json")
}

/// POST a REST call as the admin and parse the JSON answer.
pub fn call(emu: &Emu, api: &str, body: &Value) -> Value {
    call_q(emu, api, &query(&admin_sig(), "99999999"), body)
}

pub fn call_q(emu: &Emu, api: &str, q: &str, body: &Value) -> Value {
    let r = raw(
        &emu.addr,
        "POST",
        &format!("/v4/{api}?{q}"),
        body.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

pub fn stats(emu: &Emu, arrivals: bool) -> Value {
    raw(
        &emu.addr,
        "GET",
        if arrivals {
            "/_emulator/stats?arrivals=1"
        } else {
            "/_emulator/stats"
        },
        b"",
    )
    .unwrap()
    .json()
}

pub fn code(v: &Value) -> i64 {
    v["ErrorCode"].as_i64().unwrap_or(-1)
}

/// Keep-alive connection for quick bursts.
pub struct Conn {
    w: TcpStream,
    r: BufReader<TcpStream>,
    host: String,
}

impl Conn {
    pub fn new(addr: &str) -> Conn {
        let s = TcpStream::connect(addr).unwrap();
        s.set_nodelay(true).unwrap();
        Conn {
            w: s.try_clone().unwrap(),
            r: BufReader::new(s),
            host: addr.to_string(),
        }
    }
    pub fn post(&mut self, target: &str, body: &[u8]) -> Resp {
        write!(
            self.w,
            "POST {target} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n\r\n",
            self.host,
            body.len()
        )
        .unwrap();
        self.w.write_all(body).unwrap();
        read_response(&mut self.r).unwrap()
    }
}
