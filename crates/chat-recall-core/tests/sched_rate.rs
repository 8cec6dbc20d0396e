//! Pacing on a virtual clock: the one-second window holds, and throughput reaches the ceiling.

mod sched_common;

use chat_recall_core::bulk::GroupRecallJob;
use chat_recall_core::endpoint::Api;
use chat_recall_core::error::{ErrorKind, RecallError};
use chat_recall_core::pacer::{Pacer, PacerConfig, PacerSet};
use chat_recall_core::scheduler::{default_max_in_flight, Action, JobConfig, SingleJob};
use sched_common::*;

/// Steady-state pacing, without the cold-start ramp (sched_outcomes.rs tests the ramp).
fn warm(rate: f64) -> PacerConfig {
    PacerConfig {
        cold_start_factor: 1.0,
        ..PacerConfig::with_rate(rate)
    }
}

fn seqs(n: u64) -> Vec<u64> {
    (1..=n).collect()
}

fn bulk(
    n: u64,
    latency: impl Fn(&mut Rng) -> (f64, f64),
    opts: SimOptions,
    rate: f64,
    max_in_flight: usize,
) -> (Trace, chat_recall_core::bulk::GroupRecallReport) {
    let mut pacer = Pacer::new(&warm(rate));
    let cfg = JobConfig {
        max_in_flight,
        ..JobConfig::default()
    };
    let mut job = GroupRecallJob::new(&seqs(n), cfg).unwrap();
    let trace = run(&mut job, &mut pacer, &opts, |r, _, rng| {
        let (up, down) = latency(rng);
        Reply {
            up_ms: up,
            down_ms: down,
            result: Ok(all_ok(r)),
        }
    });
    (trace, job.finish())
}

#[test]
fn ten_thousand_seqs_at_200_per_second_with_50ms_latency() {
    let (t, report) = bulk(
        10_000,
        |_| (25.0, 25.0),
        SimOptions::default(),
        200.0,
        default_max_in_flight(200.0),
    );
    assert_eq!(report.requests, 1_000);
    assert_eq!(report.recalled, 10_000);
    assert_eq!(report.retries, 0);
    assert!(
        max_in_window(&t.starts, 1000.0) <= 200,
        "{}",
        max_in_window(&t.starts, 1000.0)
    );
    assert!(max_in_window(&t.arrivals, 1000.0) <= 200);
    // ~5.05 s: 1000 requests at 198/s, plus the last answer.
    assert!(t.end > 5_000.0 && t.end < 5_150.0, "took {} ms", t.end);
    let span = t.starts.last().unwrap() - t.starts.first().unwrap();
    let rate = (t.starts.len() - 1) as f64 / span * 1000.0;
    assert!(rate >= 0.98 * 200.0, "rate {rate}");
    assert!(t.max_in_flight <= 12, "in flight {}", t.max_in_flight);
}

#[test]
fn zero_latency_still_paced() {
    let (t, report) = bulk(5_000, |_| (0.0, 0.0), SimOptions::default(), 200.0, 50);
    assert_eq!(report.requests, 500);
    assert!(max_in_window(&t.starts, 1000.0) <= 200);
    let rate = (t.starts.len() - 1) as f64 / (t.starts.last().unwrap() - t.starts[0]) * 1000.0;
    assert!(rate >= 196.0, "rate {rate}");
}

/// Five seeded 10,000-message runs at 200/s with `late_ms` timer lateness: every server second
/// holds at most 200 arrivals, and starts run at `min_rate` of the ceiling or more.
fn five_runs_hold_the_window(
    late_ms: f64,
    latency: impl Fn(&mut Rng) -> (f64, f64) + Copy,
    max_in_flight: usize,
    min_rate: f64,
) {
    for seed in 1..=5 {
        let opts = SimOptions {
            late_ms,
            seed,
            start: 1234.5,
            ..SimOptions::default()
        };
        let (t, report) = bulk(10_000, latency, opts, 200.0, max_in_flight);
        assert_eq!(report.recalled, 10_000);
        assert!(max_in_window(&t.starts, 1000.0) <= 200);
        let arrivals = max_in_window(&t.arrivals, 1000.0);
        assert!(
            arrivals <= 200,
            "seed {seed}: {arrivals} arrivals in a second"
        );
        let rate = (t.starts.len() - 1) as f64 / (t.starts.last().unwrap() - t.starts[0]) * 1000.0;
        assert!(rate >= min_rate * 200.0, "seed {seed}: rate {rate}");
    }
}

#[test]
fn jittered_latency_and_late_timers_keep_server_window() {
    // Up-link jitter of 2.5 ms around 25 ms, down-link 20-80 ms, and timers firing up to 3 ms
    // late. A round trip cannot tell up-link from down-link delay, so a slow answer counts its
    // request as arriving later than it did (the safe side): some rate is given up, never the
    // window.
    five_runs_hold_the_window(
        3.0,
        |rng| (22.5 + 2.5 * rng.f64(), 20.0 + 60.0 * rng.f64()),
        50,
        0.95,
    );
}

#[test]
fn up_link_stalls_count_where_the_requests_arrived() {
    // Up-link delay that now and then stalls by up to 60 ms (a busy network or host), far more
    // than the 1% headroom's 10 ms: each answer moves its request to where it arrived.
    five_runs_hold_the_window(
        0.0,
        |rng| {
            let stall = if rng.f64() < 0.05 {
                60.0 * rng.f64()
            } else {
                0.0
            };
            (5.0 + stall, 5.0)
        },
        default_max_in_flight(200.0),
        0.9,
    );
}

#[test]
fn timers_firing_very_late_cost_no_rate_and_break_no_window() {
    // A loaded host: every wake-up up to 15 ms late (three times the spacing), up-link jitter
    // of 5 ms. Each late wake-up is made up with back-to-back starts (the catch-up), so the
    // job still runs at the pacer's 198/s, and the window cap keeps every server second at
    // 200 or fewer.
    five_runs_hold_the_window(
        15.0,
        |rng| (20.0 + 5.0 * rng.f64(), 25.0),
        default_max_in_flight(200.0),
        0.975,
    );
}

#[test]
fn too_few_in_flight_is_the_limit_not_the_pacer() {
    // 4 in flight with 100 ms round trips: at most 40 requests/s.
    let (t, _) = bulk(2_000, |_| (50.0, 50.0), SimOptions::default(), 200.0, 4);
    assert!(t.max_in_flight <= 4);
    assert!(t.end >= 200.0 / 40.0 * 1000.0 - 100.0, "{}", t.end);
}

#[test]
fn other_rates_hold_their_window() {
    for rate in [1.0, 7.0, 50.0, 1000.0] {
        let n = (rate * 3.0) as u64 * 10;
        let (t, _) = bulk(
            n,
            |rng| (1.0 + rng.f64(), 5.0),
            SimOptions {
                late_ms: 1.0,
                ..SimOptions::default()
            },
            rate,
            64,
        );
        assert!(
            max_in_window(&t.starts, 1000.0) <= rate as usize,
            "rate {rate}: {}",
            max_in_window(&t.starts, 1000.0)
        );
        assert!(
            max_in_window(&t.arrivals, 1000.0) <= rate as usize,
            "rate {rate}"
        );
    }
}

#[test]
fn concurrent_jobs_share_one_pacer() {
    // Two bulk jobs and a stream of single calls, interleaved on one clock and one pacer.
    let mut pacers = PacerSet::new(warm(200.0));
    let mut a = GroupRecallJob::new(&seqs(3_000), JobConfig::default()).unwrap();
    let mut b =
        GroupRecallJob::new(&(10_001..=13_000).collect::<Vec<_>>(), JobConfig::default()).unwrap();
    let mut starts = Vec::new();
    let mut pending: Vec<(f64, usize, u64, Vec<u64>)> = Vec::new();
    let mut now = 0.0;
    let mut done = [false, false];
    while !(done[0] && done[1]) {
        let mut wake = f64::INFINITY;
        for (k, job) in [&mut a, &mut b].into_iter().enumerate() {
            loop {
                match job.poll(now, pacers.get(Api::GroupMsgRecall)) {
                    Action::Send(r) => {
                        starts.push(now);
                        pending.push((now + 50.0, k, r.request_id, r.msg_seqs));
                    }
                    Action::WaitUntil(t) => {
                        wake = wake.min(t);
                        break;
                    }
                    Action::Idle => break,
                    Action::Done => {
                        done[k] = true;
                        break;
                    }
                }
            }
        }
        let next = pending.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        if next.is_finite() && next <= wake {
            now = next;
            let (due, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|p| p.0 <= now);
            pending = rest;
            for (_, k, id, s) in due {
                let entries = s.iter().map(|&q| (q, 0)).collect();
                if k == 0 {
                    a.on_response(id, now, Ok(entries), 7)
                } else {
                    b.on_response(id, now, Ok(entries), 7)
                }
            }
        } else if wake.is_finite() {
            now = wake;
        }
    }
    assert_eq!(starts.len(), 600);
    assert!(max_in_window(&starts, 1000.0) <= 200);
    assert!(now > 3_000.0 && now < 3_150.0, "{now}");
    assert_eq!(a.finish().recalled + b.finish().recalled, 6_000);
    // Another API has its own budget.
    assert_eq!(pacers.get(Api::AdminMsgWithdraw).try_acquire(now), Ok(()));
}

#[test]
fn single_jobs_are_paced_too() {
    let mut pacer = Pacer::new(&warm(200.0));
    let mut starts = Vec::new();
    let mut now = 0.0;
    for _ in 0..400 {
        let mut job: SingleJob<()> = SingleJob::new(Api::AdminMsgWithdraw, JobConfig::default());
        loop {
            match job.poll(now, &mut pacer) {
                Action::Send(r) => {
                    assert!(r.msg_seqs.is_empty());
                    starts.push(now);
                    job.on_response(r.request_id, now, Ok(()), 0);
                }
                Action::WaitUntil(t) => now = t,
                Action::Idle => unreachable!(),
                Action::Done => break,
            }
        }
        assert_eq!(job.finish().result, Ok(()));
    }
    assert!(max_in_window(&starts, 1000.0) <= 200);
    assert!(now < 2_030.0, "{now}");
}

#[test]
fn rate_limit_answers_slow_the_shared_pacer() {
    // Every request in the first 100 ms is rejected with 60007; afterwards all succeed.
    let mut pacer = Pacer::new(&warm(200.0));
    let mut job = GroupRecallJob::new(&seqs(2_000), JobConfig::default()).unwrap();
    let t = run(&mut job, &mut pacer, &SimOptions::default(), |r, now, _| {
        if now < 100.0 {
            reply(50.0, Err(RecallError::from_service(60007, "", "x")))
        } else {
            reply(50.0, Ok(all_ok(r)))
        }
    });
    let report = job.finish();
    assert_eq!(report.recalled, 2_000);
    // Nothing starts during the pause that follows the first rejection (at 50 ms).
    assert!(
        !t.starts.iter().any(|&s| s > 100.0 && s < 300.0),
        "{:?}",
        &t.starts[..40]
    );
    // The rate was halved after the burst, so the second second sees fewer starts.
    let in_second = t
        .starts
        .iter()
        .filter(|&&s| (300.0..1300.0).contains(&s))
        .count();
    assert!(in_second < 170, "{in_second}");
    let _ = ErrorKind::RateLimited;
}

#[test]
fn jobs_that_end_still_teach_the_shared_pacer() {
    // Many one-request jobs on one client, one after another (a Worker's batches). The first
    // answer ends the cold-start probe although its job ends with it, so later jobs are not
    // held to the probe's 10 requests (stuck, they would wait for the pacer to go cold again:
    // 10 jobs a second).
    let mut pacer = Pacer::default();
    let mut end = 0.0;
    for k in 0..30u64 {
        let seqs: Vec<u64> = (k * 10 + 1..=k * 10 + 10).collect();
        let mut job = GroupRecallJob::new(&seqs, JobConfig::default()).unwrap();
        let opts = SimOptions {
            start: end,
            ..SimOptions::default()
        };
        let t = run(&mut job, &mut pacer, &opts, |r, _, _| {
            reply(1.0, Ok(all_ok(r)))
        });
        assert_eq!(job.finish().recalled, 10);
        end = t.end;
    }
    assert!(end < 500.0, "30 small jobs took {end} ms");
}
