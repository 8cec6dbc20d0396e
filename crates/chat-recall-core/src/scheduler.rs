//! The sans-IO request scheduler: decides *what* to send and *when*; the driver performs it.
//!
//! A job ([`SingleJob`] for one logical call, [`crate::bulk::GroupRecallJob`] for a bulk
//! recall) is a state machine in the style of quinn-proto: it never reads a clock, draws a
//! random number or does I/O. The driver (the wasm client) owns one [`Pacer`] per API
//! ([`crate::pacer::PacerSet`]) shared by all its jobs, and runs this loop per job:
//!
//! ```text
//! let pacer = client.pacers.get(job.api());
//! loop {
//!     match job.poll(now_ms(), pacer) {               // borrow the pacer only for the call
//!         Action::Send(req) => {
//!             // Build the URL/body for req.msg_seqs (group) or the call's request (single).
//!             // If req.resign: renew the UserSig first (unless already renewed after this
//!             //   request's previous attempt started).
//!             // Start the fetch (with its timeout) WITHOUT awaiting it; remember
//!             //   req.request_id. Then poll again at once: there may be more to send.
//!         }
//!         Action::WaitUntil(t) => {
//!             // Nothing may start before t (pacing or backoff). Await whichever comes first:
//!             //   a timer to t, or the next in-flight completion. Do not send before t.
//!         }
//!         Action::Idle => {
//!             // Await the next in-flight completion (there is at least one).
//!         }
//!         Action::Done => break,   // job.finish() gives the result / report
//!     }
//!     // For every completion that arrived: job.on_response(request_id, now_ms(), result,
//!     //   random_u32()), where result is Ok(parsed) for ErrorCode 0, else Err(RecallError)
//!     //   (service ErrorCode, HTTP status, network error, or Timeout when the driver's timer
//!     //   aborted the fetch). Group jobs: report progress when job.take_progress() is Some.
//!     // On the caller's AbortSignal: job.abort(), abort the fetches, and poll once more
//!     //   (it answers Done).
//! }
//! ```
//!
//! Every `Send` has consumed a pacer slot: the driver must start it (if it cannot, feed an
//! error for that request id so the request is retried or settled). Responses for unknown or
//! stale request ids are ignored, so late answers after `abort()` are harmless. `poll` after
//! `on_response` also passes rate-limit feedback on to the shared pacer, so the loop above
//! must poll after feeding responses (it does).
//!
//! `max_in_flight` is per job. The shared pacer bounds the request rate of all jobs together.

use super::endpoint::Api;
use super::error::{ErrorKind, RecallError};
use super::pacer::{slows_pacer, Pacer, PacerSet, DEFAULT_MAX_REQUESTS_PER_SECOND};
use super::retry::{final_error, Decision, RetryPolicy};

/// The default concurrency for a ceiling of `rate` requests/s: enough in-flight requests to
/// keep the ceiling with 250 ms of round-trip time (`rate/4`, 50 at 200/s), within 4..=64.
pub fn default_max_in_flight(rate: f64) -> usize {
    let rate = if rate.is_finite() && rate > 0.0 {
        rate
    } else {
        DEFAULT_MAX_REQUESTS_PER_SECOND
    };
    ((rate / 4.0).ceil() as usize).clamp(4, 64)
}

/// Options of one job.
#[derive(Clone, Debug, PartialEq)]
pub struct JobConfig {
    /// Concurrent requests of this job (default 50; 0 is treated as 1).
    pub max_in_flight: usize,
    /// Retries and backoff.
    pub retry: RetryPolicy,
    /// The driver holds a secret key and can renew an expired UserSig (70001).
    pub can_resign: bool,
    /// After an abort, how long (ms) a bulk recall may still wait for the answers of requests
    /// already in flight and look up messages in doubt before reporting them `unknown`
    /// (default 2000; 0 reports them `unknown` at once).
    pub abort_grace_ms: f64,
}

/// Default of [`JobConfig::abort_grace_ms`].
pub const DEFAULT_ABORT_GRACE_MS: f64 = 2_000.0;

impl Default for JobConfig {
    fn default() -> Self {
        JobConfig {
            max_in_flight: default_max_in_flight(DEFAULT_MAX_REQUESTS_PER_SECOND),
            retry: RetryPolicy::default(),
            can_resign: false,
            abort_grace_ms: DEFAULT_ABORT_GRACE_MS,
        }
    }
}

/// One request to start now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendRequest {
    /// Identifies this attempt in `on_response`. Unique within the job.
    pub request_id: u64,
    /// 0 for the first attempt, then 1, 2, ...
    pub attempt: u32,
    /// The previous attempt failed with 70001: renew the UserSig before sending.
    pub resign: bool,
    /// Why this is a retry: how the previous attempt failed (`None` for a first attempt).
    pub retry_of: Option<RetryCause>,
    /// The MsgSeqs of this request (group recall, 1..=10); empty for single-request jobs.
    /// For a look-up, the seqs in doubt that it resolves (informational).
    pub msg_seqs: Vec<u64>,
    /// `Some` for a resolution look-up of a bulk recall: send `group_msg_get_simple` with
    /// `WithRecalledMsg: 1` for this window instead of a recall, and feed the answer to
    /// `GroupRecallJob::on_lookup_response`.
    pub lookup: Option<LookupWindow>,
}

/// How an attempt failed, told with the retry that follows it (so a caller's hook can say why
/// a job took the time it did). The failed attempt's message is not kept: it may quote what
/// the service echoed back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryCause {
    /// The failure's kind.
    pub kind: ErrorKind,
    /// The service's code, or 0 when there was none (network, timeout, HTTP status).
    pub code: i64,
}

/// A `group_msg_get_simple` window: the `number` messages at or before `req_msg_seq`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LookupWindow {
    /// `ReqMsgSeq`: the newest seq of the window.
    pub req_msg_seq: u64,
    /// `ReqMsgNumber`: 1..=20.
    pub number: u64,
}

/// Where a job takes the pacer of an API. A [`PacerSet`] gives each API its own (as the
/// service limits each API separately); a lone [`Pacer`] paces every API of the job under one
/// budget (stricter; handy in tests).
pub trait Pacers {
    /// The pacer that spaces requests to `api`.
    fn pacer(&mut self, api: Api) -> &mut Pacer;
}

impl Pacers for Pacer {
    fn pacer(&mut self, _api: Api) -> &mut Pacer {
        self
    }
}

impl Pacers for PacerSet {
    fn pacer(&mut self, api: Api) -> &mut Pacer {
        self.get(api)
    }
}

/// What the driver does next.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Start this request now, then poll again.
    Send(SendRequest),
    /// Nothing can start before this time (ms); also wake on any completion.
    WaitUntil(f64),
    /// Wait for an in-flight response.
    Idle,
    /// Finished (or aborted): call `finish()`.
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum UnitState {
    Fresh,
    InFlight,
    Waiting { ready_at: f64 },
    Settled,
}

#[derive(Clone, Debug)]
struct Unit {
    state: UnitState,
    /// Attempts sent so far.
    attempts: u32,
    /// Backoff retries used.
    retries: u32,
    resigned: bool,
    resign_next: bool,
    /// How the last attempt failed, when it is to be retried.
    last_failure: Option<RetryCause>,
}

/// What the engine wants to do next (the job adds the payload).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Step {
    Send {
        unit: usize,
        request_id: u64,
        attempt: u32,
        resign: bool,
        retry_of: Option<RetryCause>,
    },
    WaitUntil(f64),
    Idle,
    Done,
}

/// The retry/pacing machinery shared by every job: a set of units of work (one request each,
/// retried as needed), the in-flight table, and the counters.
#[derive(Clone, Debug)]
pub(crate) struct Engine {
    cfg: JobConfig,
    units: Vec<Unit>,
    next_fresh: usize,
    waiting: Vec<usize>,
    /// (request id, unit, when its start was granted).
    in_flight: Vec<(u64, usize, f64)>,
    next_id: u64,
    requests: u64,
    retries: u64,
    unsettled: usize,
    aborted: bool,
    /// No new units and no retries; in-flight requests may still be answered.
    stopped: bool,
    /// Request ids go `first, first + step, ...` so two engines of one job never share one.
    id_step: u64,
    rate_limited_at: Option<f64>,
    /// Answers since the last poll, for the pacer: (when, when the request started, round
    /// trip if it was a clean one).
    answers: Vec<(f64, f64, Option<f64>)>,
}

/// Answers kept for the pacer between two polls (a driver polls after every answer; this only
/// bounds memory if one never polls).
const MAX_PENDING_ANSWERS: usize = 1024;

impl Engine {
    pub(crate) fn new(units: usize, cfg: JobConfig) -> Engine {
        Engine::with_ids(units, cfg, 1, 1)
    }

    /// An engine whose request ids are `first, first + step, ...` (`step >= 1`).
    pub(crate) fn with_ids(units: usize, mut cfg: JobConfig, first: u64, step: u64) -> Engine {
        cfg.max_in_flight = cfg.max_in_flight.max(1);
        let unit = Unit {
            state: UnitState::Fresh,
            attempts: 0,
            retries: 0,
            resigned: false,
            resign_next: false,
            last_failure: None,
        };
        Engine {
            cfg,
            units: vec![unit; units],
            next_fresh: 0,
            waiting: Vec::new(),
            in_flight: Vec::new(),
            next_id: first,
            requests: 0,
            retries: 0,
            unsettled: units,
            aborted: false,
            stopped: false,
            id_step: step.max(1),
            rate_limited_at: None,
            answers: Vec::new(),
        }
    }

    pub(crate) fn requests(&self) -> u64 {
        self.requests
    }

    pub(crate) fn can_resign(&self) -> bool {
        self.cfg.can_resign
    }

    pub(crate) fn retries(&self) -> u64 {
        self.retries
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    pub(crate) fn is_aborted(&self) -> bool {
        self.aborted
    }

    pub(crate) fn is_done(&self) -> bool {
        self.aborted || self.unsettled == 0
    }

    /// Add one unit of work, not to start before `ready_at`; returns its index.
    pub(crate) fn add_unit_at(&mut self, ready_at: f64) -> usize {
        let ready_at = if ready_at.is_finite() { ready_at } else { 0.0 };
        self.units.push(Unit {
            state: UnitState::Waiting { ready_at },
            attempts: 0,
            retries: 0,
            resigned: false,
            resign_next: false,
            last_failure: None,
        });
        self.unsettled += 1;
        self.waiting.push(self.units.len() - 1);
        self.units.len() - 1
    }

    /// Stop sending: settles every unit not in flight (returned) and gives up instead of
    /// retrying from now on; in-flight requests are still answered.
    pub(crate) fn stop(&mut self) -> Vec<usize> {
        self.stopped = true;
        self.drain_unsent()
    }

    /// Tell the pacer what the answers since the last poll taught (first answers, round
    /// trips, rate limits). A job that ends must still do this: the pacer outlives it and is
    /// shared with the client's other jobs.
    pub(crate) fn inform(&mut self, pacer: &mut Pacer) {
        for (at, sent_at, rtt) in self.answers.drain(..) {
            pacer.on_answered(at, sent_at, rtt);
        }
        if let Some(t) = self.rate_limited_at.take() {
            pacer.on_rate_limited(t);
        }
    }

    pub(crate) fn poll(&mut self, now: f64, pacer: &mut Pacer) -> Step {
        self.inform(pacer);
        if self.is_done() {
            return Step::Done;
        }
        // A unit whose backoff has passed goes first (finish what was started), else the next
        // fresh unit, in order.
        let mut ready: Option<(usize, f64)> = None; // (index in waiting, ready_at)
        let mut earliest = f64::INFINITY;
        for (wi, &u) in self.waiting.iter().enumerate() {
            if let Some(Unit {
                state: UnitState::Waiting { ready_at },
                ..
            }) = self.units.get(u)
            {
                let r = *ready_at;
                if r <= now && ready.map_or(true, |(_, best)| r < best) {
                    ready = Some((wi, r));
                }
                if r < earliest || earliest.is_nan() {
                    earliest = r;
                }
            }
        }
        while self.next_fresh < self.units.len()
            && self
                .units
                .get(self.next_fresh)
                .is_some_and(|u| u.state != UnitState::Fresh)
        {
            self.next_fresh += 1;
        }
        let candidate = match ready {
            Some((wi, _)) => self.waiting.get(wi).copied().map(|u| (u, Some(wi))),
            None if self.next_fresh < self.units.len() => Some((self.next_fresh, None)),
            None => None,
        };
        let Some((unit, waiting_index)) = candidate else {
            if !self.waiting.is_empty() {
                // NaN ready times cannot happen (delays are finite), but never spin on them.
                return Step::WaitUntil(if earliest.is_finite() { earliest } else { now });
            }
            if !self.in_flight.is_empty() {
                return Step::Idle;
            }
            // Unreachable by construction; settle nothing and stop rather than hang.
            return Step::Done;
        };
        if self.in_flight.len() >= self.cfg.max_in_flight {
            return Step::Idle;
        }
        if let Err(t) = pacer.try_acquire(now) {
            return Step::WaitUntil(t);
        }
        if let Some(wi) = waiting_index {
            self.waiting.swap_remove(wi);
        } else {
            self.next_fresh += 1;
        }
        let request_id = self.next_id;
        self.next_id = self.next_id.wrapping_add(self.id_step);
        let Some(u) = self.units.get_mut(unit) else {
            return Step::Idle;
        };
        let attempt = u.attempts;
        u.attempts = u.attempts.saturating_add(1);
        u.state = UnitState::InFlight;
        let resign = std::mem::take(&mut u.resign_next);
        let retry_of = u.last_failure.take();
        self.requests += 1;
        if attempt > 0 {
            self.retries += 1;
        }
        self.in_flight.push((request_id, unit, now));
        Step::Send {
            unit,
            request_id,
            attempt,
            resign,
            retry_of,
        }
    }

    /// The unit a response (at `now`) belongs to, or `None` for unknown, stale or post-abort
    /// ids. `clean`: the service answered normally, so the round trip tells the pacer how
    /// much the network's delay varies (a timeout or a dropped answer says nothing of it).
    pub(crate) fn on_response(&mut self, request_id: u64, now: f64, clean: bool) -> Option<usize> {
        let pos = self
            .in_flight
            .iter()
            .position(|&(id, _, _)| id == request_id)?;
        let (_, unit, sent_at) = self.in_flight.swap_remove(pos);
        if now.is_finite() && self.answers.len() < MAX_PENDING_ANSWERS {
            let rtt = now - sent_at;
            let clean_rtt = (clean && rtt.is_finite() && rtt >= 0.0).then_some(rtt);
            self.answers.push((now, sent_at, clean_rtt));
        }
        if self.aborted {
            return None;
        }
        match self.units.get(unit) {
            Some(u) if u.state == UnitState::InFlight => Some(unit),
            _ => None,
        }
    }

    /// The unit's attempt failed with `err`: schedule a retry (true) or give up (false; the
    /// unit is then settled).
    pub(crate) fn fail(&mut self, unit: usize, err: &RecallError, now: f64, random: u32) -> bool {
        if slows_pacer(err) {
            let at = if now.is_nan() { 0.0 } else { now };
            self.rate_limited_at = Some(self.rate_limited_at.map_or(at, |t| t.max(at)));
        }
        let (retries, resigned) = match self.units.get(unit) {
            Some(u) if u.state == UnitState::InFlight => (u.retries, u.resigned),
            _ => return false,
        };
        let decision = if self.stopped {
            Decision::GiveUp
        } else {
            self.cfg
                .retry
                .decide(err, retries, resigned, self.cfg.can_resign, random)
        };
        let now = if now.is_finite() { now } else { 0.0 };
        let Some(u) = self.units.get_mut(unit) else {
            return false;
        };
        let cause = RetryCause {
            kind: err.kind,
            code: err.code,
        };
        match decision {
            Decision::Retry { delay_ms } => {
                u.retries += 1;
                u.last_failure = Some(cause);
                u.state = UnitState::Waiting {
                    ready_at: now + delay_ms,
                };
                self.waiting.push(unit);
                true
            }
            Decision::Resign => {
                u.last_failure = Some(cause);
                u.resigned = true;
                u.resign_next = true;
                u.state = UnitState::Waiting { ready_at: now };
                self.waiting.push(unit);
                true
            }
            Decision::GiveUp => {
                self.settle(unit);
                false
            }
        }
    }

    pub(crate) fn settle(&mut self, unit: usize) {
        if let Some(u) = self.units.get_mut(unit) {
            if u.state != UnitState::Settled {
                if matches!(u.state, UnitState::Waiting { .. }) {
                    self.waiting.retain(|&w| w != unit);
                }
                u.state = UnitState::Settled;
                self.unsettled = self.unsettled.saturating_sub(1);
            }
        }
    }

    /// Settle every unit not yet sent or waiting for a retry; in-flight units go on.
    pub(crate) fn drain_unsent(&mut self) -> Vec<usize> {
        let list: Vec<usize> = self
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| matches!(u.state, UnitState::Fresh | UnitState::Waiting { .. }))
            .map(|(i, _)| i)
            .collect();
        for &i in &list {
            self.settle(i);
        }
        list
    }

    /// Stop: nothing more is sent, later responses are ignored. Returns the units that were
    /// not settled.
    pub(crate) fn abort(&mut self) -> Vec<usize> {
        let list: Vec<usize> = self
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.state != UnitState::Settled)
            .map(|(i, _)| i)
            .collect();
        for &i in &list {
            self.settle(i);
        }
        self.aborted = true;
        self.waiting.clear();
        self.in_flight.clear();
        list
    }
}

/// The error every not-yet-settled request gets on `abort()`.
pub fn aborted_error(api: Api) -> RecallError {
    RecallError::new(ErrorKind::Aborted, "the operation was aborted").with_api(api.path())
}

/// The outcome of a [`SingleJob`].
#[derive(Clone, Debug, PartialEq)]
pub struct SingleReport<T> {
    /// The answer, or the final error.
    pub result: Result<T, RecallError>,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Requests beyond the first (backoff retries and re-signed resends).
    pub retries: u64,
}

/// One logical call (delete_group_msg_by_sender, admin_msgwithdraw, a history page, ...) with
/// the same pacing and retries as bulk recalls. `T` is whatever the driver parsed from a
/// successful answer. Map answers that mean success for the caller (20023 "already recalled")
/// to `Ok` before feeding them.
#[derive(Clone, Debug)]
pub struct SingleJob<T> {
    api: Api,
    engine: Engine,
    result: Option<Result<T, RecallError>>,
}

impl<T> SingleJob<T> {
    /// A job for one request to `api`.
    pub fn new(api: Api, cfg: JobConfig) -> SingleJob<T> {
        SingleJob {
            api,
            engine: Engine::new(1, cfg),
            result: None,
        }
    }

    /// The API called.
    pub fn api(&self) -> Api {
        self.api
    }

    /// The next step at monotonic time `now_ms`.
    pub fn poll(&mut self, now_ms: f64, pacer: &mut Pacer) -> Action {
        match self.engine.poll(now_ms, pacer) {
            Step::Send {
                request_id,
                attempt,
                resign,
                retry_of,
                ..
            } => Action::Send(SendRequest {
                request_id,
                attempt,
                resign,
                retry_of,
                msg_seqs: Vec::new(),
                lookup: None,
            }),
            Step::WaitUntil(t) => Action::WaitUntil(t),
            Step::Idle => Action::Idle,
            Step::Done => Action::Done,
        }
    }

    /// Feed the answer (or failure) of request `request_id`.
    pub fn on_response(
        &mut self,
        request_id: u64,
        now_ms: f64,
        result: Result<T, RecallError>,
        random: u32,
    ) {
        let clean = result.is_ok();
        let Some(unit) = self.engine.on_response(request_id, now_ms, clean) else {
            return;
        };
        match result {
            Ok(v) => {
                self.engine.settle(unit);
                self.result = Some(Ok(v));
            }
            Err(e) => {
                if !self.engine.fail(unit, &e, now_ms, random) {
                    self.result = Some(Err(final_error(e, self.engine.can_resign())));
                }
            }
        }
    }

    /// Cancel: nothing more is sent; a later response is ignored; the result is `Aborted`
    /// unless the call had already finished.
    pub fn abort(&mut self) {
        if self.engine.is_done() {
            return;
        }
        if !self.engine.abort().is_empty() {
            self.result = Some(Err(aborted_error(self.api)));
        }
    }

    /// The job has its result.
    pub fn is_done(&self) -> bool {
        self.engine.is_done()
    }

    /// HTTP requests sent, retries included.
    pub fn requests(&self) -> u64 {
        self.engine.requests()
    }

    /// Retries sent.
    pub fn retries(&self) -> u64 {
        self.engine.retries()
    }

    /// Requests sent and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.engine.in_flight()
    }

    /// The result. Called before `Done`, the call counts as aborted.
    pub fn finish(mut self) -> SingleReport<T> {
        if !self.engine.is_done() {
            self.abort();
        }
        let result = self
            .result
            .take()
            .unwrap_or_else(|| Err(aborted_error(self.api)));
        SingleReport {
            result,
            requests: self.engine.requests(),
            retries: self.engine.retries(),
        }
    }
}
