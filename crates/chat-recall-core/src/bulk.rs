//! Bulk group recall: plan batches of at most 10 MsgSeqs, schedule them through the shared
//! [`Engine`](super::scheduler) (pacing, retries, cancellation), and end every distinct MsgSeq
//! with exactly one **true** outcome, in first-seen order.
//!
//! Outcomes ([`Outcome`]):
//!
//! * `recalled`: the service said so (RetCode 0), or a look-up showed the message recalled.
//! * `failed`: confirmed not recalled; `code` is the service's code (RetCode or ErrorCode), or
//!   [`CODE_NOT_REPORTED`]/[`CODE_NO_ANSWER`] when a look-up confirmed the message is there
//!   and not recalled after answers we could not read.
//! * `notSent`: no request for the message ever reached the service: aborted or stopped
//!   (job-wide error) before it was sent, or every attempt was refused before sending
//!   (connection refused, see [`GroupRecallJob::on_unsent`]). `code` says why
//!   ([`CODE_ABORTED`], the job-wide ErrorCode, [`CODE_NO_ANSWER`]).
//! * `unknown` ([`CODE_UNKNOWN`]): the service may have recalled it and we could not find
//!   out (the look-up failed, or the abort grace ran out).
//!
//! Rules (all decided here, documented for users):
//!
//! * **Planning.** MsgSeqs must be `1..=2^53-1`. Duplicates are dropped, first-seen order is
//!   kept, and the distinct seqs are cut into consecutive batches of at most 10. An empty
//!   list is not an error: the job is done at once with an empty report (zero requests).
//! * **Merging a batch's `RecallRetList`.** Entries for seqs not in the batch are ignored.
//!   Several entries for one seq: any failure wins over success, and the first non-zero
//!   RetCode is reported.
//! * **Per-message transient codes** (10002, 91000, 60008, rate codes as RetCode) are retried
//!   for just those seqs, with the same backoff and budget as whole requests.
//! * **Doubt.** An attempt whose answer we did not get or could not read (timeout, network,
//!   HTTP 5xx or other non-JSON answers, truncated or unparseable bodies, a fetch aborted in
//!   flight) may have been carried out. Its seqs are *in doubt* from then on: a later failure
//!   for them ("does not exist" 10030 because the lost attempt already recalled it, a final
//!   error, retries exhausted, a seq the answer leaves out) is not taken at its word. Such seqs
//!   are **looked up**: `group_msg_get_simple` with `WithRecalledMsg: 1` for a window of at
//!   most 20 seqs ending at the highest seq in doubt ([`LookupWindow`]; nearby seqs share one
//!   look-up), paced by that API's pacer and retried like any request. A recalled placeholder
//!   (`IsPlaceMsg` 2) means `recalled`; a message present and not recalled means `failed` with
//!   the last code; a message absent from a window the answer covers means it does not exist:
//!   `failed` with the last service code (10030 when we had none). Anything else is `unknown`.
//!   Success (RetCode 0) is always taken at its word.
//! * **Whole-request failures.** When a request fails for good, every seq in it gets that
//!   error (after a look-up when in doubt): `code` is the service's ErrorCode, or
//!   [`CODE_NO_ANSWER`] (-3) when there was none. Errors that cannot depend on the batch (the
//!   group is missing or its id invalid, no permission, recall disabled, authentication) stop
//!   the job: batches not yet sent are `notSent` with that error, without sending them. The
//!   first such error is the report's `job_error`.
//! * **Abort** ([`GroupRecallJob::abort`]). Nothing new is sent. Seqs never sent are
//!   `notSent`; requests in flight may still be answered, and seqs in doubt are looked up, for
//!   [`JobConfig::abort_grace_ms`]; whatever is still open then is `unknown` (or `notSent` if
//!   it never left).
//! * `code` is 0 exactly when `ok` is true, and `ok` exactly when the outcome is `recalled`.

use super::endpoint::Api;
use super::error::{classify, ErrorKind, RecallError};
use super::limits::{MAX_SAFE_INTEGER, MAX_SEQS_PER_REQUEST};
use super::retry::{final_error, is_ambiguous};
use super::scheduler::{Action, Engine, JobConfig, LookupWindow, Pacers, SendRequest, Step};

/// Outcome code: the service answered the request but did not mention this seq.
pub const CODE_NOT_REPORTED: i64 = -1;
/// Outcome code: the job was aborted before this seq was settled.
pub const CODE_ABORTED: i64 = -2;
/// Outcome code: the request failed without a service ErrorCode (network, timeout, HTTP
/// status, unreadable answer); `message` says which.
pub const CODE_NO_ANSWER: i64 = -3;
/// Outcome code of `unknown`: the message may have been recalled; we could not find out.
pub const CODE_UNKNOWN: i64 = -4;
/// The service's "the message does not exist" (group_msg_recall RetCode).
pub const CODE_DOES_NOT_EXIST: i64 = 10030;
/// `group_msg_get_simple` returns at most 20 messages per request.
pub const MAX_LOOKUP_WINDOW: u64 = 20;
/// A look-up starts no sooner than this (ms) after the seqs' recall ended, so that a request
/// we gave up on but the service is still carrying out has landed before we look.
pub const LOOKUP_SETTLE_MS: f64 = 500.0;
/// Retries of a look-up, at least (the job's `max_retries` if higher).
pub const LOOKUP_MIN_RETRIES: u32 = 5;

/// The distinct seqs in first-seen order, each checked to be in `1..=2^53-1`.
/// Errors name the field as `msgSeqs[i]`.
pub fn dedup_seqs(seqs: &[u64]) -> Result<Vec<u64>, RecallError> {
    for (i, &s) in seqs.iter().enumerate() {
        if s == 0 || s > MAX_SAFE_INTEGER {
            return Err(RecallError::invalid_input(
                &format!("msgSeqs[{i}]"),
                format!("must be an integer in 1..={MAX_SAFE_INTEGER}"),
            ));
        }
    }
    // Already strictly increasing (the common case: a range or a sorted list): nothing to drop.
    if seqs.windows(2).all(|w| w[0] < w[1]) {
        return Ok(seqs.to_vec());
    }
    // Sort (seq, position) pairs and keep each seq's first position: O(n log n) worst case,
    // and far less wasm than a hash set or std's sorts. A pair packs into one u128 key.
    let mut keyed: Vec<u128> = seqs
        .iter()
        .enumerate()
        .map(|(i, &s)| (s as u128) << 64 | i as u128)
        .collect();
    heap_sort(&mut keyed);
    let mut first = vec![false; seqs.len()];
    let mut prev = 0u64; // no valid seq is 0
    for k in keyed {
        let s = (k >> 64) as u64;
        if s != prev {
            prev = s;
            if let Some(f) = first.get_mut(k as u64 as usize) {
                *f = true;
            }
        }
    }
    let out = seqs
        .iter()
        .zip(first)
        .filter(|(_, f)| *f)
        .map(|(&s, _)| s)
        .collect();
    Ok(out)
}

/// In-place heapsort: O(n log n) in every case, a few dozen bytes of wasm.
fn heap_sort(v: &mut [u128]) {
    fn sift_down(v: &mut [u128], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && v[child] < v[child + 1] {
                child += 1;
            }
            if v[root] >= v[child] {
                return;
            }
            v.swap(root, child);
            root = child;
        }
    }
    let n = v.len();
    for i in (0..n / 2).rev() {
        sift_down(v, i, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end);
    }
}

/// Batches of at most 10 distinct seqs, in first-seen order.
pub fn plan_batches(seqs: &[u64]) -> Result<Vec<Vec<u64>>, RecallError> {
    Ok(dedup_seqs(seqs)?
        .chunks(MAX_SEQS_PER_REQUEST)
        .map(|c| c.to_vec())
        .collect())
}

/// The merged answer for one asked seq: `None` when the service did not mention it, else
/// the RetCode (0, or the first non-zero one among its entries).
pub fn merge_ret_list(asked: &[u64], entries: &[(u64, i64)]) -> Vec<Option<i64>> {
    let mut merged: Vec<Option<i64>> = vec![None; asked.len()];
    for &(seq, code) in entries {
        let Some(i) = asked.iter().position(|&a| a == seq) else {
            continue;
        };
        if let Some(slot) = merged.get_mut(i) {
            *slot = match *slot {
                None => Some(code),
                Some(0) => Some(code),
                keep => keep,
            };
        }
    }
    merged
}

/// What became of one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Confirmed recalled.
    Recalled,
    /// Confirmed not recalled; `code` says why.
    Failed,
    /// No request for it reached the service.
    NotSent,
    /// May have been recalled; could not find out.
    Unknown,
}

impl Outcome {
    /// The name JavaScript sees in `result.outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Recalled => "recalled",
            Outcome::Failed => "failed",
            Outcome::NotSent => "notSent",
            Outcome::Unknown => "unknown",
        }
    }
}

/// One MsgSeq's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeqOutcome {
    /// The MsgSeq.
    pub msg_seq: u64,
    /// True exactly when `outcome` is `Recalled`.
    pub ok: bool,
    /// Which of the four outcomes it ended with.
    pub outcome: Outcome,
    /// 0 on success; the service's RetCode/ErrorCode; or a negative code of ours
    /// ([`CODE_NOT_REPORTED`], [`CODE_ABORTED`], [`CODE_NO_ANSWER`], [`CODE_UNKNOWN`]).
    pub code: i64,
    /// Empty on success; otherwise what went wrong.
    pub message: String,
    /// The error's kind; `None` on success.
    pub kind: Option<ErrorKind>,
    /// Recall requests that carried this seq (look-ups not counted).
    pub attempts: u32,
}

/// The last failure seen for a seq: what it reports if nothing better is learnt.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Failure {
    code: i64,
    message: String,
    kind: ErrorKind,
}

impl Failure {
    fn ret_code(code: i64) -> Failure {
        let c = classify(code);
        Failure {
            code,
            message: c.meaning.to_string(),
            kind: c.kind,
        }
    }

    fn not_reported() -> Failure {
        Failure {
            code: CODE_NOT_REPORTED,
            message: "not reported by the service".to_string(),
            kind: ErrorKind::Protocol,
        }
    }

    fn of_error(e: &RecallError) -> Failure {
        if e.kind == ErrorKind::Aborted && e.code == 0 {
            // Cancelled by the caller before an answer: the same failure as a seq never sent.
            Failure::aborted()
        } else if e.code != 0 {
            Failure {
                code: e.code,
                message: e.info.clone(),
                kind: e.kind,
            }
        } else {
            Failure {
                code: CODE_NO_ANSWER,
                message: format!("{}: {}", e.kind.as_str(), e.info),
                kind: e.kind,
            }
        }
    }

    fn aborted() -> Failure {
        Failure {
            code: CODE_ABORTED,
            message: "aborted".to_string(),
            kind: ErrorKind::Aborted,
        }
    }
}

/// Progress after a batch settles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Seqs with an outcome so far (`recalled + failed + not_sent + unknown`).
    pub done: usize,
    /// Distinct seqs in the job.
    pub total: usize,
    /// Seqs recalled so far.
    pub recalled: usize,
    /// Seqs confirmed not recalled so far.
    pub failed: usize,
    /// Seqs never sent (aborted or stopped before sending).
    pub not_sent: usize,
    /// Seqs that may have been recalled but could not be checked.
    pub unknown: usize,
}

/// The final report of a bulk recall. `recalled + failed + not_sent + unknown == requested`.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupRecallReport {
    /// Distinct seqs asked for.
    pub requested: usize,
    /// Seqs recalled (confirmed).
    pub recalled: usize,
    /// Confirmed not recalled (outcome `failed` only).
    pub failed: usize,
    /// Seqs never sent (aborted or stopped before sending).
    pub not_sent: usize,
    /// Seqs that may have been recalled but could not be checked.
    pub unknown: usize,
    /// HTTP requests sent: recalls (retries included) and look-ups.
    pub requests: u64,
    /// Recall requests beyond each batch's first (backoff retries and re-signed resends).
    pub retries: u64,
    /// Resolution look-ups sent (`group_msg_get_simple`), retries included.
    pub lookups: u64,
    /// One per distinct seq, first-seen order.
    pub results: Vec<SeqOutcome>,
    /// The job was aborted before it finished.
    pub aborted: bool,
    /// The first job-wide error (missing group, no permission, authentication...), if any.
    pub job_error: Option<RecallError>,
}

/// One message of a look-up answer (`RspMsgList` of `group_msg_get_simple`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeenMessage {
    /// The MsgSeq.
    pub msg_seq: u64,
    /// `IsPlaceMsg` == 2: recalled.
    pub recalled: bool,
}

/// Errors that hold for every batch of the job, not just the one that got them.
fn is_job_wide(e: &RecallError) -> bool {
    match e.code {
        10003 | 10007 | 10010 | 10015 | 10033 | 10041 | 60009 => true,
        10031 | 10032 => false,
        _ => matches!(e.kind, ErrorKind::Auth | ErrorKind::Permission),
    }
}

/// Per-seq bookkeeping.
#[derive(Clone, Debug, Default)]
struct SeqState {
    outcome: Option<SeqOutcome>,
    /// Recall requests that carried it.
    attempts: u32,
    /// Of those, attempts that certainly never reached the service (connection refused).
    refused: u32,
    /// Some attempt was ambiguous: a later failure must be looked up.
    doubt: bool,
    last: Option<Failure>,
}

/// A look-up in progress: its window and the seq indices it resolves.
#[derive(Clone, Debug)]
struct LookupUnit {
    window: LookupWindow,
    seqs: Vec<usize>,
}

/// A bulk recall: see the module docs for the rules and [`super::scheduler`] for the driver
/// loop. `Send.msg_seqs` holds the seqs for the request's `MsgSeqList`; a `Send` with
/// `lookup` set is a resolution look-up (answer it with [`Self::on_lookup_response`]).
#[derive(Clone, Debug)]
pub struct GroupRecallJob {
    api: Api,
    engine: Engine,
    /// Look-ups: their own units, request ids even (recall ids are odd).
    lookups: Engine,
    lookup_units: Vec<LookupUnit>,
    /// Seq indices in doubt whose recall is over, waiting for a look-up.
    pool: Vec<usize>,
    /// Distinct seqs, first-seen order.
    seqs: Vec<u64>,
    st: Vec<SeqState>,
    /// Per batch (engine unit): indices into `seqs` still to be attempted.
    pending: Vec<Vec<usize>>,
    counts: [usize; 4],
    progress_changed: bool,
    job_error: Option<RecallError>,
    /// After `abort`: when the grace period ends.
    deadline: Option<f64>,
    grace_ms: f64,
    aborted: bool,
}

fn outcome_index(o: Outcome) -> usize {
    match o {
        Outcome::Recalled => 0,
        Outcome::Failed => 1,
        Outcome::NotSent => 2,
        Outcome::Unknown => 3,
    }
}

impl GroupRecallJob {
    /// Plan the job. Fails only on an invalid seq (0 or above 2^53-1).
    pub fn new(seqs: &[u64], cfg: JobConfig) -> Result<GroupRecallJob, RecallError> {
        let seqs = dedup_seqs(seqs)?;
        let idx: Vec<usize> = (0..seqs.len()).collect();
        let pending: Vec<Vec<usize>> = idx
            .chunks(MAX_SEQS_PER_REQUEST)
            .map(|c| c.to_vec())
            .collect();
        let grace_ms = if cfg.abort_grace_ms.is_finite() && cfg.abort_grace_ms >= 0.0 {
            cfg.abort_grace_ms.min(600_000.0)
        } else {
            super::scheduler::DEFAULT_ABORT_GRACE_MS
        };
        // Look-ups are cheap reads that decide between a true outcome and `unknown`: they
        // get at least LOOKUP_MIN_RETRIES retries.
        let mut lookup_cfg = cfg.clone();
        lookup_cfg.retry.max_retries = lookup_cfg.retry.max_retries.max(LOOKUP_MIN_RETRIES);
        Ok(GroupRecallJob {
            api: Api::GroupMsgRecall,
            engine: Engine::with_ids(pending.len(), cfg.clone(), 1, 2),
            lookups: Engine::with_ids(0, lookup_cfg, 2, 2),
            lookup_units: Vec::new(),
            pool: Vec::new(),
            st: vec![SeqState::default(); seqs.len()],
            seqs,
            pending,
            counts: [0; 4],
            progress_changed: false,
            job_error: None,
            deadline: None,
            grace_ms,
            aborted: false,
        })
    }

    /// The API this job's recalls go to.
    pub fn api(&self) -> Api {
        self.api
    }

    /// Distinct seqs, first-seen order.
    pub fn seqs(&self) -> &[u64] {
        &self.seqs
    }

    /// The number of batches planned.
    pub fn batches(&self) -> usize {
        self.pending.len()
    }

    /// Whether `request_id` is a look-up (its answer goes to [`Self::on_lookup_response`]).
    pub fn is_lookup(request_id: u64) -> bool {
        request_id % 2 == 0
    }

    fn seq(&self, i: usize) -> u64 {
        self.seqs.get(i).copied().unwrap_or(0)
    }

    /// What to do next. Recalls use `pacers.pacer(Api::GroupMsgRecall)`, look-ups
    /// `pacers.pacer(Api::GroupMsgGetSimple)`.
    pub fn poll<P: Pacers + ?Sized>(&mut self, now_ms: f64, pacers: &mut P) -> Action {
        self.flush_pool(now_ms);
        self.engine.inform(pacers.pacer(self.api));
        self.lookups.inform(pacers.pacer(Api::GroupMsgGetSimple));
        if let Some(d) = self.deadline {
            // A NaN clock counts as past the deadline: never wait on it.
            if now_ms >= d || now_ms.is_nan() {
                self.expire();
                return Action::Done;
            }
        }
        if self.is_done() {
            return Action::Done;
        }
        // Look-ups first: they finish work already paid for.
        let a = self
            .lookups
            .poll(now_ms, pacers.pacer(Api::GroupMsgGetSimple));
        if let Step::Send {
            unit,
            request_id,
            attempt,
            resign,
            retry_of,
        } = a
        {
            let (window, msg_seqs) = match self.lookup_units.get(unit) {
                Some(l) => (l.window, l.seqs.iter().map(|&i| self.seq(i)).collect()),
                None => (
                    LookupWindow {
                        req_msg_seq: 1,
                        number: 1,
                    },
                    Vec::new(),
                ),
            };
            return Action::Send(SendRequest {
                request_id,
                attempt,
                resign,
                retry_of,
                msg_seqs,
                lookup: Some(window),
            });
        }
        let b = self.engine.poll(now_ms, pacers.pacer(self.api));
        if let Step::Send {
            unit,
            request_id,
            attempt,
            resign,
            retry_of,
        } = b
        {
            let idx = self.pending.get(unit).cloned().unwrap_or_default();
            let mut msg_seqs = Vec::with_capacity(idx.len());
            for i in idx {
                msg_seqs.push(self.seq(i));
                if let Some(s) = self.st.get_mut(i) {
                    s.attempts = s.attempts.saturating_add(1);
                }
            }
            return Action::Send(SendRequest {
                request_id,
                attempt,
                resign,
                retry_of,
                msg_seqs,
                lookup: None,
            });
        }
        let mut wake = f64::INFINITY;
        let mut idle = false;
        for s in [a, b] {
            match s {
                Step::WaitUntil(t) => wake = wake.min(t),
                Step::Idle => idle = true,
                _ => {}
            }
        }
        if let Some(d) = self.deadline {
            wake = wake.min(d);
        }
        if wake.is_finite() {
            Action::WaitUntil(wake)
        } else if idle {
            Action::Idle
        } else {
            // Both engines done and nothing in the pool: every seq has its outcome.
            self.finish_open();
            Action::Done
        }
    }

    fn set(&mut self, i: usize, outcome: Outcome, f: Option<Failure>) {
        let seq = self.seq(i);
        let Some(s) = self.st.get_mut(i) else {
            return;
        };
        if s.outcome.is_some() {
            return;
        }
        let o = match (outcome, f) {
            (Outcome::Recalled, _) | (_, None) => SeqOutcome {
                msg_seq: seq,
                ok: outcome == Outcome::Recalled,
                outcome,
                code: if outcome == Outcome::Recalled {
                    0
                } else {
                    CODE_UNKNOWN
                },
                message: String::new(),
                kind: None,
                attempts: s.attempts,
            },
            (_, Some(f)) => SeqOutcome {
                msg_seq: seq,
                ok: false,
                outcome,
                code: f.code,
                message: f.message,
                kind: Some(f.kind),
                attempts: s.attempts,
            },
        };
        if let Some(c) = self.counts.get_mut(outcome_index(outcome)) {
            *c += 1;
        }
        s.outcome = Some(o);
        self.progress_changed = true;
    }

    fn unknown(&mut self, i: usize, why: &str) {
        let last = self
            .st
            .get(i)
            .and_then(|s| s.last.as_ref())
            .map(|f| format!("; last answer: {}", f.message))
            .unwrap_or_default();
        self.set(
            i,
            Outcome::Unknown,
            Some(Failure {
                code: CODE_UNKNOWN,
                message: format!("unknown: {why}{last}"),
                kind: ErrorKind::Network,
            }),
        );
    }

    /// A seq's recall is over with failure `f`: final unless in doubt (then look it up).
    fn fail_seq(&mut self, i: usize, f: Failure) {
        let Some(s) = self.st.get_mut(i) else {
            return;
        };
        if s.outcome.is_some() {
            return;
        }
        if s.doubt {
            s.last = Some(f);
            self.pool.push(i);
        } else if s.attempts <= s.refused {
            self.set(i, Outcome::NotSent, Some(f));
        } else {
            self.set(i, Outcome::Failed, Some(f));
        }
    }

    /// A seq whose batch will not be sent (again): never sent → `notSent`; else as
    /// [`Self::fail_seq`] with the last failure seen.
    fn stop_seq(&mut self, i: usize, why: Failure) {
        let (attempts, last) = match self.st.get(i) {
            Some(s) => (s.attempts, s.last.clone()),
            None => return,
        };
        if attempts == 0 {
            self.set(i, Outcome::NotSent, Some(why));
        } else {
            self.fail_seq(i, last.unwrap_or(why));
        }
    }

    fn take_unit(&mut self, unit: usize) -> Vec<usize> {
        self.pending
            .get_mut(unit)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Feed the answer to recall request `request_id`: `Ok(RecallRetList as (MsgSeq,
    /// RetCode))` when the request succeeded (ErrorCode 0), `Err` otherwise. Unknown or stale
    /// ids are ignored. `random` feeds the backoff jitter.
    pub fn on_response(
        &mut self,
        request_id: u64,
        now_ms: f64,
        result: Result<Vec<(u64, i64)>, RecallError>,
        random: u32,
    ) {
        if Self::is_lookup(request_id) {
            return;
        }
        self.on_recall(request_id, now_ms, result, random, false);
    }

    /// Like an `Err` to [`Self::on_response`], for an attempt that certainly never reached the
    /// service (the connection was refused, the name did not resolve): its seqs gain no
    /// doubt, and if every attempt of a seq was like this it ends `notSent`.
    pub fn on_unsent(&mut self, request_id: u64, now_ms: f64, err: RecallError, random: u32) {
        if Self::is_lookup(request_id) {
            self.on_lookup_response(request_id, now_ms, Err(err), random);
            return;
        }
        self.on_recall(request_id, now_ms, Err(err), random, true);
    }

    fn on_recall(
        &mut self,
        request_id: u64,
        now_ms: f64,
        result: Result<Vec<(u64, i64)>, RecallError>,
        random: u32,
        unsent: bool,
    ) {
        let clean = result.is_ok();
        let Some(unit) = self.engine.on_response(request_id, now_ms, clean) else {
            return;
        };
        match result {
            Ok(entries) => self.merge(unit, &entries, now_ms, random),
            Err(e) => {
                let doubt = !unsent && is_ambiguous(&e);
                let f = Failure::of_error(&e);
                let idx = self.pending.get(unit).cloned().unwrap_or_default();
                for &i in &idx {
                    if let Some(s) = self.st.get_mut(i) {
                        s.refused += u32::from(unsent);
                        s.doubt |= doubt;
                        s.last = Some(f.clone());
                    }
                }
                if self.engine.fail(unit, &e, now_ms, random) {
                    return;
                }
                for i in self.take_unit(unit) {
                    self.fail_seq(i, f.clone());
                }
                if is_job_wide(&e) {
                    for u in self.engine.stop() {
                        for i in self.take_unit(u) {
                            self.stop_seq(i, f.clone());
                        }
                    }
                    if self.job_error.is_none() {
                        self.job_error = Some(final_error(e, self.engine.can_resign()));
                    }
                }
            }
        }
    }

    fn merge(&mut self, unit: usize, entries: &[(u64, i64)], now_ms: f64, random: u32) {
        let idx = self.take_unit(unit);
        let asked: Vec<u64> = idx.iter().map(|&i| self.seq(i)).collect();
        let merged = merge_ret_list(&asked, entries);
        let mut again: Vec<usize> = Vec::new();
        let mut again_code = 0;
        for (&i, m) in idx.iter().zip(&merged) {
            match *m {
                None => {
                    // Told nothing about it: as unsure as a lost answer.
                    if let Some(s) = self.st.get_mut(i) {
                        s.doubt = true;
                    }
                    self.fail_seq(i, Failure::not_reported());
                }
                Some(0) => self.set(i, Outcome::Recalled, None),
                Some(code) if classify(code).retry == super::error::RetryAdvice::Backoff => {
                    if again.is_empty() {
                        again_code = code;
                    }
                    if let Some(s) = self.st.get_mut(i) {
                        s.last = Some(Failure::ret_code(code));
                    }
                    again.push(i);
                }
                Some(code) => self.fail_seq(i, Failure::ret_code(code)),
            }
        }
        if again.is_empty() {
            self.engine.settle(unit);
            return;
        }
        // Retry just the seqs that failed transiently, as a request of their own.
        let err = RecallError::from_service(again_code, "", self.api.path());
        if let Some(p) = self.pending.get_mut(unit) {
            *p = again;
        }
        if !self.engine.fail(unit, &err, now_ms, random) {
            // Out of retries (or stopped): each seq keeps its own code.
            for i in self.take_unit(unit) {
                let f = self
                    .st
                    .get(i)
                    .and_then(|s| s.last.clone())
                    .unwrap_or_else(|| Failure::ret_code(again_code));
                self.fail_seq(i, f);
            }
        }
    }

    /// Turn the seqs waiting for a look-up into look-up units: windows of at most
    /// [`MAX_LOOKUP_WINDOW`] seqs ending at the highest seq still waiting.
    fn flush_pool(&mut self, now_ms: f64) {
        if self.pool.is_empty() {
            return;
        }
        let mut pool = std::mem::take(&mut self.pool);
        if self.lookups.is_aborted() {
            for i in pool {
                self.unknown(i, "in doubt when the job ended");
            }
            return;
        }
        pool.sort_by_key(|&i| std::cmp::Reverse(self.seqs.get(i).copied().unwrap_or(0)));
        pool.dedup();
        let mut k = 0;
        while let Some(&first) = pool.get(k) {
            let top = self.seq(first);
            let mut seqs = Vec::new();
            let mut low = top;
            while let Some(&i) = pool.get(k) {
                let s = self.seq(i);
                if top - s >= MAX_LOOKUP_WINDOW {
                    break;
                }
                low = s;
                seqs.push(i);
                k += 1;
            }
            self.lookup_units.push(LookupUnit {
                window: LookupWindow {
                    req_msg_seq: top,
                    number: top - low + 1,
                },
                seqs,
            });
            self.lookups.add_unit_at(now_ms + LOOKUP_SETTLE_MS);
        }
    }

    /// Feed the answer to look-up `request_id`: `Ok(RspMsgList)` when the request succeeded,
    /// `Err` otherwise.
    pub fn on_lookup_response(
        &mut self,
        request_id: u64,
        now_ms: f64,
        result: Result<Vec<SeenMessage>, RecallError>,
        random: u32,
    ) {
        if !Self::is_lookup(request_id) {
            return;
        }
        let clean = result.is_ok();
        let Some(unit) = self.lookups.on_response(request_id, now_ms, clean) else {
            return;
        };
        let (window, idx) = match self.lookup_units.get_mut(unit) {
            Some(l) => (l.window, std::mem::take(&mut l.seqs)),
            None => return,
        };
        let list = match result {
            Ok(list) => list,
            Err(e) => {
                if self.lookups.fail(unit, &e, now_ms, random) {
                    if let Some(l) = self.lookup_units.get_mut(unit) {
                        l.seqs = idx;
                    }
                    return;
                }
                let why = format!("the look-up failed ({}: {})", e.kind.as_str(), e.info);
                for i in idx {
                    self.unknown(i, &why);
                }
                return;
            }
        };
        self.lookups.settle(unit);
        // The answer covers the window down to its lowest seq, or the whole window when it
        // holds fewer messages than asked (there were no more to give).
        let low = list.iter().map(|m| m.msg_seq).min();
        let whole = (list.len() as u64) < window.number;
        for i in idx {
            let seq = self.seq(i);
            let last = self.st.get(i).and_then(|s| s.last.clone());
            match list.iter().find(|m| m.msg_seq == seq) {
                Some(m) if m.recalled => self.set(i, Outcome::Recalled, None),
                Some(_) => {
                    let f = last.unwrap_or_else(Failure::not_reported);
                    self.set(i, Outcome::Failed, Some(f));
                }
                None if whole || low.is_some_and(|l| l <= seq) => {
                    let f = match last {
                        Some(f) if f.code > 0 => f,
                        _ => Failure::ret_code(CODE_DOES_NOT_EXIST),
                    };
                    self.set(i, Outcome::Failed, Some(f));
                }
                None => self.unknown(i, "the look-up did not cover it"),
            }
        }
    }

    /// Cancel at `now_ms`: nothing new is sent; seqs never sent are `notSent` at once; answers
    /// to requests in flight and look-ups of seqs in doubt are still taken until the grace
    /// period ([`JobConfig::abort_grace_ms`]) ends, then everything still open is `unknown`.
    pub fn abort(&mut self, now_ms: f64) {
        if self.is_done() || self.aborted {
            return;
        }
        self.aborted = true;
        let f = Failure::aborted();
        for u in self.engine.stop() {
            for i in self.take_unit(u) {
                self.stop_seq(i, f.clone());
            }
        }
        let now = if now_ms.is_finite() { now_ms } else { 0.0 };
        self.deadline = Some(now + self.grace_ms);
        if self.grace_ms <= 0.0 {
            self.flush_pool(now_ms);
            self.expire();
        }
    }

    /// The grace period is over: stop everything; what is still open gets its outcome.
    fn expire(&mut self) {
        self.engine.abort();
        self.lookups.abort();
        self.finish_open();
    }

    /// Every seq without an outcome: `notSent` if never sent, else `unknown`.
    fn finish_open(&mut self) {
        for i in 0..self.st.len() {
            let (open, attempts, reached) = match self.st.get(i) {
                Some(s) => (s.outcome.is_none(), s.attempts, s.attempts > s.refused),
                None => continue,
            };
            if !open {
                continue;
            }
            if attempts == 0 {
                self.set(i, Outcome::NotSent, Some(Failure::aborted()));
            } else if !reached {
                let f = self
                    .st
                    .get(i)
                    .and_then(|s| s.last.clone())
                    .unwrap_or_else(Failure::aborted);
                self.set(i, Outcome::NotSent, Some(f));
            } else {
                self.unknown(i, "still in flight when the job ended");
            }
        }
        self.pool.clear();
    }

    /// Every seq has its outcome and nothing is in flight.
    pub fn is_done(&self) -> bool {
        self.engine.is_done() && self.lookups.is_done() && self.pool.is_empty()
    }

    /// Requests in flight (recalls and look-ups).
    pub fn in_flight(&self) -> usize {
        self.engine.in_flight() + self.lookups.in_flight()
    }

    /// HTTP requests sent (recalls and look-ups).
    pub fn requests(&self) -> u64 {
        self.engine.requests() + self.lookups.requests()
    }

    /// Recall requests sent again after a retryable failure.
    pub fn retries(&self) -> u64 {
        self.engine.retries()
    }

    /// Look-up requests sent (`group_msg_get_simple`).
    pub fn lookups(&self) -> u64 {
        self.lookups.requests()
    }

    /// Outcomes so far.
    pub fn progress(&self) -> Progress {
        let [recalled, failed, not_sent, unknown] = self.counts;
        Progress {
            done: recalled + failed + not_sent + unknown,
            total: self.seqs.len(),
            recalled,
            failed,
            not_sent,
            unknown,
        }
    }

    /// `Some(progress)` once after each change (a batch, or part of one, settled); for
    /// `onProgress` callbacks.
    pub fn take_progress(&mut self) -> Option<Progress> {
        if std::mem::take(&mut self.progress_changed) {
            Some(self.progress())
        } else {
            None
        }
    }

    /// The report. Called before `Done`, it ends the job first (as a grace period that has
    /// run out), so every seq has an outcome.
    pub fn finish(mut self) -> GroupRecallReport {
        if !self.is_done() || self.st.iter().any(|s| s.outcome.is_none()) {
            self.flush_pool(0.0);
            self.expire();
        }
        let results: Vec<SeqOutcome> = self
            .st
            .into_iter()
            .zip(&self.seqs)
            .map(|(s, &seq)| {
                s.outcome.unwrap_or(SeqOutcome {
                    msg_seq: seq,
                    ok: false,
                    outcome: Outcome::Unknown,
                    code: CODE_UNKNOWN,
                    message: "unknown".to_string(),
                    kind: Some(ErrorKind::Network),
                    attempts: s.attempts,
                })
            })
            .collect();
        let mut counts = [0usize; 4];
        for r in &results {
            if let Some(c) = counts.get_mut(outcome_index(r.outcome)) {
                *c += 1;
            }
        }
        GroupRecallReport {
            requested: results.len(),
            recalled: counts[0],
            failed: counts[1],
            not_sent: counts[2],
            unknown: counts[3],
            requests: self.engine.requests() + self.lookups.requests(),
            retries: self.engine.retries(),
            lookups: self.lookups.requests(),
            results,
            aborted: self.aborted,
            job_error: self.job_error,
        }
    }
}
