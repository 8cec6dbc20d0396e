//! A virtual-clock driver for the scheduler tests: it runs exactly the loop documented in
//! `chat_recall_core::scheduler` against a fake server closure.
#![allow(dead_code)]

use chat_recall_core::bulk::{GroupRecallJob, SeenMessage};
use chat_recall_core::error::{ErrorKind, RecallError};
use chat_recall_core::pacer::Pacer;
use chat_recall_core::scheduler::{Action, SendRequest, SingleJob};

/// SplitMix64: deterministic randomness for tests.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What both job types look like to the driver.
pub trait Job {
    type Ok;
    fn poll(&mut self, now: f64, pacer: &mut Pacer) -> Action;
    fn on_response(&mut self, id: u64, now: f64, r: Result<Self::Ok, RecallError>, random: u32);
    /// An attempt that never left (connection refused).
    fn on_unsent(&mut self, id: u64, now: f64, e: RecallError, random: u32) {
        self.on_response(id, now, Err(e), random)
    }
    /// A resolution look-up's answer (bulk recalls only).
    fn on_lookup(
        &mut self,
        id: u64,
        now: f64,
        r: Result<Vec<SeenMessage>, RecallError>,
        random: u32,
    );
    fn abort(&mut self, now: f64);
}

impl Job for GroupRecallJob {
    type Ok = Vec<(u64, i64)>;
    fn poll(&mut self, now: f64, pacer: &mut Pacer) -> Action {
        GroupRecallJob::poll(self, now, pacer)
    }
    fn on_response(&mut self, id: u64, now: f64, r: Result<Self::Ok, RecallError>, random: u32) {
        GroupRecallJob::on_response(self, id, now, r, random)
    }
    fn on_lookup(
        &mut self,
        id: u64,
        now: f64,
        r: Result<Vec<SeenMessage>, RecallError>,
        random: u32,
    ) {
        GroupRecallJob::on_lookup_response(self, id, now, r, random)
    }
    fn abort(&mut self, now: f64) {
        GroupRecallJob::abort(self, now)
    }
    fn on_unsent(&mut self, id: u64, now: f64, e: RecallError, random: u32) {
        GroupRecallJob::on_unsent(self, id, now, e, random)
    }
}

impl<T> Job for SingleJob<T> {
    type Ok = T;
    fn poll(&mut self, now: f64, pacer: &mut Pacer) -> Action {
        SingleJob::poll(self, now, pacer)
    }
    fn on_response(&mut self, id: u64, now: f64, r: Result<T, RecallError>, random: u32) {
        SingleJob::on_response(self, id, now, r, random)
    }
    fn on_lookup(&mut self, _: u64, _: f64, _: Result<Vec<SeenMessage>, RecallError>, _: u32) {
        panic!("a single job never looks up");
    }
    fn abort(&mut self, _now: f64) {
        SingleJob::abort(self)
    }
}

/// The fake server's answer to one request.
pub struct Reply<T> {
    /// Client start to server arrival, ms.
    pub up_ms: f64,
    /// Server arrival to the client seeing the answer, ms.
    pub down_ms: f64,
    pub result: Result<T, RecallError>,
}

pub fn reply<T>(latency_ms: f64, result: Result<T, RecallError>) -> Reply<T> {
    Reply {
        up_ms: 0.0,
        down_ms: latency_ms,
        result,
    }
}

#[derive(Default, Debug)]
pub struct Trace {
    /// Recall (or single-call) requests.
    pub sends: Vec<SendRequest>,
    /// Look-ups, with their start and arrival times.
    pub lookups: Vec<SendRequest>,
    pub lookup_starts: Vec<f64>,
    pub lookup_arrivals: Vec<f64>,
    pub starts: Vec<f64>,
    pub arrivals: Vec<f64>,
    pub end: f64,
    /// Responses delivered after the job finished or was aborted.
    pub late_responses: usize,
    pub polls: usize,
    pub max_in_flight: usize,
}

pub struct SimOptions {
    pub start: f64,
    /// Timer lateness: a wake-up for `t` happens at `t + late_ms * u`.
    pub late_ms: f64,
    pub abort_at: Option<f64>,
    pub seed: u64,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            start: 0.0,
            late_ms: 0.0,
            abort_at: None,
            seed: 1,
        }
    }
}

/// An answer on its way back: to a recall (or single call), or to a look-up.
enum Answer<T> {
    Main(Result<T, RecallError>),
    Lookup(Result<Vec<SeenMessage>, RecallError>),
}

/// The text of [`refused`] errors.
pub const REFUSED: &str = "connect ECONNREFUSED 127.0.0.1 (simulated)";

/// The error of an attempt that never left (as the driver classifies ECONNREFUSED): the
/// harness feeds it through `on_unsent`.
pub fn refused() -> RecallError {
    RecallError::new(ErrorKind::Network, REFUSED)
}

fn deliver<J: Job>(job: &mut J, id: u64, now: f64, a: Answer<J::Ok>, random: u32) {
    match a {
        Answer::Main(Err(e)) if e.info == REFUSED => job.on_unsent(id, now, e, random),
        Answer::Main(r) => job.on_response(id, now, r, random),
        Answer::Lookup(r) => job.on_lookup(id, now, r, random),
    }
}

/// Run `job` to `Done` with the documented driver loop on a virtual clock. Look-ups (if any)
/// fail with a network error: this server keeps no state to answer them from.
pub fn run<J: Job>(
    job: &mut J,
    pacer: &mut Pacer,
    opts: &SimOptions,
    server: impl FnMut(&SendRequest, f64, &mut Rng) -> Reply<J::Ok>,
) -> Trace {
    run_with_lookups(job, pacer, opts, server, |_, _, _| {
        reply(
            10.0,
            Err(RecallError::new(ErrorKind::Network, "no look-ups here")),
        )
    })
}

/// [`run`] with a server for look-ups as well.
pub fn run_with_lookups<J: Job>(
    job: &mut J,
    pacer: &mut Pacer,
    opts: &SimOptions,
    mut server: impl FnMut(&SendRequest, f64, &mut Rng) -> Reply<J::Ok>,
    mut lookup: impl FnMut(&SendRequest, f64, &mut Rng) -> Reply<Vec<SeenMessage>>,
) -> Trace {
    let mut rng = Rng(opts.seed);
    let mut now = opts.start;
    let mut pending: Vec<(f64, u64, Answer<J::Ok>)> = Vec::new();
    let mut trace = Trace::default();
    let mut aborted = false;
    loop {
        trace.polls += 1;
        assert!(trace.polls < 5_000_000, "driver loop does not terminate");
        if let Some(a) = opts.abort_at {
            if !aborted && now >= a {
                aborted = true;
                job.abort(now);
            }
        }
        let wake = match job.poll(now, pacer) {
            Action::Send(r) if r.lookup.is_some() => {
                let reply = lookup(&r, now, &mut rng);
                trace.lookup_starts.push(now);
                trace.lookup_arrivals.push(now + reply.up_ms);
                pending.push((
                    now + reply.up_ms + reply.down_ms,
                    r.request_id,
                    Answer::Lookup(reply.result),
                ));
                trace.max_in_flight = trace.max_in_flight.max(pending.len());
                trace.lookups.push(r);
                continue;
            }
            Action::Send(r) => {
                let reply = server(&r, now, &mut rng);
                trace.starts.push(now);
                trace.arrivals.push(now + reply.up_ms);
                pending.push((
                    now + reply.up_ms + reply.down_ms,
                    r.request_id,
                    Answer::Main(reply.result),
                ));
                trace.max_in_flight = trace.max_in_flight.max(pending.len());
                trace.sends.push(r);
                continue;
            }
            Action::WaitUntil(t) => {
                assert!(t > now, "WaitUntil({t}) not after now ({now})");
                t + opts.late_ms * rng.f64()
            }
            Action::Idle => {
                assert!(!pending.is_empty(), "Idle with nothing in flight");
                f64::INFINITY
            }
            Action::Done => {
                trace.end = now;
                // Deliver what is still in flight: it must be ignored.
                pending.sort_by(|a, b| a.0.total_cmp(&b.0));
                for (t, id, r) in pending.drain(..) {
                    deliver(job, id, t, r, rng.next_u32());
                    trace.late_responses += 1;
                }
                assert_eq!(job.poll(now, pacer), Action::Done);
                return trace;
            }
        };
        let wake = match opts.abort_at {
            Some(a) if !aborted && a < wake => a.max(now),
            _ => wake,
        };
        let next = pending.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        if next <= wake {
            now = now.max(next);
            pending.sort_by(|a, b| a.0.total_cmp(&b.0));
            let k = pending.iter().take_while(|p| p.0 <= now).count();
            for (_, id, r) in pending.drain(..k) {
                deliver(job, id, now, r, rng.next_u32());
            }
        } else {
            assert!(wake.is_finite(), "nothing to wait for");
            now = wake;
        }
    }
}

/// The largest number of times in any half-open window `[t, t + w)`.
pub fn max_in_window(times: &[f64], w: f64) -> usize {
    let mut v = times.to_vec();
    v.sort_by(f64::total_cmp);
    let mut best = 0;
    let mut lo = 0;
    for hi in 0..v.len() {
        while v[hi] - v[lo] >= w {
            lo += 1;
        }
        best = best.max(hi - lo + 1);
    }
    best
}

/// A server that recalls every asked seq.
pub fn all_ok(r: &SendRequest) -> Vec<(u64, i64)> {
    r.msg_seqs.iter().map(|&s| (s, 0)).collect()
}
