//! `RecallClient`: the JS-facing client. It validates arguments up front (nothing is sent
//! for bad input), then drives the core's sans-IO jobs (`core::bulk`, `core::scheduler`):
//! the job decides what to send and when; this file only builds URLs, performs fetches and
//! sleeps. See the driver loop in `core::scheduler`'s module docs.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise, Uint8Array};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::boundary::{self, preserve, type_name, Int, MsgSeq, SdkAppId};
use super::errors::{to_js, JsResult};
use super::functions::to_plain_js;
use super::redact::blank_out;
use super::transport::{in_browser, make_report, monotonic_ms, random_u32, run_job, wall_ms};
use chat_recall_core::bulk::{GroupRecallJob, GroupRecallReport, Outcome, Progress, SeenMessage};
use chat_recall_core::endpoint::{
    percent_encode_into, request_url_prefix, write_request_url, Api, BaseUrl, Caller, Region,
};
use chat_recall_core::error::{ErrorKind, RecallError, Result};
use chat_recall_core::history::{
    parse_c2c_history, parse_group_history, C2CHistoryPage, GroupHistoryPage,
};
use chat_recall_core::pacer::{PacerConfig, PacerSet, DEFAULT_MAX_REQUESTS_PER_SECOND};
use chat_recall_core::requests::{
    self, C2CHistoryQuery, C2CWithdraw, GroupHistoryQuery, GroupRecall, GroupRecallTemplate,
    Request, SenderRecall,
};
use chat_recall_core::responses::{parse_c2c_withdraw, parse_group_recall, parse_sender_recall};
use chat_recall_core::retry::RetryPolicy;
use chat_recall_core::scheduler::{
    default_max_in_flight, Action, JobConfig, SendRequest, SingleJob, DEFAULT_ABORT_GRACE_MS,
};
use chat_recall_core::usersig;

const DEFAULT_TIMEOUT_MS: u64 = 10_000;
const DEFAULT_USERSIG_TTL: u64 = 86_400;
/// `maxRequestsPerSecond` bounds. Below 0.1/s one request would wait minutes for its turn
/// (and a tiny rate made the driver spin); the top lets the CPU benchmarks run unpaced
/// against an in-memory fetch, far above any real service's limit.
const MIN_REQUESTS_PER_SECOND: f64 = 0.1;
const MAX_REQUESTS_PER_SECOND: f64 = 100_000.0;

/// Where the UserSig comes from.
enum Credentials {
    /// Given by the caller; used as is.
    Fixed(String),
    /// Signed here from the secret key and renewed before it expires.
    Signed {
        secret_key: String,
        ttl: u64,
        current: Option<(String, u64)>,
    },
}

struct ClientInner {
    caller: Caller,
    base: BaseUrl,
    credentials: RefCell<Credentials>,
    pacers: RefCell<PacerSet>,
    job: JobConfig,
    /// The caller's `fetch`, or undefined for the global one.
    fetch: JsValue,
    /// The caller's `rateGate` (an object with `acquire(api, signal)`), or undefined. When
    /// set, driver.js awaits its permission before every fetch and the pacer stands aside.
    rate_gate: JsValue,
    /// The caller's `onRequest` hook, or undefined.
    on_request: JsValue,
    timeout_ms: f64,
    /// Per API: the UserSig the URL prefix was built with, and the prefix
    /// (`…&usersig=…&random=`); rebuilt only when the UserSig changes.
    url_prefixes: RefCell<Vec<(Api, String, String)>>,
}

impl ClientInner {
    /// Append the URL of the next request to `out`; `renew` forces a new UserSig (after a
    /// 70001).
    fn write_url(&self, out: &mut String, api: Api, renew: bool) -> Result<()> {
        let mut creds = self.credentials.borrow_mut();
        let sig: &str = match &mut *creds {
            Credentials::Fixed(s) => s,
            Credentials::Signed {
                secret_key,
                ttl,
                current,
            } => {
                // UserSig times are wall-clock seconds (the service checks them).
                let now = (wall_ms() / 1000.0) as u64;
                // Renew when 90% of the lifetime has passed, so no request carries a sig
                // that expires in flight.
                let fresh = matches!(current, Some((_, signed_at)) if !renew && now < *signed_at + *ttl * 9 / 10);
                if !fresh {
                    let sig = usersig::generate(&usersig::SignRequest {
                        sdk_app_id: self.caller.sdk_app_id,
                        secret_key,
                        identifier: &self.caller.identifier,
                        expire_seconds: *ttl,
                        user_buf: None,
                        now,
                    })?;
                    *current = Some((sig, now));
                }
                current.as_ref().map_or("", |(s, _)| s.as_str())
            }
        };
        let mut prefixes = self.url_prefixes.borrow_mut();
        let at = match prefixes.iter().position(|(a, _, _)| *a == api) {
            Some(i) => i,
            None => {
                prefixes.push((api, String::new(), String::new()));
                prefixes.len() - 1
            }
        };
        let Some((_, built_for, prefix)) = prefixes.get_mut(at) else {
            return Ok(());
        };
        if built_for.as_str() != sig || prefix.is_empty() {
            *prefix = request_url_prefix(&self.base, api, &self.caller, sig);
            *built_for = sig.to_string();
        }
        write_request_url(out, prefix, random_u32());
        Ok(())
    }
}

impl ClientInner {
    /// The UserSigs this client put in URLs, as sent and percent-encoded: what must be
    /// blanked out of anything read back (see `redact`).
    fn sent_secrets(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for (_, sig, _) in self.url_prefixes.borrow().iter() {
            let mut encoded = String::new();
            percent_encode_into(&mut encoded, sig);
            out.push(sig.as_bytes().to_vec());
            out.push(encoded.into_bytes());
        }
        out
    }
}

/// A job the driver can run: the core's state machine plus how to build and read requests.
trait Drive {
    fn api(&self) -> Api;
    /// The API `req` goes to (a bulk recall's look-ups go to `group_msg_get_simple`).
    fn api_of(&self, _req: &SendRequest) -> Api {
        self.api()
    }
    fn poll(&mut self, now: f64, pacers: &mut PacerSet) -> Action;
    /// Append the body of `req` to `out`.
    fn write_body(&self, req: &SendRequest, out: &mut String) -> Result<()>;
    fn on_answer(&mut self, request_id: u64, now: f64, answer: Result<(u16, Vec<u8>)>, random: u32);
    /// The request certainly never reached the service (connection refused).
    fn on_unsent(&mut self, request_id: u64, now: f64, e: RecallError, random: u32) {
        self.on_answer(request_id, now, Err(e), random);
    }
    fn abort(&mut self, now: f64);
    /// Called after answers were fed; group jobs report progress here.
    fn after_answers(&mut self) {}
    /// Whether `after_answers` has anything to do (an `onProgress` callback).
    fn reports_progress(&self) -> bool {
        false
    }
    /// The call's result once the job is done.
    fn finish(self: Box<Self>) -> JsResult<JsValue>;
}

/// The operations driver.js asks `step` to perform: the one definition of the protocol
/// between the two halves. driver.js receives the numbers as a table built from this enum
/// (`Op::table`), so nothing is mirrored by hand; the enum itself stays out of the package's
/// exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// n = now (monotonic ms) -> `"id url body"` to send (the URL has no spaces), a number
    /// (monotonic ms) to sleep until, null to wait for an answer, false to poll again,
    /// undefined when done.
    Poll = 0,
    /// n = request id, a = HTTP status, b = body bytes (Uint8Array).
    Answer = 1,
    /// n = request id, a = error kind ("timeout", "aborted", "network", "protocol"), b = message.
    Fail = 2,
    /// Answers were fed: report progress (only when the job reports progress).
    After = 3,
    /// The caller's signal fired.
    Abort = 4,
    /// -> the call's result; throws the call's RecallError.
    Finish = 5,
}

impl Op {
    const ALL: [(Op, &'static str); 6] = [
        (Op::Poll, "Poll"),
        (Op::Answer, "Answer"),
        (Op::Fail, "Fail"),
        (Op::After, "After"),
        (Op::Abort, "Abort"),
        (Op::Finish, "Finish"),
    ];

    /// The operation a number names; anything else (NaN for a non-number) is an error,
    /// never "finish". Taken as f64: a primitive argument, no boundary call to read it.
    fn from_number(n: f64) -> Result<Op> {
        Op::ALL
            .iter()
            .find(|(op, _)| n == *op as u32 as f64)
            .map(|(op, _)| *op)
            .ok_or_else(|| RecallError::protocol("driver: unknown step operation"))
    }

    /// `{ Poll: 0, Answer: 1, ... }` for driver.js, built from the enum above.
    fn table() -> JsValue {
        let o = js_sys::Object::new();
        for (op, name) in Op::ALL {
            let _ = js_sys::Reflect::set(&o, &name.into(), &(op as u32).into());
        }
        js_sys::Object::freeze(&o).into()
    }
}

/// Run a job to completion: the loop documented in `core::scheduler`, with driver.js doing
/// the I/O. `step` holds the job; it is emptied when the job is finished.
fn run(client: Rc<ClientInner>, job: Box<dyn Drive>, signal: Option<JsValue>) -> Promise {
    let (fetch, gate, timeout_ms, progress, on_request) = (
        client.fetch.clone(),
        client.rate_gate.clone(),
        client.timeout_ms,
        job.reports_progress(),
        client.on_request.clone(),
    );
    let mut state = Some((client, job));
    let step = Closure::<dyn FnMut(f64, f64, JsValue, JsValue) -> JsResult<JsValue>>::new(
        move |op: f64, n: f64, a: JsValue, b: JsValue| {
            let op = Op::from_number(op).map_err(|e| to_js(&e))?;
            if op == Op::Finish {
                return state.take().map_or_else(
                    || {
                        Err(to_js(&RecallError::protocol(
                            "driver: job already finished",
                        )))
                    },
                    |(_, job)| job.finish(),
                );
            }
            let Some((client, job)) = state.as_mut() else {
                return Err(to_js(&RecallError::protocol(
                    "driver: job already finished",
                )));
            };
            match op {
                Op::Poll => return Ok(poll(client, job.as_mut(), n)),
                Op::Answer => {
                    let mut body = b.unchecked_into::<Uint8Array>().to_vec();
                    if let Some(clean) = blank_out(&body, &client.sent_secrets()) {
                        body = clean;
                    }
                    let answer = (a.as_f64().unwrap_or(0.0) as u16, body);
                    job.on_answer(n as u64, monotonic_ms(), Ok(answer), random_u32());
                }
                Op::Fail => {
                    let what = a.as_string();
                    let kind = match what.as_deref() {
                        Some("timeout") => ErrorKind::Timeout,
                        Some("aborted" | "unsent_aborted") => ErrorKind::Aborted,
                        Some("network" | "unsent") => ErrorKind::Network,
                        _ => ErrorKind::Protocol,
                    };
                    let mut text = b.as_string().unwrap_or_default();
                    // (ASCII needles replaced by ASCII: still UTF-8.)
                    if let Some(clean) = blank_out(text.as_bytes(), &client.sent_secrets())
                        .and_then(|c| String::from_utf8(c).ok())
                    {
                        text = clean;
                    }
                    let e = RecallError::new(kind, text).with_api(job.api().path());
                    // "unsent*": the request certainly never left (connection refused, the
                    // rate gate refused or was aborted): its messages are not in doubt.
                    if matches!(what.as_deref(), Some("unsent" | "unsent_aborted")) {
                        job.on_unsent(n as u64, monotonic_ms(), e, random_u32());
                    } else {
                        job.on_answer(n as u64, monotonic_ms(), Err(e), random_u32());
                    }
                }
                Op::After => job.after_answers(),
                Op::Abort => job.abort(monotonic_ms()),
                Op::Finish => {}
            }
            Ok(JsValue::UNDEFINED)
        },
    );
    run_job(
        step.into_js_value(),
        &Op::table(),
        &fetch,
        &gate,
        timeout_ms,
        &signal.unwrap_or(JsValue::UNDEFINED),
        progress,
        &on_request,
    )
}

/// One Poll step: `"id attempt url body"` to send (the URL has no spaces; a retry's attempt is
/// `"attempt,kind,code"`, how the previous attempt failed), a deadline (ms) to sleep
/// until, null to wait for an answer, undefined when done, false when a request could not be
/// built (poll again). One string: one crossing and one UTF-8 decode per request.
fn poll(client: &ClientInner, job: &mut dyn Drive, now: f64) -> JsValue {
    match job.poll(now, &mut client.pacers.borrow_mut()) {
        Action::Send(req) => {
            let api = job.api_of(&req);
            let mut out = String::with_capacity(640);
            out.push_str(&req.request_id.to_string());
            out.push(' ');
            out.push_str(&req.attempt.to_string());
            if let Some(cause) = req.retry_of {
                // "attempt,kind,code": why this is a retry, for the onRequest hook.
                out.push(',');
                out.push_str(cause.kind.as_str());
                out.push(',');
                out.push_str(&cause.code.to_string());
            }
            out.push(' ');
            let built = client.write_url(&mut out, api, req.resign).and_then(|()| {
                out.push(' ');
                job.write_body(&req, &mut out)
            });
            match built {
                Ok(()) => JsValue::from_str(&out),
                Err(e) => {
                    // The slot is spent; report the failure so the job settles or retries it.
                    job.on_answer(
                        req.request_id,
                        monotonic_ms(),
                        Err(e.with_api(api.path())),
                        random_u32(),
                    );
                    JsValue::FALSE
                }
            }
        }
        Action::WaitUntil(t) => t.into(),
        Action::Idle => JsValue::NULL,
        Action::Done => JsValue::UNDEFINED,
    }
}

/// A bulk group recall in flight.
struct GroupDrive {
    job: GroupRecallJob,
    group_id: String,
    topic_id: Option<String>,
    reason: Option<String>,
    /// The body around the MsgSeqs, from the validated group, topic and reason.
    template: GroupRecallTemplate,
    on_progress: Option<Function>,
}

impl Drive for GroupDrive {
    fn api(&self) -> Api {
        self.job.api()
    }
    fn api_of(&self, req: &SendRequest) -> Api {
        if req.lookup.is_some() {
            Api::GroupMsgGetSimple
        } else {
            self.job.api()
        }
    }
    fn poll(&mut self, now: f64, pacers: &mut PacerSet) -> Action {
        self.job.poll(now, pacers)
    }
    fn write_body(&self, req: &SendRequest, out: &mut String) -> Result<()> {
        if let Some(w) = req.lookup {
            // A resolution look-up: the window's messages, recalled ones included.
            let q = GroupHistoryQuery::new(
                &self.group_id,
                w.number,
                Some(w.req_msg_seq),
                true,
                self.topic_id.as_deref(),
            )?;
            out.push_str(&q.body());
            return Ok(());
        }
        // The job only plans 1..=10 valid seqs per request; anything else gets the checks
        // (and the error) of a freshly built request.
        if req.msg_seqs.is_empty()
            || req.msg_seqs.len() > chat_recall_core::limits::MAX_SEQS_PER_REQUEST
        {
            out.push_str(
                &GroupRecall::new(
                    &self.group_id,
                    &req.msg_seqs,
                    self.topic_id.as_deref(),
                    self.reason.as_deref(),
                )?
                .body(),
            );
        } else {
            self.template.write_body(&req.msg_seqs, out);
        }
        Ok(())
    }
    fn on_answer(&mut self, id: u64, now: f64, answer: Result<(u16, Vec<u8>)>, random: u32) {
        if GroupRecallJob::is_lookup(id) {
            let seen = answer
                .and_then(|(status, body)| parse_group_history(status, &body))
                .map(|page| {
                    page.messages
                        .iter()
                        .map(|m| SeenMessage {
                            msg_seq: m.msg_seq,
                            recalled: m.recalled,
                        })
                        .collect()
                });
            self.job.on_lookup_response(id, now, seen, random);
            return;
        }
        let parsed = answer
            .and_then(|(status, body)| parse_group_recall(status, &body))
            .map(|list| list.into_iter().map(|r| (r.msg_seq, r.ret_code)).collect());
        self.job.on_response(id, now, parsed, random);
    }
    fn on_unsent(&mut self, id: u64, now: f64, e: RecallError, random: u32) {
        self.job.on_unsent(id, now, e, random);
    }
    fn abort(&mut self, now: f64) {
        self.job.abort(now);
    }
    fn reports_progress(&self) -> bool {
        self.on_progress.is_some()
    }
    fn after_answers(&mut self) {
        if let (Some(p), Some(cb)) = (self.job.take_progress(), &self.on_progress) {
            // A throwing callback must not break the job.
            let _ = cb.call1(&JsValue::UNDEFINED, &progress_js(&p));
        }
    }
    fn finish(self: Box<Self>) -> JsResult<JsValue> {
        let GroupDrive {
            job,
            group_id,
            topic_id,
            ..
        } = *self;
        let report = job.finish();
        let js = report_js(&report, &group_id, topic_id.as_deref());
        // The one rule: a call that sent anything resolves with its report (every message
        // has its outcome there, whatever went wrong, and `report.error` holds a job-wide
        // error); it rejects only when nothing was sent: invalid input (checked before the
        // job), or an abort before the first request. The rejection still carries the
        // accounting as `error.report`.
        if report.aborted && report.not_sent == report.requested {
            let err = to_js(
                &RecallError::new(ErrorKind::Aborted, "the operation was aborted")
                    .with_api(Api::GroupMsgRecall.path()),
            );
            let _ = js_sys::Reflect::set(&err, &"report".into(), &js);
            return Err(err);
        }
        if let Some(e) = &report.job_error {
            let _ = js_sys::Reflect::set(&js, &"error".into(), &to_js(e));
        }
        Ok(js)
    }
}

/// One call through the same pacing and retries.
struct SingleDrive {
    job: SingleJob<JsValue>,
    body: String,
    parse: fn(u16, &[u8]) -> Result<JsValue>,
}

impl Drive for SingleDrive {
    fn api(&self) -> Api {
        self.job.api()
    }
    fn poll(&mut self, now: f64, pacers: &mut PacerSet) -> Action {
        let api = self.job.api();
        self.job.poll(now, pacers.get(api))
    }
    fn write_body(&self, _req: &SendRequest, out: &mut String) -> Result<()> {
        out.push_str(&self.body);
        Ok(())
    }
    fn on_answer(&mut self, id: u64, now: f64, answer: Result<(u16, Vec<u8>)>, random: u32) {
        let parse = self.parse;
        self.job.on_response(
            id,
            now,
            answer.and_then(|(status, body)| parse(status, &body)),
            random,
        );
    }
    fn abort(&mut self, _now: f64) {
        self.job.abort();
    }
    fn finish(self: Box<Self>) -> JsResult<JsValue> {
        self.job.finish().result.map_err(|e| to_js(&e))
    }
}

/// What an `onProgress` callback receives.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProgressJs {
    done: u64,
    total: u64,
    recalled: u64,
    failed: u64,
    not_sent: u64,
    unknown: u64,
}

fn progress_js(p: &Progress) -> JsValue {
    let p = ProgressJs {
        done: p.done as u64,
        total: p.total as u64,
        recalled: p.recalled as u64,
        failed: p.failed as u64,
        not_sent: p.not_sent as u64,
        unknown: p.unknown as u64,
    };
    boundary::to_js(&p, ErrorKind::Protocol).unwrap_or(JsValue::UNDEFINED)
}

fn report_js(r: &GroupRecallReport, group_id: &str, topic_id: Option<&str>) -> JsValue {
    // The results cross as one flat f64 array (seq, code, message index * 2 + ok, outcome
    // index, attempts) and one
    // small JSON array of the distinct messages; driver.js builds the objects. Far cheaper
    // than a JSON text of every result (written here, decoded and JSON.parsed there).
    let mut data: Vec<f64> = Vec::with_capacity(r.results.len() * 5);
    let mut table: Vec<&str> = Vec::new();
    let mut last = 0;
    for x in &r.results {
        let m = x.message.as_str();
        let i = if table.get(last) == Some(&m) {
            last
        } else {
            // Messages repeat per batch; look among the first few distinct ones, else add
            // (a repeated entry in the table is harmless).
            match table.iter().take(64).position(|t| *t == m) {
                Some(i) => i,
                None => {
                    table.push(m);
                    table.len() - 1
                }
            }
        };
        last = i;
        data.push(x.msg_seq as f64);
        data.push(x.code as f64);
        data.push((i * 2 + x.ok as usize) as f64);
        // Index into driver.js's OUTCOMES.
        data.push(match x.outcome {
            Outcome::Recalled => 0.0,
            Outcome::Failed => 1.0,
            Outcome::NotSent => 2.0,
            Outcome::Unknown => 3.0,
        });
        data.push(x.attempts as f64);
    }
    let messages = serde_json::to_string(&table).unwrap_or_default();
    let topic = topic_id.map_or(JsValue::UNDEFINED, JsValue::from_str);
    let counts = [
        r.requested as f64,
        r.recalled as f64,
        r.failed as f64,
        r.requests as f64,
        r.retries as f64,
        r.not_sent as f64,
        r.unknown as f64,
        r.lookups as f64,
        if r.aborted { 1.0 } else { 0.0 },
    ];
    make_report(group_id, &topic, &counts, &data, &messages)
}

fn reject(e: RecallError) -> Promise {
    Promise::reject(&to_js(&e))
}

/// A call's `signal` option: absent, or an AbortSignal-like object (driver.js reads it
/// inside try/catch).
fn signal_opt(s: JsValue) -> Result<Option<JsValue>> {
    if s.is_undefined() || s.is_null() {
        return Ok(None);
    }
    // Reflect.has throws on a revoked Proxy: caught, and then it is no signal.
    let has = |k: &str| js_sys::Reflect::has(&s, &k.into()).unwrap_or(false);
    if !s.is_object() || !has("aborted") || !has("addEventListener") {
        return Err(RecallError::invalid_input(
            "signal",
            format!("must be an AbortSignal, got {}", type_name(&s)),
        ));
    }
    Ok(Some(s))
}

/// `new RecallClient(options)`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientOptions {
    sdk_app_id: SdkAppId,
    identifier: String,
    user_sig: Option<String>,
    secret_key: Option<String>,
    user_sig_ttl_seconds: Option<Int<60, { usersig::MAX_EXPIRE_SECONDS }>>,
    region: Option<String>,
    base_url: Option<String>,
    max_requests_per_second: Option<f64>,
    max_in_flight: Option<Int<1, 1024>>,
    timeout_ms: Option<Int<1, 600_000>>,
    max_retries: Option<Int<0, 20>>,
    #[serde(default, with = "preserve")]
    fetch: JsValue,
    /// Kept as the caller's object (its `acquire` may live on a prototype).
    #[serde(default, with = "preserve")]
    rate_gate: JsValue,
    abort_grace_ms: Option<Int<0, 600_000>>,
    cold_start_factor: Option<f64>,
    cold_start_ms: Option<Int<0, 60_000>>,
    cold_start_probe: Option<Int<0, 1024>>,
    rate_limit_recovery_ms: Option<Int<1, 600_000>>,
    #[serde(default, with = "preserve")]
    on_request: JsValue,
}

/// The pacer's ceiling when a `rateGate` decides when requests start.
const GATED_PACER_RATE: f64 = 100_000.0;

/// `rateGate`: absent, or an object whose `acquire` is a function.
fn rate_gate(gate: JsValue) -> Result<JsValue> {
    if gate.is_undefined() || gate.is_null() {
        return Ok(JsValue::UNDEFINED);
    }
    let has_acquire = gate.is_object()
        && js_sys::Reflect::get(&gate, &JsValue::from_str("acquire"))
            .is_ok_and(|f| f.is_function());
    if !has_acquire {
        return Err(RecallError::invalid_input(
            "rateGate",
            "must be an object with an acquire(api, signal) method",
        ));
    }
    Ok(gate)
}

fn read_options(options: &JsValue) -> Result<ClientInner> {
    let o: ClientOptions = boundary::read_with(
        options,
        "options",
        boundary::Fields {
            opaque: &["rateGate"],
            ..Default::default()
        },
    )?;
    let sdk_app_id = o.sdk_app_id.0;
    let identifier = o.identifier;
    let caller = Caller::new(sdk_app_id, &identifier)?;
    let ttl = o.user_sig_ttl_seconds.map_or(DEFAULT_USERSIG_TTL, |n| n.0);
    let credentials = match (o.secret_key, o.user_sig) {
        (Some(key), first) => {
            if in_browser() {
                return Err(RecallError::invalid_input(
                    "secretKey",
                    "must never be shipped to a browser; sign UserSigs in a Worker or on a server and pass userSig",
                ));
            }
            // Check the key signs at all before any request goes out.
            usersig::generate(&usersig::SignRequest {
                sdk_app_id,
                secret_key: &key,
                identifier: &identifier,
                expire_seconds: ttl,
                user_buf: None,
                now: 0,
            })?;
            let current = first.map(|s| (s, (wall_ms() / 1000.0) as u64));
            Credentials::Signed {
                secret_key: key,
                ttl,
                current,
            }
        }
        (None, Some(sig)) => {
            if sig.is_empty() || sig.len() > 8192 || !sig.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(RecallError::invalid_input(
                    "userSig",
                    "must be a non-empty UserSig string",
                ));
            }
            Credentials::Fixed(sig)
        }
        (None, None) => {
            return Err(RecallError::invalid_input(
                "userSig",
                "give userSig or (server side) secretKey",
            ))
        }
    };
    let base = match (o.region, o.base_url) {
        (Some(_), Some(_)) => {
            return Err(RecallError::invalid_input(
                "baseUrl",
                "give region or baseUrl, not both",
            ))
        }
        (Some(r), None) => BaseUrl::region(Region::parse(&r)?),
        (None, Some(u)) => BaseUrl::custom(&u)?,
        (None, None) => BaseUrl::region(Region::China),
    };
    let rate = match o.max_requests_per_second {
        None => DEFAULT_MAX_REQUESTS_PER_SECOND,
        Some(r) if (MIN_REQUESTS_PER_SECOND..=MAX_REQUESTS_PER_SECOND).contains(&r) => r,
        Some(_) => {
            return Err(RecallError::invalid_input(
                "maxRequestsPerSecond",
                "must be a number from 0.1 to 100000",
            ))
        }
    };
    let max_in_flight = o
        .max_in_flight
        .map(|n| n.0 as usize)
        .unwrap_or_else(|| default_max_in_flight(rate));
    let rate_gate = rate_gate(o.rate_gate)?;
    let timeout_ms = o.timeout_ms.map_or(DEFAULT_TIMEOUT_MS, |n| n.0) as f64;
    let abort_grace_ms = o
        .abort_grace_ms
        .map_or(DEFAULT_ABORT_GRACE_MS, |n| n.0 as f64);
    // An outside gate is the budget (shared with other clients); the own pacer must not
    // throttle on top of it, so it gets a ceiling no gate will reach.
    let mut pacing = PacerConfig::with_rate(if rate_gate.is_undefined() {
        rate
    } else {
        GATED_PACER_RATE
    });
    if let Some(f) = o.cold_start_factor {
        if !(f.is_finite() && (0.1..=1.0).contains(&f)) {
            return Err(RecallError::invalid_input(
                "coldStartFactor",
                "must be a number in 0.1..=1",
            ));
        }
        pacing.cold_start_factor = f;
    }
    if let Some(ms) = o.cold_start_ms {
        pacing.cold_start_ms = ms.0 as f64;
    }
    if let Some(n) = o.cold_start_probe {
        pacing.cold_start_probe = n.0 as u32;
    }
    if let Some(ms) = o.rate_limit_recovery_ms {
        pacing.rate_limit_recovery_ms = ms.0 as f64;
    }
    let mut retry = RetryPolicy::default();
    if let Some(n) = o.max_retries {
        retry.max_retries = n.0 as u32;
    }
    let fetch = boundary::function("fetch", o.fetch)?;
    let on_request: JsValue =
        boundary::function("onRequest", o.on_request)?.map_or(JsValue::UNDEFINED, Into::into);
    let can_resign = matches!(credentials, Credentials::Signed { .. });
    Ok(ClientInner {
        caller,
        base,
        credentials: RefCell::new(credentials),
        pacers: RefCell::new(PacerSet::new(pacing)),
        job: JobConfig {
            max_in_flight,
            retry,
            can_resign,
            abort_grace_ms,
        },
        fetch: fetch.map_or(JsValue::UNDEFINED, JsValue::from),
        rate_gate,
        on_request,
        timeout_ms,
        url_prefixes: RefCell::new(Vec::new()),
    })
}

/// `recallGroupMessages` arguments.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupRecallArgs {
    group_id: String,
    /// Read by `boundary::msg_seqs` (a fast path for all-number arrays).
    #[serde(default, with = "preserve")]
    msg_seqs: JsValue,
    topic_id: Option<String>,
    reason: Option<String>,
    #[serde(default, with = "preserve")]
    signal: JsValue,
    #[serde(default, with = "preserve")]
    on_progress: JsValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SenderRecallArgs {
    group_id: String,
    sender_account: String,
    topic_id: Option<String>,
    #[serde(default, with = "preserve")]
    signal: JsValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct C2CRecallArgs {
    from_account: String,
    to_account: String,
    msg_key: String,
    #[serde(default, with = "preserve")]
    signal: JsValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupHistoryArgs {
    group_id: String,
    count: Option<Int<1, { requests::MAX_GROUP_HISTORY_COUNT }>>,
    before_seq: Option<MsgSeq>,
    topic_id: Option<String>,
    with_recalled: Option<bool>,
    #[serde(default, with = "preserve")]
    signal: JsValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct C2CHistoryArgs {
    operator_account: String,
    peer_account: String,
    max_count: Option<Int<1, { requests::MAX_C2C_HISTORY_COUNT }>>,
    min_time: Int<0, { u32::MAX as u64 }>,
    max_time: Int<0, { u32::MAX as u64 }>,
    last_msg_key: Option<String>,
    #[serde(default, with = "preserve")]
    signal: JsValue,
}

/// The alreadyRecalled flag of a C2C recall.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct C2CRecallResult {
    already_recalled: bool,
}

/// Call arguments: own properties only; AbortSignals passed through untouched.
fn read_args<T: DeserializeOwned>(args: &JsValue) -> Result<T> {
    boundary::read_with(
        args,
        "args",
        boundary::Fields {
            opaque: &["signal"],
            lists: &["msgSeqs"],
        },
    )
}

/// A history page's integers must fit a JS number exactly; otherwise the answer is refused
/// (protocol error naming the field), never rounded. `messages`: each message's named
/// integers; `last`: the page's own cursor field, if any.
fn check_page<const N: usize>(
    messages: impl Iterator<Item = [(&'static str, u64); N]>,
    last: Option<(&'static str, u64)>,
) -> Result<()> {
    let k = ErrorKind::Protocol;
    for (i, fields) in messages.enumerate() {
        for (name, n) in fields {
            boundary::safe_int(k, || format!("messages[{i}].{name}"), n)?;
        }
    }
    if let Some((name, n)) = last {
        boundary::safe_int(k, || name.into(), n)?;
    }
    Ok(())
}

fn check_group_page(p: &GroupHistoryPage) -> Result<()> {
    check_page(
        p.messages.iter().map(|m| {
            [
                ("msgSeq", m.msg_seq),
                ("msgRandom", m.msg_random),
                ("msgTimeStamp", m.msg_time_stamp),
                ("isPlaceMsg", m.is_place_msg),
                ("msgPriority", m.msg_priority),
            ]
        }),
        p.next_before_seq.map(|n| ("nextBeforeSeq", n)),
    )
}

fn check_c2c_page(p: &C2CHistoryPage) -> Result<()> {
    check_page(
        p.messages.iter().map(|m| {
            [
                ("msgSeq", m.msg_seq),
                ("msgRandom", m.msg_random),
                ("msgTimeStamp", m.msg_time_stamp),
                ("msgFlagBits", m.msg_flag_bits),
            ]
        }),
        p.last_msg_time.map(|n| ("lastMsgTime", n)),
    )
}

#[wasm_bindgen(js_name = RecallClient, skip_typescript)]
pub struct RecallClient {
    inner: Rc<ClientInner>,
}

#[wasm_bindgen(js_class = RecallClient)]
impl RecallClient {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> JsResult<RecallClient> {
        read_options(&options)
            .map(|inner| RecallClient {
                inner: Rc::new(inner),
            })
            .map_err(|e| to_js(&e))
    }

    /// `recallGroupMessages({ groupId, msgSeqs, topicId?, reason?, signal?, onProgress? })`
    #[wasm_bindgen(js_name = recallGroupMessages)]
    pub fn recall_group_messages(&self, args: JsValue) -> Promise {
        match self.group_drive(&args) {
            Ok((drive, signal)) => run(self.inner.clone(), Box::new(drive), signal),
            Err(e) => reject(e),
        }
    }

    /// `recallGroupMessagesBySender({ groupId, senderAccount, topicId?, signal? })`
    #[wasm_bindgen(js_name = recallGroupMessagesBySender)]
    pub fn recall_group_messages_by_sender(&self, args: JsValue) -> Promise {
        self.single(
            &args,
            |a: SenderRecallArgs| {
                let req = SenderRecall::new(&a.group_id, &a.sender_account, a.topic_id.as_deref())?;
                Ok((req.api(), req.body(), a.signal))
            },
            |status, body| parse_sender_recall(status, body).map(|()| JsValue::UNDEFINED),
        )
    }

    /// `recallC2CMessage({ fromAccount, toAccount, msgKey, signal? })`
    #[wasm_bindgen(js_name = recallC2CMessage)]
    pub fn recall_c2c_message(&self, args: JsValue) -> Promise {
        self.single(
            &args,
            |a: C2CRecallArgs| {
                let req = C2CWithdraw::new(&a.from_account, &a.to_account, &a.msg_key)?;
                Ok((req.api(), req.body(), a.signal))
            },
            |status, body| {
                let out = parse_c2c_withdraw(status, body)?;
                boundary::to_js(
                    &C2CRecallResult {
                        already_recalled: out.already_recalled,
                    },
                    ErrorKind::Protocol,
                )
            },
        )
    }

    /// `getGroupHistory({ groupId, count?, beforeSeq?, topicId?, withRecalled?, signal? })`
    #[wasm_bindgen(js_name = getGroupHistory)]
    pub fn get_group_history(&self, args: JsValue) -> Promise {
        self.single(
            &args,
            |a: GroupHistoryArgs| {
                let req = GroupHistoryQuery::new(
                    &a.group_id,
                    a.count.map_or(requests::MAX_GROUP_HISTORY_COUNT, |n| n.0),
                    a.before_seq.map(|s| s.0),
                    a.with_recalled.unwrap_or(false),
                    a.topic_id.as_deref(),
                )?;
                Ok((req.api(), req.body(), a.signal))
            },
            |status, body| {
                let page = parse_group_history(status, body)?;
                check_group_page(&page)?;
                to_plain_js(&page)
            },
        )
    }

    /// `getC2CHistory({ operatorAccount, peerAccount, minTime, maxTime, maxCount?, lastMsgKey?, signal? })`
    #[wasm_bindgen(js_name = getC2CHistory)]
    pub fn get_c2c_history(&self, args: JsValue) -> Promise {
        self.single(
            &args,
            |a: C2CHistoryArgs| {
                let req = C2CHistoryQuery::new(
                    &a.operator_account,
                    &a.peer_account,
                    a.max_count.map_or(requests::MAX_C2C_HISTORY_COUNT, |n| n.0),
                    a.min_time.0,
                    a.max_time.0,
                    a.last_msg_key.as_deref(),
                )?;
                Ok((req.api(), req.body(), a.signal))
            },
            |status, body| {
                let page = parse_c2c_history(status, body)?;
                check_c2c_page(&page)?;
                to_plain_js(&page)
            },
        )
    }
}

impl RecallClient {
    fn group_drive(&self, args: &JsValue) -> Result<(GroupDrive, Option<JsValue>)> {
        let a: GroupRecallArgs = read_args(args)?;
        let seqs = boundary::msg_seqs(a.msg_seqs)?;
        let signal = signal_opt(a.signal)?;
        let on_progress = boundary::function("onProgress", a.on_progress)?;
        // Validate group, topic and reason once, with the first batch, before sending.
        let template = GroupRecall::new(
            &a.group_id,
            &seqs[..seqs.len().min(1)],
            a.topic_id.as_deref(),
            a.reason.as_deref(),
        )?
        .template();
        let job = GroupRecallJob::new(&seqs, self.inner.job.clone())?;
        Ok((
            GroupDrive {
                job,
                group_id: a.group_id,
                topic_id: a.topic_id,
                reason: a.reason,
                template,
                on_progress,
            },
            signal,
        ))
    }

    /// A single-request call: `build` validates and describes it (API, body, signal),
    /// `parse` reads the answer.
    fn single<A: DeserializeOwned>(
        &self,
        args: &JsValue,
        build: impl FnOnce(A) -> Result<(Api, String, JsValue)>,
        parse: fn(u16, &[u8]) -> Result<JsValue>,
    ) -> Promise {
        let prepared = read_args::<A>(args)
            .and_then(build)
            .and_then(|(api, body, signal)| Ok((api, body, signal_opt(signal)?)));
        match prepared {
            Ok((api, body, signal)) => {
                let drive = SingleDrive {
                    job: SingleJob::new(api, self.inner.job.clone()),
                    body,
                    parse,
                };
                run(self.inner.clone(), Box::new(drive), signal)
            }
            Err(e) => reject(e),
        }
    }
}
