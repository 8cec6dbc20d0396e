//! True outcomes on a virtual clock, against a model of the service that keeps state: every
//! message ends with exactly one outcome, and that outcome agrees with the model's state —
//! under faults that lose answers after the service acted (truncated, slow), faults before it
//! acted (502, dropped, internal error, rate limit), an abort with and without grace, and a
//! network that goes down for good.

mod sched_common;

use std::collections::HashMap;

use chat_recall_core::bulk::*;
use chat_recall_core::error::{ErrorKind, RecallError};
use chat_recall_core::pacer::{Pacer, PacerConfig};
use chat_recall_core::retry::RetryPolicy;
use chat_recall_core::scheduler::{JobConfig, SendRequest};
use proptest::prelude::*;
use sched_common::*;

const API: &str = "group_open_http_svc/group_msg_recall";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Msg {
    Present,
    Recalled,
}

/// The service: which seqs exist and which are recalled.
struct Model {
    msgs: HashMap<u64, Msg>,
}

impl Model {
    /// Seqs `1..=n` exist except every `missing_every`-th (0: none missing).
    fn new(n: u64, missing_every: u64) -> Model {
        let msgs = (1..=n)
            .filter(|s| missing_every == 0 || s % missing_every != 0)
            .map(|s| (s, Msg::Present))
            .collect();
        Model { msgs }
    }

    /// group_msg_recall as the service carries it out: RetCode 0 or 10030.
    fn recall(&mut self, seqs: &[u64]) -> Vec<(u64, i64)> {
        seqs.iter()
            .map(|&s| match self.msgs.get_mut(&s) {
                Some(m) if *m == Msg::Present => {
                    *m = Msg::Recalled;
                    (s, 0)
                }
                _ => (s, CODE_DOES_NOT_EXIST),
            })
            .collect()
    }

    /// group_msg_get_simple with WithRecalledMsg: up to `number` existing messages at or
    /// below `req_msg_seq`, newest first (as the emulator and the service do).
    fn lookup(&self, r: &SendRequest) -> Vec<SeenMessage> {
        let w = r.lookup.expect("a look-up");
        let mut out = Vec::new();
        let mut s = w.req_msg_seq;
        while s >= 1 && (out.len() as u64) < w.number {
            if let Some(m) = self.msgs.get(&s) {
                out.push(SeenMessage {
                    msg_seq: s,
                    recalled: *m == Msg::Recalled,
                });
            }
            s -= 1;
        }
        out
    }

    fn recalled(&self, seq: u64) -> bool {
        self.msgs.get(&seq) == Some(&Msg::Recalled)
    }
}

/// What happens to one recall request.
#[derive(Clone, Copy, Debug)]
enum Fault {
    None,
    /// HTTP 502 from a gateway, before the service saw it.
    BadGateway,
    /// ErrorCode 10002, not carried out.
    Internal,
    /// Connection dropped before the service saw it.
    Drop,
    /// Carried out, then the answer was cut short.
    Truncate,
    /// Carried out, answered after the client's timeout.
    Slow,
    /// 60007, not carried out.
    RateLimited,
}

fn fault_of(x: u32, rate: f64) -> Fault {
    let u = (x as f64) / (u32::MAX as f64);
    if u >= rate {
        return Fault::None;
    }
    match x % 6 {
        0 => Fault::BadGateway,
        1 => Fault::Internal,
        2 => Fault::Drop,
        3 => Fault::Truncate,
        4 => Fault::Slow,
        _ => Fault::RateLimited,
    }
}

const TIMEOUT_MS: f64 = 300.0;

/// One recall request against the model, with a fault drawn at `fault_rate`.
fn serve(
    model: &mut Model,
    r: &SendRequest,
    rng: &mut sched_common::Rng,
    fault_rate: f64,
    latency: f64,
) -> Reply<Vec<(u64, i64)>> {
    let half = latency / 2.0;
    let result = match fault_of(rng.next_u32(), fault_rate) {
        Fault::None => Ok(model.recall(&r.msg_seqs)),
        Fault::BadGateway => {
            let mut e = RecallError::new(ErrorKind::Server, "HTTP 502");
            e.http_status = Some(502);
            Err(e)
        }
        Fault::Internal => Err(RecallError::from_service(10002, "internal error", API)),
        Fault::Drop => Err(RecallError::new(ErrorKind::Network, "other side closed")),
        Fault::Truncate => {
            model.recall(&r.msg_seqs);
            Err(RecallError::protocol("the answer is not JSON"))
        }
        Fault::Slow => {
            model.recall(&r.msg_seqs);
            return Reply {
                up_ms: half,
                down_ms: TIMEOUT_MS,
                result: Err(RecallError::new(
                    ErrorKind::Timeout,
                    "no answer within 300 ms",
                )),
            };
        }
        Fault::RateLimited => Err(RecallError::from_service(60007, "too frequent", API)),
    };
    Reply {
        up_ms: half,
        down_ms: half,
        result,
    }
}

fn lookup_reply(
    model: &Model,
    r: &SendRequest,
    rng: &mut sched_common::Rng,
    fault_rate: f64,
) -> Reply<Vec<SeenMessage>> {
    let result = if rng.f64() < fault_rate {
        Err(RecallError::new(ErrorKind::Network, "other side closed"))
    } else {
        Ok(model.lookup(r))
    };
    reply(10.0, result)
}

/// Every result agrees with the model: recalled ⇒ recalled there; failed / notSent ⇒ not.
fn check_truth(r: &GroupRecallReport, model: &Model) -> Result<(), String> {
    for o in &r.results {
        let truth = model.recalled(o.msg_seq);
        let bad = match o.outcome {
            Outcome::Recalled => !truth,
            Outcome::Failed | Outcome::NotSent => truth,
            Outcome::Unknown => false,
        };
        if bad {
            return Err(format!("{o:?} but the service has recalled={truth}"));
        }
    }
    let sum = r.recalled + r.failed + r.not_sent + r.unknown;
    if sum != r.requested || r.results.len() != r.requested {
        return Err(format!("totals {sum} vs {}", r.requested));
    }
    Ok(())
}

fn cfg(max_retries: u32) -> JobConfig {
    JobConfig {
        retry: RetryPolicy {
            max_retries,
            base_delay_ms: 50.0,
            ..RetryPolicy::default()
        },
        ..JobConfig::default()
    }
}

#[test]
fn ten_thousand_messages_with_twenty_percent_faults_of_every_kind_end_true() {
    let n = 10_000;
    let mut model = Model::new(n, 97);
    let seqs: Vec<u64> = (1..=n).collect();
    let mut job = GroupRecallJob::new(&seqs, cfg(3)).unwrap();
    let model_cell = std::cell::RefCell::new(&mut model);
    let t = run_with_lookups(
        &mut job,
        &mut Pacer::default(),
        &SimOptions::default(),
        |r, _, rng| serve(&mut model_cell.borrow_mut(), r, rng, 0.2, 20.0),
        |r, _, rng| lookup_reply(&model_cell.borrow(), r, rng, 0.2),
    );
    let r = job.finish();
    check_truth(&r, &model).unwrap();
    // The missing seqs (every 97th) fail with 10030; nearly all others are recalled.
    let missing = (n / 97) as usize;
    assert!(r.unknown * 1000 <= n as usize, "unknown {}", r.unknown);
    assert!(r
        .results
        .iter()
        .filter(|o| o.msg_seq % 97 == 0)
        .all(|o| o.code == 10030 || o.outcome == Outcome::Unknown));
    assert!(
        r.recalled * 1000 >= (n as usize - missing) * 999,
        "recalled {}",
        r.recalled
    );
    assert!(
        r.lookups > 0,
        "truncated and slow answers must cause look-ups"
    );
    assert_eq!(r.lookups as usize, t.lookups.len());
    // Each look-up covers at most 20 seqs and names the ones it resolves.
    for l in &t.lookups {
        let w = l.lookup.unwrap();
        assert!(w.number >= 1 && w.number <= MAX_LOOKUP_WINDOW);
        assert!(l
            .msg_seqs
            .iter()
            .all(|&s| s <= w.req_msg_seq && s + w.number > w.req_msg_seq));
    }
    // Look-ups share the one budget here (a lone Pacer): the window holds for both together.
    let mut all = t.starts.clone();
    all.extend(&t.lookup_starts);
    assert!(max_in_window(&all, 1000.0) <= 200);
}

#[test]
fn a_lost_answer_then_does_not_exist_is_looked_up_not_believed() {
    // Attempt 1 is carried out but its answer is cut; the retry meets recalled messages.
    let mut model = Model::new(20, 0);
    let mut job = GroupRecallJob::new(&(1..=10).collect::<Vec<_>>(), cfg(3)).unwrap();
    let mut pacer = Pacer::default();
    let chat_recall_core::scheduler::Action::Send(s1) = job.poll(0.0, &mut pacer) else {
        panic!()
    };
    model.recall(&s1.msg_seqs);
    job.on_response(
        s1.request_id,
        10.0,
        Err(RecallError::protocol("cut")),
        u32::MAX,
    );
    let mut now = 10.0;
    let s2 = loop {
        match job.poll(now, &mut pacer) {
            chat_recall_core::scheduler::Action::Send(s) => break s,
            chat_recall_core::scheduler::Action::WaitUntil(t) => now = t,
            a => panic!("{a:?}"),
        }
    };
    assert_eq!(s2.attempt, 1);
    let answer = model.recall(&s2.msg_seqs);
    assert!(answer.iter().all(|&(_, c)| c == 10030));
    job.on_response(s2.request_id, now + 10.0, Ok(answer), 0);
    // Not believed: one look-up for the whole batch.
    now += 20.0;
    let look = loop {
        match job.poll(now, &mut pacer) {
            chat_recall_core::scheduler::Action::Send(s) => break s,
            chat_recall_core::scheduler::Action::WaitUntil(t) => now = t,
            a => panic!("{a:?}"),
        }
    };
    let w = look.lookup.expect("a look-up");
    assert_eq!((w.req_msg_seq, w.number), (10, 10));
    job.on_lookup_response(look.request_id, now + 10.0, Ok(model.lookup(&look)), 0);
    assert_eq!(
        job.poll(now + 10.0, &mut pacer),
        chat_recall_core::scheduler::Action::Done
    );
    let r = job.finish();
    assert_eq!((r.recalled, r.failed, r.unknown, r.lookups), (10, 0, 0, 1));
    assert!(r.results.iter().all(|o| o.attempts == 2));
}

#[test]
fn a_lost_answer_for_a_message_that_really_does_not_exist_fails_with_10030() {
    let mut model = Model::new(30, 3); // 3, 6, 9 ... do not exist
    let mut job = GroupRecallJob::new(&(1..=10).collect::<Vec<_>>(), cfg(3)).unwrap();
    let mut first = true;
    let model_cell = std::cell::RefCell::new(&mut model);
    run_with_lookups(
        &mut job,
        &mut Pacer::default(),
        &SimOptions::default(),
        |r, _, _| {
            let mut m = model_cell.borrow_mut();
            let answer = m.recall(&r.msg_seqs);
            if std::mem::take(&mut first) {
                reply(10.0, Err(RecallError::new(ErrorKind::Timeout, "slow")))
            } else {
                reply(10.0, Ok(answer))
            }
        },
        |r, _, _| reply(10.0, Ok(model_cell.borrow().lookup(r))),
    );
    let r = job.finish();
    check_truth(&r, &model).unwrap();
    assert_eq!((r.recalled, r.failed, r.unknown), (7, 3, 0));
    for o in r.results.iter().filter(|o| o.msg_seq % 3 == 0) {
        assert_eq!((o.outcome, o.code), (Outcome::Failed, 10030));
    }
}

#[test]
fn without_look_ups_doubt_becomes_unknown_never_failed() {
    let mut model = Model::new(100, 0);
    let mut job = GroupRecallJob::new(&(1..=100).collect::<Vec<_>>(), cfg(1)).unwrap();
    let model_cell = std::cell::RefCell::new(&mut model);
    run(
        &mut job,
        &mut Pacer::default(),
        &SimOptions::default(),
        |r, _, _| {
            // Every attempt is carried out and its answer lost.
            model_cell.borrow_mut().recall(&r.msg_seqs);
            reply(10.0, Err(RecallError::new(ErrorKind::Timeout, "slow")))
        },
    );
    let r = job.finish();
    check_truth(&r, &model).unwrap();
    assert_eq!(r.unknown, 100);
    assert!(r
        .results
        .iter()
        .all(|o| o.code == CODE_UNKNOWN && o.message.contains("look-up failed")));
}

#[test]
fn abort_in_flight_answers_count_within_the_grace_and_lookups_resolve_doubt() {
    let n = 2_000;
    let mut model = Model::new(n, 0);
    let seqs: Vec<u64> = (1..=n).collect();
    let mut job = GroupRecallJob::new(&seqs, cfg(3)).unwrap();
    let model_cell = std::cell::RefCell::new(&mut model);
    let opts = SimOptions {
        abort_at: Some(400.0),
        ..SimOptions::default()
    };
    let t = run_with_lookups(
        &mut job,
        &mut Pacer::default(),
        &opts,
        |r, _, rng| serve(&mut model_cell.borrow_mut(), r, rng, 0.3, 40.0),
        |r, _, rng| lookup_reply(&model_cell.borrow(), r, rng, 0.0),
    );
    let r = job.finish();
    check_truth(&r, &model).unwrap();
    assert!(r.aborted);
    assert_eq!(r.unknown, 0, "everything in flight was resolved within 2 s");
    assert!(r.not_sent > 1_000);
    // No recall starts after the abort; look-ups may.
    assert!(t.starts.iter().all(|&s| s <= 400.0));
    assert!(t.end <= 400.0 + 2_000.0);
}

#[test]
fn abort_grace_runs_out_what_is_open_is_unknown() {
    let mut model = Model::new(100, 0);
    let cfg = JobConfig {
        abort_grace_ms: 100.0,
        ..cfg(3)
    };
    let mut job = GroupRecallJob::new(&(1..=100).collect::<Vec<_>>(), cfg).unwrap();
    let model_cell = std::cell::RefCell::new(&mut model);
    let opts = SimOptions {
        abort_at: Some(20.0),
        ..SimOptions::default()
    };
    let t = run(&mut job, &mut Pacer::default(), &opts, |r, _, _| {
        // Carried out at once; answered only after 1 s.
        model_cell.borrow_mut().recall(&r.msg_seqs);
        reply(1_000.0, Ok(r.msg_seqs.iter().map(|&s| (s, 0)).collect()))
    });
    let r = job.finish();
    check_truth(&r, &model).unwrap();
    assert!(
        (t.end - 120.0).abs() < 1e-6,
        "ends when the grace ends: {}",
        t.end
    );
    assert_eq!(r.unknown, t.sends.len() * 10);
    assert_eq!(r.not_sent, 100 - r.unknown);
    assert!(r
        .results
        .iter()
        .filter(|o| o.outcome == Outcome::Unknown)
        .all(|o| o.message.contains("in flight")));
}

#[test]
fn network_down_for_good_halfway() {
    let n = 4_000;
    let mut model = Model::new(n, 0);
    let seqs: Vec<u64> = (1..=n).collect();
    let mut job = GroupRecallJob::new(&seqs, cfg(3)).unwrap();
    let model_cell = std::cell::RefCell::new(&mut model);
    let down_at = 1_000.0;
    run_with_lookups(
        &mut job,
        &mut Pacer::default(),
        &SimOptions::default(),
        |r, now, _| {
            if now >= down_at {
                reply(1.0, Err(refused()))
            } else if now + 20.0 >= down_at {
                // In flight when it went down: carried out, answer lost.
                model_cell.borrow_mut().recall(&r.msg_seqs);
                reply(
                    20.0,
                    Err(RecallError::new(ErrorKind::Network, "other side closed")),
                )
            } else {
                reply(20.0, Ok(model_cell.borrow_mut().recall(&r.msg_seqs)))
            }
        },
        |_, _, _| reply(1.0, Err(refused())),
    );
    let r = job.finish();
    check_truth(&r, &model).unwrap();
    // Only what was in flight when the network went down is unknown; what never left is
    // notSent, and the job ends (no hang).
    let unknown: Vec<_> = r
        .results
        .iter()
        .filter(|o| o.outcome == Outcome::Unknown)
        .take(3)
        .collect();
    assert!(
        r.unknown > 0 && r.unknown <= 50,
        "unknown {}: {unknown:?}",
        r.unknown
    );
    assert!(r.not_sent >= 1_500, "not sent {}", r.not_sent);
    assert_eq!(r.failed, 0);
    assert!(r
        .results
        .iter()
        .filter(|o| o.outcome == Outcome::NotSent && o.attempts > 0)
        .all(|o| o.code == CODE_NO_ANSWER && o.message.contains("ECONNREFUSED")));
}

#[test]
fn cold_start_keeps_the_first_server_second_under_the_ceiling() {
    // A fresh process: the first requests pay for connection set-up and arrive late and
    // bunched, then the stream is steady. Seen on a loaded host: the first five requests 80-90
    // ms late, the next ten 20-35 ms. Here: every request in the first `setup_ms` waits until
    // `setup_ms` to leave, for set-ups from nothing to 300 ms.
    let run_cold = |cfg: PacerConfig, setup_ms: f64| {
        let mut job =
            GroupRecallJob::new(&(1..=20_000).collect::<Vec<_>>(), JobConfig::default()).unwrap();
        let t = run(
            &mut job,
            &mut Pacer::new(&cfg),
            &SimOptions::default(),
            |r, now, _| {
                let up = (setup_ms - now).max(0.0) + 1.0;
                Reply {
                    up_ms: up,
                    down_ms: 1.0,
                    result: Ok(all_ok(r)),
                }
            },
        );
        (max_in_window(&t.arrivals, 1000.0), t.end, job.finish())
    };
    for setup_ms in [0.0, 30.0, 90.0, 300.0] {
        let (cold_max, _, r) = run_cold(PacerConfig::default(), setup_ms);
        assert_eq!(r.recalled, 20_000);
        assert!(
            cold_max <= 200,
            "set-up {setup_ms} ms: {cold_max} arrivals in one second"
        );
    }
    // Answers move the held-up starts to where they arrived, so the window keeps the
    // bunch's place for it; what that costs is about the set-up time the bunch waited.
    let (_, quick, _) = run_cold(PacerConfig::default(), 0.0);
    let (_, slow, _) = run_cold(PacerConfig::default(), 90.0);
    assert!(slow - quick < 150.0, "{} ms", slow - quick);
    // The probe and the ramp (off by default) hold as well.
    let cautious = PacerConfig {
        cold_start_factor: 0.9,
        cold_start_probe: 10,
        ..PacerConfig::default()
    };
    for setup_ms in [0.0, 90.0, 300.0] {
        let (max, _, _) = run_cold(cautious.clone(), setup_ms);
        assert!(max <= 200, "set-up {setup_ms} ms, probe and ramp: {max}");
    }
}

#[test]
fn after_a_rate_limit_the_rate_dips_then_recovers_to_the_ceiling() {
    let n = 30_000; // 3,000 requests: ~15 s at the ceiling
    let mut job = GroupRecallJob::new(&(1..=n).collect::<Vec<_>>(), cfg(3)).unwrap();
    let mut limited = false;
    let t = run(
        &mut job,
        &mut Pacer::default(),
        &SimOptions::default(),
        |r, now, _| {
            if now >= 2_000.0 && !std::mem::replace(&mut limited, true) {
                return reply(
                    10.0,
                    Err(RecallError::from_service(60007, "too frequent", API)),
                );
            }
            reply(10.0, Ok(all_ok(r)))
        },
    );
    let r = job.finish();
    assert_eq!(r.recalled, n as usize);
    let in_sec = |a: f64| {
        t.starts
            .iter()
            .filter(|&&s| s >= a && s < a + 1_000.0)
            .count()
    };
    // Halved right after the rejection...
    assert!(in_sec(2_300.0) < 160, "{}", in_sec(2_300.0));
    // ... and back at the ceiling (198/s with the headroom) once the 5 s recovery is over.
    assert!(in_sec(8_000.0) >= 196, "{}", in_sec(8_000.0));
    assert!(max_in_window(&t.starts, 1000.0) <= 200);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Under random faults of every kind (some after the service acted), random look-up
    /// failures, latency and an optional abort: every outcome agrees with the service's state.
    #[test]
    fn outcomes_agree_with_the_service(
        n in 1u64..400,
        missing_every in 0u64..8,
        fault_rate in 0.0f64..0.6,
        lookup_fault_rate in 0.0f64..0.5,
        latency in 1.0f64..120.0,
        max_retries in 0u32..4,
        abort_at in prop::option::of(0.0f64..2_000.0),
        grace in prop::option::of(0.0f64..3_000.0),
        seed in any::<u64>(),
    ) {
        let mut model = Model::new(n + 5, missing_every);
        let seqs: Vec<u64> = (1..=n).collect();
        let mut c = cfg(max_retries);
        if let Some(g) = grace {
            c.abort_grace_ms = g;
        }
        let mut job = GroupRecallJob::new(&seqs, c).unwrap();
        let model_cell = std::cell::RefCell::new(&mut model);
        let opts = SimOptions { abort_at, seed, late_ms: 2.0, ..SimOptions::default() };
        let t = run_with_lookups(
            &mut job,
            &mut Pacer::default(),
            &opts,
            |r, _, rng| serve(&mut model_cell.borrow_mut(), r, rng, fault_rate, latency),
            |r, _, rng| lookup_reply(&model_cell.borrow(), r, rng, lookup_fault_rate),
        );
        let r = job.finish();
        if let Err(e) = check_truth(&r, &model) {
            return Err(TestCaseError::fail(e));
        }
        prop_assert_eq!(r.requests as usize, t.sends.len() + t.lookups.len());
        if lookup_fault_rate == 0.0 && abort_at.is_none() {
            prop_assert_eq!(r.unknown, 0);
        }
    }
}
