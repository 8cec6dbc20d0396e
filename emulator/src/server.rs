//! HTTP: routing, the common query checks (sdkappid, admin identifier, UserSig, random,
//! contenttype), the per-API rate limit, faults, latency, stats and webhooks.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Map, Value};

use chat_recall_core::endpoint::parse_query;
use chat_recall_core::usersig;

use crate::api::{self, Ctx};
use crate::config::Config;
use crate::faults::{FaultKind, Faults};
use crate::state::State;
use crate::stats::{Limiter, RequestLog, RequestRecord, Stats, REQUEST_LOG_CAP};
use crate::webhook::{self, HttpClient};

const MAX_BODY_BYTES: usize = 1 << 20;

pub struct App {
    pub cfg: Config,
    pub state: Mutex<State>,
    stats: Mutex<Stats>,
    limiter: Mutex<Limiter>,
    requests: Mutex<RequestLog>,
    faults: Faults,
    pub webhook_client: HttpClient,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl App {
    pub fn new(cfg: Config, state: State) -> App {
        let faults = Faults::new(cfg.fault_rate, cfg.fault_kinds.clone(), cfg.seed);
        App {
            cfg,
            state: Mutex::new(state),
            stats: Mutex::default(),
            limiter: Mutex::default(),
            requests: Mutex::default(),
            faults,
            webhook_client: webhook::client(),
        }
    }

    pub fn stats_mut(&self) -> MutexGuard<'_, Stats> {
        lock(&self.stats)
    }

    pub fn debug(&self, line: &str) {
        if self.cfg.debug_log {
            eprintln!("[debug] {line}");
        }
    }
}

/// A response body that is either whole, or cut short (declared length, half the bytes,
/// then an error so the connection is closed mid-body).
pub enum EmuBody {
    Full(Option<Bytes>),
    Truncated(Option<Bytes>, u64),
}

impl Body for EmuBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            EmuBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            EmuBody::Truncated(b, _) => match b.take() {
                Some(b) => Poll::Ready(Some(Ok(Frame::data(b)))),
                None => Poll::Ready(Some(Err(std::io::Error::other(
                    "truncated by fault injection",
                )))),
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, EmuBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            EmuBody::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            EmuBody::Full(None) => SizeHint::with_exact(0),
            EmuBody::Truncated(_, n) => SizeHint::with_exact(*n),
        }
    }
}

/// Returned by the service to make hyper close the connection without an answer.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

fn respond(status: StatusCode, content_type: &str, body: Bytes) -> Response<EmuBody> {
    let mut r = Response::new(EmuBody::Full(Some(body)));
    *r.status_mut() = status;
    if let Ok(v) = content_type.parse() {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

fn json_response(v: &Value) -> Response<EmuBody> {
    respond(
        StatusCode::OK,
        "application/json",
        Bytes::from(v.to_string()),
    )
}

fn envelope(code: i64, info: &str, fields: Map<String, Value>) -> Value {
    let mut m = Map::new();
    m.insert(
        "ActionStatus".into(),
        json!(if code == 0 { "OK" } else { "FAIL" }),
    );
    m.insert("ErrorCode".into(), json!(code));
    m.insert("ErrorInfo".into(), json!(info));
    m.extend(fields);
    Value::Object(m)
}

fn failure(code: i64, info: &str) -> Value {
    envelope(code, info, Map::new())
}

/// CORS: browsers and headless-Chromium tests call the emulator directly from any origin.
fn preflight() -> Response<EmuBody> {
    let mut r = Response::new(EmuBody::Full(None));
    *r.status_mut() = StatusCode::NO_CONTENT;
    let h = r.headers_mut();
    h.insert(
        hyper::header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        hyper::header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, GET, OPTIONS"),
    );
    h.insert(
        hyper::header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    h.insert(
        hyper::header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    r
}

pub async fn handle(
    app: Arc<App>,
    req: Request<Incoming>,
    remote: SocketAddr,
) -> Result<Response<EmuBody>, Dropped> {
    let path = req.uri().path().to_string();
    // Preflights are answered before anything else: no stats, no rate limit, no faults.
    if req.method() == Method::OPTIONS
        && (path.starts_with("/v4/") || path.starts_with("/_emulator/"))
    {
        app.debug(&format!("OPTIONS {path} -> 204 (preflight)"));
        return Ok(preflight());
    }
    let started = std::time::Instant::now();
    let resp = if let Some(cmd) = path.strip_prefix("/v4/") {
        let cmd = cmd.trim_end_matches('/').to_string();
        let r = v4(&app, req, &cmd, remote).await;
        let (status, code) = match &r {
            Ok((resp, code)) => (resp.status().as_u16().to_string(), code.to_string()),
            Err(_) => ("dropped".to_string(), "-".to_string()),
        };
        app.debug(&format!(
            "POST /v4/{cmd} -> {status} ErrorCode={code} {}us",
            started.elapsed().as_micros()
        ));
        r.map(|(resp, _)| resp)
    } else {
        let resp = control(&app, &req, &path);
        app.debug(&format!(
            "{} {path} -> {}",
            req.method(),
            resp.status().as_u16()
        ));
        Ok(resp)
    };
    let keep_alive = HeaderValue::from_str(&format!(
        "timeout={}",
        (app.cfg.header_timeout_ms / 1000).max(1)
    ));
    resp.map(|mut r| {
        let h = r.headers_mut();
        h.insert(
            hyper::header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        // Idle keep-alive connections are closed by the header read timeout: say so, so
        // clients that honour the hint (undici) retire a socket before it is closed.
        if let Ok(v) = keep_alive {
            h.insert(HeaderName::from_static("keep-alive"), v);
        }
        r
    })
}

/// `/_emulator/*`: stats for benchmarks, outside the service's namespace.
fn control(app: &App, req: &Request<Incoming>, path: &str) -> Response<EmuBody> {
    let query = req.uri().query().unwrap_or("");
    let params = parse_query(query);
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    match (req.method(), path) {
        (&Method::GET, "/_emulator/stats") => {
            let with_arrivals = param("arrivals") == Some("1");
            json_response(&app.stats_mut().to_json(with_arrivals))
        }
        (&Method::GET, "/_emulator/requests") => {
            let api = param("api")
                .filter(|a| !a.is_empty())
                .map(|a| a.trim_start_matches("/").trim_start_matches("v4/"));
            let limit = param("limit")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(REQUEST_LOG_CAP);
            let since = param("since_ms")
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            json_response(&lock(&app.requests).to_json(api, limit, since))
        }
        (&Method::POST, "/_emulator/reset-stats") => {
            *app.stats_mut() = Stats::default();
            *lock(&app.limiter) = Limiter::default();
            *lock(&app.requests) = RequestLog::default();
            json_response(&json!({"ok": true}))
        }
        (&Method::GET, "/_emulator/health") => {
            let (g, c) = lock(&app.state).message_count();
            json_response(&json!({"ok": true, "group_messages": g, "c2c_messages": c}))
        }
        _ => respond(
            StatusCode::NOT_FOUND,
            "text/plain",
            Bytes::from_static(b"not found\n"),
        ),
    }
}

/// The common checks of every REST call, in the service's terms.
fn authenticate(
    app: &App,
    query: &str,
    openim: bool,
    now: u64,
    rec: &mut RequestRecord,
) -> Result<(), (i64, String)> {
    let q = parse_query(query);
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    rec.random = get("random").and_then(|r| r.parse::<u32>().ok());
    // The UserSig is judged whenever it is present (for the request log), even when an
    // earlier check is what the answer reports; the answer keeps the service's order.
    let sig_check = match (
        get("identifier").filter(|s| !s.is_empty()),
        get("usersig").filter(|s| !s.is_empty()),
    ) {
        (Some(identifier), Some(sig)) => Some(usersig::check(
            app.cfg.sdk_app_id,
            &app.cfg.secret_key,
            identifier,
            sig,
            now,
        )),
        _ => None,
    };
    rec.usersig_ok = sig_check.as_ref().map(Result::is_ok);
    let appid = match get("sdkappid").map(str::parse::<u64>) {
        Some(Ok(n)) if n >= 1 && n <= u32::MAX as u64 => n,
        _ => {
            return Err((
                60006,
                "SDKAppID invalid: sdkappid is missing or not a u32".into(),
            ))
        }
    };
    let (Some(identifier), Some(checked)) =
        (get("identifier").filter(|s| !s.is_empty()), sig_check)
    else {
        return Err((
            60004,
            "account or signature error in URL: identifier and usersig are required".into(),
        ));
    };
    if rec.random.is_none() {
        return Err((
            60002,
            "HTTP parse error: random is missing or not a u32 (0..=4294967295)".into(),
        ));
    }
    if !get("contenttype").is_some_and(|c| c.eq_ignore_ascii_case("json")) {
        return Err((60002, "HTTP parse error: contenttype must be json".into()));
    }
    if appid != app.cfg.sdk_app_id {
        return Err((70020, format!("SDKAppID {appid} not found (wrong region?)")));
    }
    if let Err((rej, e)) = checked {
        return Err((rej.service_code(), e.info));
    }
    if identifier != app.cfg.admin {
        return Err(if openim {
            (
                90009,
                "the request requires app administrator permissions".into(),
            )
        } else {
            (
                60010,
                "the request requires app administrator permissions".into(),
            )
        });
    }
    Ok(())
}

/// Pushes the request's record into the log when the request ends, however it ends
/// (answered, faulted, dropped, or abandoned by the client mid-latency).
struct LogOnDrop<'a> {
    app: &'a App,
    rec: RequestRecord,
}

impl Drop for LogOnDrop<'_> {
    fn drop(&mut self) {
        lock(&self.app.requests).push(std::mem::take(&mut self.rec));
    }
}

async fn v4(
    app: &Arc<App>,
    req: Request<Incoming>,
    cmd: &str,
    remote: SocketAddr,
) -> Result<(Response<EmuBody>, i64), Dropped> {
    let t_ms = now_ms();
    let now = t_ms / 1000;
    // Stats and the rate limit are kept per known command; every other path shares one
    // bucket, so a scan of distinct paths cannot grow them.
    let bucket = api::bucket(cmd);
    app.stats_mut().arrival(bucket, t_ms);
    let openim = cmd.starts_with("openim/");
    let latency = Duration::from_millis(app.cfg.latency_ms);
    let query = req.uri().query().unwrap_or("").to_string();
    let is_post = req.method() == Method::POST;
    let mut log = LogOnDrop {
        app,
        rec: RequestRecord::new(cmd, t_ms, req.method().as_str(), &query),
    };
    // The common checks are judged up front so the log and stats see every request's random
    // and UserSig, including faulted ones; the answer applies them in the service's order.
    let auth = authenticate(app, &query, openim, now, &mut log.rec);
    {
        let mut st = app.stats_mut();
        let a = st.api(bucket);
        if log.rec.random.is_none() {
            a.random_invalid += 1;
        }
    }

    let fault = app.faults.draw();
    log.rec.fault = fault.map(FaultKind::name);
    if let Some(k) = fault {
        *app.stats_mut()
            .api(bucket)
            .faults
            .entry(k.name())
            .or_default() += 1;
    }
    match fault {
        Some(FaultKind::Drop) => return Err(Dropped),
        Some(FaultKind::BadGateway) => {
            log.rec.status = Some(502);
            pause(latency).await;
            return Ok((
                respond(
                    StatusCode::BAD_GATEWAY,
                    "text/html",
                    Bytes::from_static(b"<html><body><h1>502 Bad Gateway</h1></body></html>\n"),
                ),
                -502,
            ));
        }
        Some(FaultKind::Internal) => {
            let code = if openim { 91000 } else { 10002 };
            log.rec.status = Some(200);
            log.rec.error_code = Some(code);
            pause(latency).await;
            return Ok((
                json_response(&failure(code, "Internal service error. Please try again.")),
                code,
            ));
        }
        _ => {}
    }

    let body = match Limited::new(req.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(b) => Some(b.to_bytes()),
        Err(_) => None,
    };

    let (value, event) = 'answer: {
        if !is_post {
            break 'answer (
                failure(60002, "HTTP parse error: REST calls are POST"),
                None,
            );
        }
        if let Err((code, info)) = auth {
            log.rec.auth_code = code;
            *app.stats_mut()
                .api(bucket)
                .auth_rejections
                .entry(code)
                .or_default() += 1;
            break 'answer (failure(code, &info), None);
        }
        if !lock(&app.limiter).admit(bucket, t_ms, app.cfg.rate_limit) {
            app.stats_mut().api(bucket).rate_limited += 1;
            break 'answer (failure(60007, "REST API call rate exceeded"), None);
        }
        let Some(body) = body else {
            break 'answer (
                failure(
                    60002,
                    "HTTP parse error: body unreadable or larger than 1 MiB",
                ),
                None,
            );
        };
        let ctx = Ctx {
            admin: &app.cfg.admin,
            now,
            now_ms: t_ms,
            callback_on_delete_by_sender: app.cfg.callback_on_delete_by_sender,
        };
        let result = api::handle(&mut lock(&app.state), cmd, &body, &ctx);
        match result {
            None => (
                failure(60009, &format!("bad URL: unknown command v4/{cmd}")),
                None,
            ),
            Some(Ok(r)) => (envelope(0, "", r.fields), r.event),
            Some(Err((code, info))) => (failure(code, &info), None),
        }
    };
    let code = value.get("ErrorCode").and_then(Value::as_i64).unwrap_or(0);
    if code != 0 {
        *app.stats_mut().api(bucket).codes.entry(code).or_default() += 1;
    }
    log.rec.error_code = Some(code);
    log.rec.status = Some(200);
    if let Some(ev) = event {
        webhook::spawn(app.clone(), ev, remote.ip().to_string(), now);
    }

    pause(latency).await;
    let bytes = Bytes::from(value.to_string());
    match fault {
        Some(FaultKind::Slow) => {
            tokio::time::sleep(Duration::from_millis(app.cfg.slow_ms)).await;
            Ok((json_response(&value), code))
        }
        Some(FaultKind::Truncate) => {
            let full = bytes.len() as u64;
            let mut r = Response::new(EmuBody::Truncated(
                Some(bytes.slice(..bytes.len() / 2)),
                full,
            ));
            r.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("application/json"),
            );
            r.headers_mut().insert(
                hyper::header::CONTENT_LENGTH,
                hyper::header::HeaderValue::from(full),
            );
            Ok((r, code))
        }
        _ => Ok((respond(StatusCode::OK, "application/json", bytes), code)),
    }
}

/// Sleep, but not at all for zero (a zero tokio sleep still waits for the next timer tick).
async fn pause(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

/// Accept connections until the process ends.
pub async fn run(app: Arc<App>, listener: tokio::net::TcpListener) {
    loop {
        let (stream, remote) = match listener.accept().await {
            Ok(x) => x,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let header_timeout = Duration::from_millis(app.cfg.header_timeout_ms);
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let svc = hyper::service::service_fn(move |req| handle(app.clone(), req, remote));
            // The header read timeout (it needs a timer) closes connections that send a
            // request head slowly or not at all, so idle half-sent requests cannot pile up.
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_timeout)
                .keep_alive(true)
                .serve_connection(io, svc)
                .await;
        });
    }
}

#[allow(dead_code)]
fn _assert_infallible(_: Infallible) {}
