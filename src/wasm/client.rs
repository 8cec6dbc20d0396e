//! `RecallClient`: the JS-facing client. It validates arguments up front (nothing is sent
//! for bad input), then drives the core's sans-IO jobs (`core::bulk`, `core::scheduler`):
//! the job decides what to send and when; this file only builds URLs, performs fetches and
//! sleeps. See the driver loop in `core::scheduler`'s module docs.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;

use super::errors::{to_js, JsResult};
use super::functions::{set, to_plain_js};
use super::input::{js_string, to_int, type_name, Opts, MAX_SAFE_INTEGER};
use super::redact::blank_out;
use super::transport::{in_browser, make_report, now_ms, random_u32, run_job};
use chat_recall_core::bulk::{GroupRecallJob, GroupRecallReport, Progress};
use chat_recall_core::endpoint::{
    percent_encode_into, request_url_prefix, write_request_url, Api, BaseUrl, Caller, Region,
};
use chat_recall_core::error::{ErrorKind, RecallError, Result};
use chat_recall_core::history::{parse_c2c_history, parse_group_history};
use chat_recall_core::pacer::{PacerConfig, PacerSet, DEFAULT_MAX_REQUESTS_PER_SECOND};
use chat_recall_core::requests::{
    self, C2CHistoryQuery, C2CWithdraw, GroupHistoryQuery, GroupRecall, GroupRecallTemplate,
    Request, SenderRecall,
};
use chat_recall_core::responses::{parse_c2c_withdraw, parse_group_recall, parse_sender_recall};
use chat_recall_core::retry::RetryPolicy;
use chat_recall_core::scheduler::{
    default_max_in_flight, Action, JobConfig, SendRequest, SingleJob,
};
use chat_recall_core::usersig;

const DEFAULT_TIMEOUT_MS: u64 = 10_000;
const DEFAULT_USERSIG_TTL: u64 = 86_400;
/// `maxRequestsPerSecond` bounds. Below 0.1/s one request would wait minutes for its turn
/// (and a tiny rate made the driver spin); the top lets the CPU benchmarks run unpaced
/// against an in-memory fetch, far above any real service's limit.
const MIN_REQUESTS_PER_SECOND: f64 = 0.1;
const MAX_REQUESTS_PER_SECOND: f64 = 100_000.0;
/// Most MsgSeqs one call accepts: 100,000 requests' worth, ~8 minutes at 200/s.
const MAX_SEQS_PER_CALL: u32 = 1_000_000;

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
                let now = (now_ms() / 1000.0) as u64;
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
    fn poll(&mut self, now: f64, pacers: &mut PacerSet) -> Action;
    /// Append the body of `req` to `out`.
    fn write_body(&self, req: &SendRequest, out: &mut String) -> Result<()>;
    fn on_answer(&mut self, request_id: u64, now: f64, answer: Result<(u16, Vec<u8>)>, random: u32);
    fn abort(&mut self);
    /// Called after answers were fed; group jobs report progress here.
    fn after_answers(&mut self) {}
    /// Whether `after_answers` has anything to do (an `onProgress` callback).
    fn reports_progress(&self) -> bool {
        false
    }
    /// The call's result once the job is done.
    fn finish(self: Box<Self>) -> JsResult<JsValue>;
}

// `step` operations of driver.js.
const POLL: u32 = 0;
const ANSWER: u32 = 1;
const FAIL: u32 = 2;
const AFTER: u32 = 3;
const ABORT: u32 = 4;

/// Run a job to completion: the loop documented in `core::scheduler`, with driver.js doing
/// the I/O. `step` holds the job; it is emptied when the job is finished.
fn run(client: Rc<ClientInner>, job: Box<dyn Drive>, signal: Option<JsValue>) -> Promise {
    let (fetch, timeout_ms, progress) = (
        client.fetch.clone(),
        client.timeout_ms,
        job.reports_progress(),
    );
    let mut state = Some((client, job));
    let step = Closure::<dyn FnMut(u32, f64, JsValue, JsValue) -> JsResult<JsValue>>::new(
        move |op, n: f64, a: JsValue, b: JsValue| {
            let Some((client, job)) = state.as_mut() else {
                return Ok(JsValue::UNDEFINED);
            };
            match op {
                POLL => return Ok(poll(client, job.as_mut(), n)),
                ANSWER => {
                    let mut body = b.unchecked_into::<Uint8Array>().to_vec();
                    if let Some(clean) = blank_out(&body, &client.sent_secrets()) {
                        body = clean;
                    }
                    let answer = (a.as_f64().unwrap_or(0.0) as u16, body);
                    job.on_answer(n as u64, now_ms(), Ok(answer), random_u32());
                }
                FAIL => {
                    let kind = match a.as_string().as_deref() {
                        Some("timeout") => ErrorKind::Timeout,
                        Some("aborted") => ErrorKind::Aborted,
                        Some("network") => ErrorKind::Network,
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
                    job.on_answer(n as u64, now_ms(), Err(e), random_u32());
                }
                AFTER => job.after_answers(),
                ABORT => job.abort(),
                _ => {
                    return state
                        .take()
                        .map_or(Ok(JsValue::UNDEFINED), |(_, job)| job.finish())
                }
            }
            Ok(JsValue::UNDEFINED)
        },
    );
    run_job(
        step.into_js_value(),
        &fetch,
        timeout_ms,
        &signal.unwrap_or(JsValue::UNDEFINED),
        progress,
    )
}

/// One POLL step: `"id url body"` to send (the URL has no spaces), a deadline (ms) to sleep
/// until, null to wait for an answer, undefined when done, false when a request could not be
/// built (poll again). One string: one crossing and one UTF-8 decode per request.
fn poll(client: &ClientInner, job: &mut dyn Drive, now: f64) -> JsValue {
    match job.poll(now, &mut client.pacers.borrow_mut()) {
        Action::Send(req) => {
            let api = job.api();
            let mut out = String::with_capacity(640);
            out.push_str(&req.request_id.to_string());
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
                        now_ms(),
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
    fn poll(&mut self, now: f64, pacers: &mut PacerSet) -> Action {
        self.job.poll(now, pacers.get(Api::GroupMsgRecall))
    }
    fn write_body(&self, req: &SendRequest, out: &mut String) -> Result<()> {
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
        let parsed = answer
            .and_then(|(status, body)| parse_group_recall(status, &body))
            .map(|list| list.into_iter().map(|r| (r.msg_seq, r.ret_code)).collect());
        self.job.on_response(id, now, parsed, random);
    }
    fn abort(&mut self) {
        self.job.abort();
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
        // Nothing recalled because of one job-wide error, or aborted: reject, with the
        // full accounting attached as `error.report`.
        let failure = if report.aborted {
            Some(
                RecallError::new(ErrorKind::Aborted, "the operation was aborted")
                    .with_api(Api::GroupMsgRecall.path()),
            )
        } else if report.recalled == 0 {
            report.job_error.clone()
        } else {
            None
        };
        match failure {
            Some(e) => {
                let err = to_js(&e);
                let _ = js_sys::Reflect::set(&err, &"report".into(), &js);
                Err(err)
            }
            None => Ok(js),
        }
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
    fn abort(&mut self) {
        self.job.abort();
    }
    fn finish(self: Box<Self>) -> JsResult<JsValue> {
        self.job.finish().result.map_err(|e| to_js(&e))
    }
}

fn progress_js(p: &Progress) -> JsValue {
    let o = Object::new();
    set(&o, "done", (p.done as f64).into());
    set(&o, "total", (p.total as f64).into());
    set(&o, "recalled", (p.recalled as f64).into());
    set(&o, "failed", (p.failed as f64).into());
    o.into()
}

fn report_js(r: &GroupRecallReport, group_id: &str, topic_id: Option<&str>) -> JsValue {
    // The results cross as one flat f64 array (seq, code, message index * 2 + ok) and one
    // small JSON array of the distinct messages; driver.js builds the objects. Far cheaper
    // than a JSON text of every result (written here, decoded and JSON.parsed there).
    let mut data: Vec<f64> = Vec::with_capacity(r.results.len() * 3);
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
    }
    let messages = serde_json::to_string(&table).unwrap_or_default();
    let topic = topic_id.map_or(JsValue::UNDEFINED, JsValue::from_str);
    let counts = [
        r.requested as f64,
        r.recalled as f64,
        r.failed as f64,
        r.requests as f64,
        r.retries as f64,
    ];
    make_report(group_id, &topic, &counts, &data, &messages)
}

fn reject(e: RecallError) -> Promise {
    Promise::reject(&to_js(&e))
}

/// Reads a call's `signal` option: absent, or an AbortSignal-like object.
fn signal_opt(o: &Opts) -> Result<Option<JsValue>> {
    let s = o.get("signal")?;
    if s.is_undefined() || s.is_null() {
        return Ok(None);
    }
    let has = |k: &str| js_sys::Reflect::has(&s, &k.into()).unwrap_or(false);
    if !s.is_object() || !has("aborted") || !has("addEventListener") {
        return Err(RecallError::invalid_input(
            "signal",
            format!("must be an AbortSignal, got {}", type_name(&s)),
        ));
    }
    Ok(Some(s))
}

/// One MsgSeq given as a number, bigint or decimal string.
fn msg_seq(field: &str, v: &JsValue) -> Result<u64> {
    if let Some(s) = v.as_string() {
        return requests::parse_msg_seq(field, &s);
    }
    if v.is_bigint() {
        return requests::parse_msg_seq(field, &js_string(v));
    }
    if v.as_f64().is_some() {
        return to_int(field, v, 1, MAX_SAFE_INTEGER);
    }
    Err(RecallError::invalid_input(
        field,
        format!(
            "must be a number, bigint or decimal string, got {}",
            type_name(v)
        ),
    ))
}

fn msg_seqs(v: &JsValue) -> Result<Vec<u64>> {
    if v.is_undefined() || v.is_null() {
        return Err(RecallError::invalid_input("msgSeqs", "is required"));
    }
    if v.is_string() || !v.is_object() {
        return Err(RecallError::invalid_input(
            "msgSeqs",
            format!(
                "must be an array or iterable of MsgSeqs, got {}",
                type_name(v)
            ),
        ));
    }
    let arr = if Array::is_array(v) {
        v.clone().unchecked_into::<Array>()
    } else {
        // Iterables (Set, generators) and array-likes.
        Array::from(v)
    };
    if arr.length() == 0 {
        return Err(RecallError::invalid_input("msgSeqs", "must not be empty"));
    }
    if arr.length() > MAX_SEQS_PER_CALL {
        return Err(RecallError::invalid_input(
            "msgSeqs",
            format!("has more than {MAX_SEQS_PER_CALL} entries"),
        ));
    }
    (0..arr.length())
        .map(|i| {
            let v = arr.get(i);
            match v.as_f64() {
                // The common case, without building a field name that is only needed for errors.
                Some(f) if f >= 1.0 && f <= MAX_SAFE_INTEGER as f64 && f.fract() == 0.0 => {
                    Ok(f as u64)
                }
                _ => msg_seq(&format!("msgSeqs[{i}]"), &v),
            }
        })
        .collect()
}

fn read_options(options: &JsValue) -> Result<ClientInner> {
    let o = Opts::new(options, "options")?;
    let sdk_app_id = o.int("sdkAppId", 1, u32::MAX as u64)?;
    let identifier = o.string("identifier")?;
    let caller = Caller::new(sdk_app_id, &identifier)?;
    let user_sig = o.opt_string("userSig")?;
    let secret_key = o.opt_string("secretKey")?;
    let ttl = o
        .opt_int("userSigTtlSeconds", 60, usersig::MAX_EXPIRE_SECONDS)?
        .unwrap_or(DEFAULT_USERSIG_TTL);
    let credentials = match (secret_key, user_sig) {
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
            let current = first.map(|s| (s, (now_ms() / 1000.0) as u64));
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
    let base = match (o.opt_string("region")?, o.opt_string("baseUrl")?) {
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
    let rate = match o.get("maxRequestsPerSecond")? {
        v if v.is_undefined() || v.is_null() => DEFAULT_MAX_REQUESTS_PER_SECOND,
        v => match v.as_f64() {
            Some(r) if (MIN_REQUESTS_PER_SECOND..=MAX_REQUESTS_PER_SECOND).contains(&r) => r,
            _ => {
                return Err(RecallError::invalid_input(
                    "maxRequestsPerSecond",
                    "must be a number from 0.1 to 100000",
                ))
            }
        },
    };
    let max_in_flight = o
        .opt_int("maxInFlight", 1, 1024)?
        .map(|n| n as usize)
        .unwrap_or_else(|| default_max_in_flight(rate));
    let timeout_ms = o
        .opt_int("timeoutMs", 1, 600_000)?
        .unwrap_or(DEFAULT_TIMEOUT_MS) as f64;
    let mut retry = RetryPolicy::default();
    if let Some(n) = o.opt_int("maxRetries", 0, 20)? {
        retry.max_retries = n as u32;
    }
    let fetch = match o.get("fetch")? {
        v if v.is_undefined() || v.is_null() => None,
        v => Some(v.dyn_into::<Function>().map_err(|v| {
            RecallError::invalid_input(
                "fetch",
                format!("must be a function, got {}", type_name(&v)),
            )
        })?),
    };
    let can_resign = matches!(credentials, Credentials::Signed { .. });
    Ok(ClientInner {
        caller,
        base,
        credentials: RefCell::new(credentials),
        pacers: RefCell::new(PacerSet::new(PacerConfig::with_rate(rate))),
        job: JobConfig {
            max_in_flight,
            retry,
            can_resign,
        },
        fetch: fetch.map_or(JsValue::UNDEFINED, JsValue::from),
        timeout_ms,
        url_prefixes: RefCell::new(Vec::new()),
    })
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
            &|o| {
                let req = SenderRecall::new(
                    &o.string("groupId")?,
                    &o.string("senderAccount")?,
                    o.opt_string("topicId")?.as_deref(),
                )?;
                Ok((req.api(), req.body()))
            },
            |status, body| parse_sender_recall(status, body).map(|()| JsValue::UNDEFINED),
        )
    }

    /// `recallC2CMessage({ fromAccount, toAccount, msgKey, signal? })`
    #[wasm_bindgen(js_name = recallC2CMessage)]
    pub fn recall_c2c_message(&self, args: JsValue) -> Promise {
        self.single(
            &args,
            &|o| {
                let req = C2CWithdraw::new(
                    &o.string("fromAccount")?,
                    &o.string("toAccount")?,
                    &o.string("msgKey")?,
                )?;
                Ok((req.api(), req.body()))
            },
            |status, body| {
                let out = parse_c2c_withdraw(status, body)?;
                let o = Object::new();
                set(&o, "alreadyRecalled", out.already_recalled.into());
                Ok(o.into())
            },
        )
    }

    /// `getGroupHistory({ groupId, count?, beforeSeq?, topicId?, withRecalled?, signal? })`
    #[wasm_bindgen(js_name = getGroupHistory)]
    pub fn get_group_history(&self, args: JsValue) -> Promise {
        self.single(
            &args,
            &|o| {
                let before = match o.get("beforeSeq")? {
                    v if v.is_undefined() || v.is_null() => None,
                    v => Some(msg_seq("beforeSeq", &v)?),
                };
                let req = GroupHistoryQuery::new(
                    &o.string("groupId")?,
                    o.opt_int("count", 1, requests::MAX_GROUP_HISTORY_COUNT)?
                        .unwrap_or(requests::MAX_GROUP_HISTORY_COUNT),
                    before,
                    o.opt_bool("withRecalled")?.unwrap_or(false),
                    o.opt_string("topicId")?.as_deref(),
                )?;
                Ok((req.api(), req.body()))
            },
            |status, body| to_plain_js(&parse_group_history(status, body)?),
        )
    }

    /// `getC2CHistory({ operatorAccount, peerAccount, minTime, maxTime, maxCount?, lastMsgKey?, signal? })`
    #[wasm_bindgen(js_name = getC2CHistory)]
    pub fn get_c2c_history(&self, args: JsValue) -> Promise {
        self.single(
            &args,
            &|o| {
                let req = C2CHistoryQuery::new(
                    &o.string("operatorAccount")?,
                    &o.string("peerAccount")?,
                    o.opt_int("maxCount", 1, requests::MAX_C2C_HISTORY_COUNT)?
                        .unwrap_or(requests::MAX_C2C_HISTORY_COUNT),
                    o.int("minTime", 0, u32::MAX as u64)?,
                    o.int("maxTime", 0, u32::MAX as u64)?,
                    o.opt_string("lastMsgKey")?.as_deref(),
                )?;
                Ok((req.api(), req.body()))
            },
            |status, body| to_plain_js(&parse_c2c_history(status, body)?),
        )
    }
}

impl RecallClient {
    fn group_drive(&self, args: &JsValue) -> Result<(GroupDrive, Option<JsValue>)> {
        let o = Opts::new(args, "args")?;
        let group_id = o.string("groupId")?;
        let topic_id = o.opt_string("topicId")?;
        let reason = o.opt_string("reason")?;
        let seqs = msg_seqs(&o.get("msgSeqs")?)?;
        let signal = signal_opt(&o)?;
        let on_progress = match o.get("onProgress")? {
            v if v.is_undefined() || v.is_null() => None,
            v => Some(v.dyn_into::<Function>().map_err(|v| {
                RecallError::invalid_input(
                    "onProgress",
                    format!("must be a function, got {}", type_name(&v)),
                )
            })?),
        };
        // Validate group, topic and reason once, with the first batch, before sending.
        let template = GroupRecall::new(
            &group_id,
            &seqs[..seqs.len().min(1)],
            topic_id.as_deref(),
            reason.as_deref(),
        )?
        .template();
        let job = GroupRecallJob::new(&seqs, self.inner.job.clone())?;
        Ok((
            GroupDrive {
                job,
                group_id,
                topic_id,
                reason,
                template,
                on_progress,
            },
            signal,
        ))
    }

    /// A single-request call: `build` validates and describes it, `parse` reads the answer.
    fn single(
        &self,
        args: &JsValue,
        build: &dyn Fn(&Opts) -> Result<(Api, String)>,
        parse: fn(u16, &[u8]) -> Result<JsValue>,
    ) -> Promise {
        let prepared = Opts::new(args, "args").and_then(|o| Ok((build(&o)?, signal_opt(&o)?)));
        match prepared {
            Ok(((api, body), signal)) => {
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
