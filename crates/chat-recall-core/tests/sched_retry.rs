//! Retry decisions, backoff, re-signing and cancellation.

mod sched_common;

use chat_recall_core::bulk::*;
use chat_recall_core::endpoint::Api;
use chat_recall_core::error::{ErrorKind, RecallError};
use chat_recall_core::pacer::Pacer;
use chat_recall_core::retry::{Decision, RetryPolicy};
use chat_recall_core::scheduler::{Action, JobConfig, SingleJob, SingleReport};
use sched_common::*;

const API: &str = "group_open_http_svc/group_msg_recall";

fn http_502() -> RecallError {
    let mut e = RecallError::new(ErrorKind::Server, "HTTP 502");
    e.http_status = Some(502);
    e
}

fn retryable_errors() -> Vec<RecallError> {
    let mut v: Vec<RecallError> = [60007, 60011, 60018, 60019, 70050, 60008, 10002, 91000]
        .into_iter()
        .map(|c| RecallError::from_service(c, "", API))
        .collect();
    v.push(RecallError::new(ErrorKind::Network, "connection reset"));
    v.push(RecallError::new(
        ErrorKind::Timeout,
        "no answer within 10000 ms",
    ));
    v.push(http_502());
    v
}

/// Run a single job whose server answers from `script` (then `Ok(())` forever).
fn single(cfg: JobConfig, script: Vec<Result<(), RecallError>>) -> (SingleReport<()>, Trace) {
    let mut job: SingleJob<()> = SingleJob::new(Api::DeleteGroupMsgBySender, cfg);
    let mut script = script.into_iter();
    let t = run(
        &mut job,
        &mut Pacer::default(),
        &SimOptions::default(),
        |_, _, _| reply(20.0, script.next().unwrap_or(Ok(()))),
    );
    (job.finish(), t)
}

#[test]
fn every_retryable_error_is_retried_up_to_max() {
    for e in retryable_errors() {
        let (r, t) = single(JobConfig::default(), vec![Err(e.clone()); 10]);
        assert_eq!((r.requests, r.retries), (4, 3), "{e}");
        assert_eq!(r.result, Err(e.clone()));
        let attempts: Vec<u32> = t.sends.iter().map(|s| s.attempt).collect();
        assert_eq!(attempts, vec![0, 1, 2, 3]);
        // ...and succeeds when the fault clears.
        let (r, _) = single(JobConfig::default(), vec![Err(e.clone()), Err(e.clone())]);
        assert_eq!((r.result, r.requests, r.retries), (Ok(()), 3, 2), "{e}");
    }
    let cfg = JobConfig {
        retry: RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        },
        ..JobConfig::default()
    };
    let (r, _) = single(cfg, vec![Err(http_502())]);
    assert_eq!((r.requests, r.retries), (1, 0));
}

#[test]
fn final_errors_are_not_retried() {
    for code in [
        10003, 10004, 10007, 10010, 10015, 10030, 10031, 10032, 10033, 10041, 20022, 60002, 60005,
        60009, 60010, 70003, 70009, 70013, 70014, 70016, 70051, 70107, 90009,
    ] {
        let (r, _) = single(
            JobConfig {
                can_resign: true,
                ..JobConfig::default()
            },
            vec![Err(RecallError::from_service(code, "", API))],
        );
        assert_eq!((r.requests, r.retries), (1, 0), "{code}");
        assert_eq!(r.result.unwrap_err().code, code);
    }
    // An unreadable answer may hide a carried-out call: worth another try.
    let (r, _) = single(
        JobConfig::default(),
        vec![Err(RecallError::protocol("bad JSON")), Ok(())],
    );
    assert_eq!((r.requests, r.retries), (2, 1));
    for e in [
        RecallError::new(ErrorKind::Aborted, "x"),
        RecallError::invalid_input("f", "bad"),
    ] {
        let (r, _) = single(JobConfig::default(), vec![Err(e)]);
        assert_eq!(r.requests, 1);
    }
}

#[test]
fn backoff_grows_is_bounded_and_uses_the_random() {
    let p = RetryPolicy::default();
    let e = RecallError::from_service(10002, "", API);
    let max: Vec<f64> = (0..8).map(|n| p.delay_ms(&e, n, u32::MAX)).collect();
    assert_eq!(
        max,
        vec![200.0, 400.0, 800.0, 1600.0, 3200.0, 5000.0, 5000.0, 5000.0]
    );
    assert!((p.delay_ms(&e, 2, u32::MAX / 2) - 400.0).abs() < 0.001);
    let min = p.delay_ms(&e, 7, 0);
    assert!(min > 0.0 && min < 0.01, "{min}");
    assert_eq!(p.delay_ms(&e, u32::MAX, u32::MAX), 5000.0);
    assert_eq!(
        p.decide(&e, 0, false, false, u32::MAX),
        Decision::Retry { delay_ms: 200.0 }
    );
    assert_eq!(p.decide(&e, 3, false, false, u32::MAX), Decision::GiveUp);
    // The engine uses the random it is given: gaps between attempts follow the draws.
    let mut job: SingleJob<()> = SingleJob::new(Api::AdminMsgWithdraw, JobConfig::default());
    let mut pacer = Pacer::default();
    let mut now = 0.0;
    let mut starts = Vec::new();
    let randoms = [u32::MAX, u32::MAX / 4, u32::MAX];
    loop {
        match job.poll(now, &mut pacer) {
            Action::Send(r) => {
                starts.push(now);
                let k = starts.len() - 1;
                job.on_response(
                    r.request_id,
                    now,
                    Err(e.clone()),
                    randoms.get(k).copied().unwrap_or(0),
                );
            }
            Action::WaitUntil(t) => now = t,
            Action::Idle => unreachable!(),
            Action::Done => break,
        }
    }
    let gaps: Vec<f64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps.len(), 3);
    assert!(
        (gaps[0] - 200.0).abs() < 1e-6
            && (gaps[1] - 100.0).abs() < 1e-3
            && (gaps[2] - 800.0).abs() < 1e-6,
        "{gaps:?}"
    );
}

#[test]
fn signature_lockout_waits_a_minute_capped_by_max_delay() {
    let e = RecallError::from_service(70050, "", API);
    let p = RetryPolicy::default();
    let d = p.delay_ms(&e, 0, 0);
    assert!((60_000.0..=60_000.1).contains(&d), "{d}");
    assert_eq!(p.delay_ms(&e, 0, u32::MAX), 60_000.0); // capped by max_delay_ms
    let p = RetryPolicy {
        max_delay_ms: 5_000.0,
        ..RetryPolicy::default()
    };
    assert_eq!(p.delay_ms(&e, 0, 12345), 5_000.0);
    let (r, t) = single(JobConfig::default(), vec![Err(e.clone())]);
    assert_eq!(r.result, Ok(()));
    assert!(t.starts[1] - t.starts[0] >= 60_000.0);
}

#[test]
fn expired_usersig_is_resigned_once() {
    let expired = || Err(RecallError::from_service(70001, "", API));
    // With a key: one resign, flagged on the resend; it does not use a retry.
    let cfg = JobConfig {
        can_resign: true,
        ..JobConfig::default()
    };
    let (r, t) = single(cfg.clone(), vec![expired(), Ok(())]);
    assert_eq!((r.result, r.requests, r.retries), (Ok(()), 2, 1));
    assert_eq!(
        t.sends.iter().map(|s| s.resign).collect::<Vec<_>>(),
        vec![false, true]
    );
    assert_eq!(t.starts[1] - t.starts[0], 20.0); // at once after the answer (pacing allows)
                                                 // A second 70001 is final.
    let (r, t) = single(cfg.clone(), vec![expired(), expired(), Ok(())]);
    assert_eq!(r.result.unwrap_err().code, 70001);
    assert_eq!(t.sends.len(), 2);
    // Resigning leaves the retry budget intact.
    let busy = || Err(RecallError::from_service(10002, "", API));
    let (r, _) = single(cfg, vec![expired(), busy(), busy(), busy(), Ok(())]);
    assert_eq!((r.result, r.requests, r.retries), (Ok(()), 5, 4));
    // Without a key 70001 is final at once.
    let (r, t) = single(JobConfig::default(), vec![expired(), Ok(())]);
    assert_eq!(r.result.unwrap_err().kind, ErrorKind::Auth);
    assert_eq!(t.sends.len(), 1);
}

#[test]
fn group_batches_retry_independently_and_transient_ret_codes_retry_only_those_seqs() {
    let seqs: Vec<u64> = (1..=30).collect();
    let mut job = GroupRecallJob::new(&seqs, JobConfig::default()).unwrap();
    let mut calls = 0;
    let t = run(
        &mut job,
        &mut Pacer::default(),
        &SimOptions::default(),
        |r, _, _| {
            calls += 1;
            let first = r.msg_seqs[0];
            match (first, r.attempt) {
                // batch 1: network error once
                (1, 0) => reply(30.0, Err(RecallError::new(ErrorKind::Network, "reset"))),
                // batch 2: seqs 12 and 13 fail transiently once, 14 for good
                (11, 0) => reply(
                    30.0,
                    Ok(r.msg_seqs
                        .iter()
                        .map(|&s| {
                            (
                                s,
                                match s {
                                    12 | 13 => 10002,
                                    14 => 10030,
                                    _ => 0,
                                },
                            )
                        })
                        .collect()),
                ),
                // batch 3: always 10002
                (21, _) => reply(30.0, Err(RecallError::from_service(10002, "busy", API))),
                _ => reply(30.0, Ok(all_ok(r))),
            }
        },
    );
    let r = job.finish();
    let resent: Vec<&Vec<u64>> = t
        .sends
        .iter()
        .filter(|s| s.attempt > 0 && s.msg_seqs[0] == 12)
        .map(|s| &s.msg_seqs)
        .collect();
    assert_eq!(resent, vec![&vec![12, 13]]);
    assert_eq!(r.requests, 3 + 1 + 1 + 3);
    assert_eq!(r.retries, 5);
    assert_eq!(r.recalled, 10 + 9);
    assert_eq!(r.results[13].code, 10030);
    assert!(r.results[20..]
        .iter()
        .all(|o| o.code == 10002 && o.message == "busy"));
    assert!(r.job_error.is_none());
}

#[test]
fn per_seq_transient_codes_keep_their_code_when_retries_run_out() {
    let mut job = GroupRecallJob::new(&[1, 2, 3], JobConfig::default()).unwrap();
    let t = run(
        &mut job,
        &mut Pacer::default(),
        &SimOptions::default(),
        |r, _, _| {
            reply(
                5.0,
                Ok(r.msg_seqs
                    .iter()
                    .map(|&s| (s, if s == 2 { 91000 } else { 0 }))
                    .collect()),
            )
        },
    );
    let r = job.finish();
    assert_eq!(t.sends.len(), 4);
    assert_eq!((r.recalled, r.failed, r.requests, r.retries), (2, 1, 4, 3));
    assert_eq!((r.results[1].code, r.results[1].ok), (91000, false));
}

#[test]
fn unknown_and_duplicate_response_ids_are_ignored() {
    let mut job = GroupRecallJob::new(&[1, 2], JobConfig::default()).unwrap();
    let mut pacer = Pacer::default();
    let Action::Send(s) = job.poll(0.0, &mut pacer) else {
        panic!()
    };
    job.on_response(s.request_id + 1000, 1.0, Err(http_502()), 0);
    job.on_response(s.request_id, 1.0, Ok(vec![(1, 0), (2, 0)]), 0);
    job.on_response(s.request_id, 2.0, Err(http_502()), 0);
    assert_eq!(job.poll(3.0, &mut pacer), Action::Done);
    let r = job.finish();
    assert_eq!((r.recalled, r.requests), (2, 1));
}

#[test]
fn abort_gives_every_seq_exactly_one_outcome() {
    let seqs: Vec<u64> = (1..=10_000).collect();
    // With the default grace, requests in flight at the abort are answered and count.
    let mut job = GroupRecallJob::new(&seqs, JobConfig::default()).unwrap();
    let opts = SimOptions {
        abort_at: Some(1_000.0),
        ..SimOptions::default()
    };
    let t = run(&mut job, &mut Pacer::default(), &opts, |r, _, _| {
        reply(50.0, Ok(all_ok(r)))
    });
    assert!(t.starts.iter().all(|&s| s < 1_000.0));
    assert_eq!(t.late_responses, 0, "the grace period waits for them");
    assert!(t.end >= 1_000.0 && t.end <= 1_050.0, "{}", t.end);
    let r = job.finish();
    assert!(r.aborted);
    assert_eq!(
        r.results.iter().map(|o| o.msg_seq).collect::<Vec<_>>(),
        seqs
    );
    assert_eq!(r.recalled, t.sends.len() * 10);
    assert_eq!(
        (r.not_sent, r.unknown, r.failed),
        (10_000 - r.recalled, 0, 0)
    );
    assert!(r
        .results
        .iter()
        .filter(|o| !o.ok)
        .all(|o| o.outcome == Outcome::NotSent && o.code == CODE_ABORTED && o.attempts == 0));
    assert_eq!(r.requests as usize, t.sends.len());

    // Without grace, what was in flight is unknown: it may have been recalled.
    let cfg = JobConfig {
        abort_grace_ms: 0.0,
        ..JobConfig::default()
    };
    let mut job = GroupRecallJob::new(&seqs, cfg).unwrap();
    let t = run(&mut job, &mut Pacer::default(), &opts, |r, _, _| {
        reply(50.0, Ok(all_ok(r)))
    });
    assert!(
        t.late_responses > 0,
        "some requests were in flight at the abort"
    );
    let r = job.finish();
    let answered_before = t.starts.iter().filter(|&&s| s + 50.0 <= 1_000.0).count();
    assert_eq!(r.recalled, answered_before * 10);
    assert_eq!(r.unknown, t.late_responses * 10);
    assert_eq!(r.not_sent, 10_000 - t.sends.len() * 10);
    assert!(r
        .results
        .iter()
        .filter(|o| o.outcome == Outcome::Unknown)
        .all(|o| o.code == CODE_UNKNOWN && o.attempts == 1));
}

#[test]
fn abort_edge_cases() {
    // Before anything was sent.
    let mut job = GroupRecallJob::new(&[1, 2, 3], JobConfig::default()).unwrap();
    job.abort(0.0);
    assert_eq!(job.poll(0.0, &mut Pacer::default()), Action::Done);
    let r = job.finish();
    assert_eq!((r.not_sent, r.requests, r.aborted), (3, 0, true));
    // After Done: a no-op.
    let mut job = GroupRecallJob::new(&[1], JobConfig::default()).unwrap();
    let mut pacer = Pacer::default();
    let Action::Send(s) = job.poll(0.0, &mut pacer) else {
        panic!()
    };
    job.on_response(s.request_id, 1.0, Ok(vec![(1, 0)]), 0);
    job.abort(2.0);
    let r = job.finish();
    assert_eq!((r.recalled, r.aborted), (1, false));
    // finish() before Done aborts what is left, during a backoff too.
    let mut job = GroupRecallJob::new(&(1..=20).collect::<Vec<_>>(), JobConfig::default()).unwrap();
    let Action::Send(s) = job.poll(0.0, &mut Pacer::default()) else {
        panic!()
    };
    job.on_response(s.request_id, 1.0, Err(http_502()), 0);
    let r = job.finish();
    assert_eq!(r.results.len(), 20);
    // The 502 may have been applied: unknown, not "aborted".
    assert!(r.results[..10]
        .iter()
        .all(|o| o.outcome == Outcome::Unknown));
    assert!(r.results[10..]
        .iter()
        .all(|o| o.outcome == Outcome::NotSent && o.code == CODE_ABORTED));
    // A single job: aborted result, late answer ignored.
    let mut job: SingleJob<u8> = SingleJob::new(Api::AdminMsgWithdraw, JobConfig::default());
    let Action::Send(s) = job.poll(0.0, &mut Pacer::default()) else {
        panic!()
    };
    job.abort();
    job.on_response(s.request_id, 5.0, Ok(7), 0);
    let r = job.finish();
    assert_eq!(r.result.unwrap_err().kind, ErrorKind::Aborted);
    assert_eq!(r.requests, 1);
}

#[test]
fn max_in_flight_is_respected() {
    let cfg = JobConfig {
        max_in_flight: 3,
        ..JobConfig::default()
    };
    let mut job = GroupRecallJob::new(&(1..=500).collect::<Vec<_>>(), cfg).unwrap();
    let t = run(
        &mut job,
        &mut Pacer::default(),
        &SimOptions::default(),
        |r, _, _| reply(100.0, Ok(all_ok(r))),
    );
    assert_eq!(t.max_in_flight, 3);
    let cfg = JobConfig {
        max_in_flight: 0,
        ..JobConfig::default()
    };
    let mut job = GroupRecallJob::new(&(1..=50).collect::<Vec<_>>(), cfg).unwrap();
    let t = run(
        &mut job,
        &mut Pacer::default(),
        &SimOptions::default(),
        |r, _, _| reply(10.0, Ok(all_ok(r))),
    );
    assert_eq!(t.max_in_flight, 1);
    assert_eq!(job.finish().recalled, 50);
}
