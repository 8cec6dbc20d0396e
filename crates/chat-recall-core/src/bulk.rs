//! Bulk group recall: plan batches of at most 10 MsgSeqs, schedule them through the shared
//! [`Engine`](super::scheduler) (pacing, retries, cancellation), and merge the answers into
//! exactly one outcome per distinct MsgSeq, in first-seen order.
//!
//! Rules (all decided here, documented for users):
//!
//! * **Planning.** MsgSeqs must be `1..=2^53-1`. Duplicates are dropped, first-seen order is
//!   kept, and the distinct seqs are cut into consecutive batches of at most 10. An empty
//!   list is not an error: the job is done at once with an empty report (zero requests).
//! * **Merging a batch's `RecallRetList`.** Entries for seqs not in the batch are ignored.
//!   Several entries for one seq: any failure wins over success, and the first non-zero
//!   RetCode is reported. Reason: a false "failed" is safe (the user can retry or check),
//!   a false "recalled" would leave a message visible while the report says it is gone.
//! * **Omitted seqs.** A seq the service did not mention in a successful answer fails with
//!   [`CODE_NOT_REPORTED`] (-1) and the message "not reported by the service".
//! * **Per-message transient codes** (10002, 91000, 60008, rate codes as RetCode) are retried
//!   for just those seqs, with the same backoff and budget as whole requests.
//! * **Whole-request failures.** When a request fails for good (final ErrorCode, retries
//!   exhausted, network), every seq in it gets that error: `code` is the service's ErrorCode,
//!   or [`CODE_NO_ANSWER`] (-3) when there was none (network, timeout, HTTP, protocol), and
//!   `message` its info. Errors that cannot depend on the batch (the group is missing or its
//!   id invalid, no permission, recall disabled, authentication) also settle every batch not
//!   yet sent with the same error, without sending it: recalling 10,000 messages from a
//!   missing group costs one request, not 1,000. The first such error is the report's
//!   `job_error`.
//! * **Abort.** Every seq not yet settled gets [`CODE_ABORTED`] (-2), "aborted".
//! * `code` is 0 exactly when `ok` is true.
//! * Caveat: a request that timed out may still have been carried out by the service; its
//!   retry can then report a per-message failure (such as 10032) for messages that the first
//!   attempt did recall. The service documents no "already recalled" RetCode for groups, so
//!   the retry's answer is reported as given.

use super::endpoint::Api;
use super::error::{classify, ErrorKind, RecallError};
use super::limits::{MAX_SAFE_INTEGER, MAX_SEQS_PER_REQUEST};
use super::pacer::Pacer;
use super::scheduler::{aborted_error, Action, Engine, JobConfig, SendRequest, Step};

/// Outcome code: the service answered the request but did not mention this seq.
pub const CODE_NOT_REPORTED: i64 = -1;
/// Outcome code: the job was aborted before this seq was settled.
pub const CODE_ABORTED: i64 = -2;
/// Outcome code: the request failed without a service ErrorCode (network, timeout, HTTP
/// status, unreadable answer); `message` says which.
pub const CODE_NO_ANSWER: i64 = -3;

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

/// One MsgSeq's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeqOutcome {
    /// The MsgSeq.
    pub msg_seq: u64,
    /// Recalled (RetCode 0).
    pub ok: bool,
    /// 0 on success; the service's RetCode/ErrorCode; or a negative code of ours
    /// ([`CODE_NOT_REPORTED`], [`CODE_ABORTED`], [`CODE_NO_ANSWER`]).
    pub code: i64,
    /// Empty on success; otherwise what went wrong.
    pub message: String,
    /// The error's kind; `None` on success.
    pub kind: Option<ErrorKind>,
}

impl SeqOutcome {
    fn recalled(msg_seq: u64) -> Self {
        SeqOutcome {
            msg_seq,
            ok: true,
            code: 0,
            message: String::new(),
            kind: None,
        }
    }

    fn ret_code(msg_seq: u64, code: i64) -> Self {
        let c = classify(code);
        SeqOutcome {
            msg_seq,
            ok: false,
            code,
            message: c.meaning.to_string(),
            kind: Some(c.kind),
        }
    }

    fn not_reported(msg_seq: u64) -> Self {
        SeqOutcome {
            msg_seq,
            ok: false,
            code: CODE_NOT_REPORTED,
            message: "not reported by the service".to_string(),
            kind: Some(ErrorKind::Protocol),
        }
    }

    fn aborted(msg_seq: u64) -> Self {
        SeqOutcome {
            msg_seq,
            ok: false,
            code: CODE_ABORTED,
            message: "aborted".to_string(),
            kind: Some(ErrorKind::Aborted),
        }
    }

    fn error(msg_seq: u64, e: &RecallError) -> Self {
        if e.kind == ErrorKind::Aborted {
            return SeqOutcome::aborted(msg_seq);
        }
        let (code, message) = if e.code != 0 {
            (e.code, e.info.clone())
        } else {
            (CODE_NO_ANSWER, format!("{}: {}", e.kind.as_str(), e.info))
        };
        SeqOutcome {
            msg_seq,
            ok: false,
            code,
            message,
            kind: Some(e.kind),
        }
    }
}

/// Progress after a batch settles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Seqs settled so far (`recalled + failed`).
    pub done: usize,
    /// Distinct seqs in the job.
    pub total: usize,
    /// Seqs recalled so far.
    pub recalled: usize,
    /// Seqs failed so far.
    pub failed: usize,
}

/// The final report of a bulk recall.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupRecallReport {
    /// Distinct seqs asked for.
    pub requested: usize,
    /// Seqs recalled.
    pub recalled: usize,
    /// Seqs that failed.
    pub failed: usize,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Requests beyond each batch's first (backoff retries and re-signed resends).
    pub retries: u64,
    /// One per distinct seq, first-seen order.
    pub results: Vec<SeqOutcome>,
    /// The job was aborted before it finished.
    pub aborted: bool,
    /// The first job-wide error (missing group, no permission, authentication...), if any.
    pub job_error: Option<RecallError>,
}

/// Errors that hold for every batch of the job, not just the one that got them.
fn is_job_wide(e: &RecallError) -> bool {
    match e.code {
        10003 | 10007 | 10010 | 10015 | 10033 | 10041 | 60009 => true,
        10031 | 10032 => false,
        _ => matches!(e.kind, ErrorKind::Auth | ErrorKind::Permission),
    }
}

/// A bulk recall: see the module docs for the rules and [`super::scheduler`] for the driver
/// loop. `Send.msg_seqs` holds the seqs for the request's `MsgSeqList`.
#[derive(Clone, Debug)]
pub struct GroupRecallJob {
    api: Api,
    engine: Engine,
    /// Distinct seqs, first-seen order.
    seqs: Vec<u64>,
    /// Per batch (engine unit): indices into `seqs` still to be attempted.
    pending: Vec<Vec<usize>>,
    outcomes: Vec<Option<SeqOutcome>>,
    recalled: usize,
    failed: usize,
    progress_changed: bool,
    job_error: Option<RecallError>,
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
        Ok(GroupRecallJob {
            api: Api::GroupMsgRecall,
            engine: Engine::new(pending.len(), cfg),
            outcomes: vec![None; seqs.len()],
            seqs,
            pending,
            recalled: 0,
            failed: 0,
            progress_changed: false,
            job_error: None,
        })
    }

    /// The API this job calls (group_msg_recall).
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

    /// The next step at monotonic time `now_ms`: send a batch, wait, or finish.
    pub fn poll(&mut self, now_ms: f64, pacer: &mut Pacer) -> Action {
        match self.engine.poll(now_ms, pacer) {
            Step::Send {
                unit,
                request_id,
                attempt,
                resign,
            } => {
                let msg_seqs = self
                    .pending
                    .get(unit)
                    .map(|p| {
                        p.iter()
                            .filter_map(|&i| self.seqs.get(i).copied())
                            .collect()
                    })
                    .unwrap_or_default();
                Action::Send(SendRequest {
                    request_id,
                    attempt,
                    resign,
                    msg_seqs,
                })
            }
            Step::WaitUntil(t) => Action::WaitUntil(t),
            Step::Idle => Action::Idle,
            Step::Done => Action::Done,
        }
    }

    fn set(&mut self, i: usize, outcome: SeqOutcome) {
        if let Some(slot) = self.outcomes.get_mut(i) {
            if slot.is_none() {
                if outcome.ok {
                    self.recalled += 1;
                } else {
                    self.failed += 1;
                }
                *slot = Some(outcome);
                self.progress_changed = true;
            }
        }
    }

    fn settle_unit_with(&mut self, unit: usize, e: &RecallError) {
        let idx = self
            .pending
            .get_mut(unit)
            .map(std::mem::take)
            .unwrap_or_default();
        for i in idx {
            let seq = self.seqs.get(i).copied().unwrap_or(0);
            self.set(i, SeqOutcome::error(seq, e));
        }
    }

    /// Feed the answer to request `request_id`: `Ok(RecallRetList as (MsgSeq, RetCode))` when
    /// the request succeeded (ErrorCode 0), `Err` otherwise. Unknown or stale ids and answers
    /// after `abort()` are ignored. `random` feeds the backoff jitter.
    pub fn on_response(
        &mut self,
        request_id: u64,
        now_ms: f64,
        result: Result<Vec<(u64, i64)>, RecallError>,
        random: u32,
    ) {
        let Some(unit) = self.engine.on_response(request_id) else {
            return;
        };
        match result {
            Ok(entries) => self.merge(unit, &entries, now_ms, random),
            Err(e) => {
                if self.engine.fail(unit, &e, now_ms, random) {
                    return;
                }
                self.settle_unit_with(unit, &e);
                if is_job_wide(&e) {
                    for u in self.engine.drain_unsent() {
                        self.settle_unit_with(u, &e);
                    }
                    if self.job_error.is_none() {
                        self.job_error = Some(e);
                    }
                }
            }
        }
    }

    fn merge(&mut self, unit: usize, entries: &[(u64, i64)], now_ms: f64, random: u32) {
        let idx = self
            .pending
            .get_mut(unit)
            .map(std::mem::take)
            .unwrap_or_default();
        let asked: Vec<u64> = idx
            .iter()
            .map(|&i| self.seqs.get(i).copied().unwrap_or(0))
            .collect();
        let merged = merge_ret_list(&asked, entries);
        let mut again: Vec<usize> = Vec::new();
        let mut again_code = 0;
        for ((&i, &seq), m) in idx.iter().zip(&asked).zip(&merged) {
            match *m {
                None => self.set(i, SeqOutcome::not_reported(seq)),
                Some(0) => self.set(i, SeqOutcome::recalled(seq)),
                Some(code) if classify(code).retry == super::error::RetryAdvice::Backoff => {
                    if again.is_empty() {
                        again_code = code;
                    }
                    again.push(i);
                }
                Some(code) => self.set(i, SeqOutcome::ret_code(seq, code)),
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
            // Out of retries: each seq keeps its own code.
            let left = self
                .pending
                .get_mut(unit)
                .map(std::mem::take)
                .unwrap_or_default();
            for i in left {
                let seq = self.seqs.get(i).copied().unwrap_or(0);
                let code = asked
                    .iter()
                    .position(|&a| a == seq)
                    .and_then(|k| merged.get(k).copied().flatten());
                self.set(i, SeqOutcome::ret_code(seq, code.unwrap_or(again_code)));
            }
        }
    }

    /// Cancel: nothing more is sent, later answers are ignored, and every seq not yet settled
    /// gets an `aborted` outcome.
    pub fn abort(&mut self) {
        if self.engine.is_done() {
            return;
        }
        let e = aborted_error(self.api);
        for u in self.engine.abort() {
            self.settle_unit_with(u, &e);
        }
        // Defensive: no seq may end without an outcome.
        for i in 0..self.outcomes.len() {
            let seq = self.seqs.get(i).copied().unwrap_or(0);
            self.set(i, SeqOutcome::aborted(seq));
        }
    }

    /// Every seq has its outcome.
    pub fn is_done(&self) -> bool {
        self.engine.is_done()
    }

    /// Requests sent and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.engine.in_flight()
    }

    /// HTTP requests sent, retries included.
    pub fn requests(&self) -> u64 {
        self.engine.requests()
    }

    /// Retries sent.
    pub fn retries(&self) -> u64 {
        self.engine.retries()
    }

    /// Outcomes so far.
    pub fn progress(&self) -> Progress {
        Progress {
            done: self.recalled + self.failed,
            total: self.seqs.len(),
            recalled: self.recalled,
            failed: self.failed,
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

    /// The report. Called before `Done`, it aborts first, so every seq has an outcome.
    pub fn finish(mut self) -> GroupRecallReport {
        if !self.engine.is_done() {
            self.abort();
        }
        let aborted = self.engine.is_aborted();
        let results: Vec<SeqOutcome> = self
            .outcomes
            .into_iter()
            .zip(&self.seqs)
            .map(|(o, &seq)| o.unwrap_or_else(|| SeqOutcome::aborted(seq)))
            .collect();
        let recalled = results.iter().filter(|r| r.ok).count();
        GroupRecallReport {
            requested: self.seqs.len(),
            recalled,
            failed: results.len() - recalled,
            requests: self.engine.requests(),
            retries: self.engine.retries(),
            results,
            aborted,
            job_error: self.job_error,
        }
    }
}
