//! Property tests: for random inputs and fault sequences, every distinct seq ends with exactly
//! one outcome, the counters agree with what was sent, and the rate window holds.

mod sched_common;

use std::collections::{HashMap, HashSet};

use chat_recall_core::bulk::*;
use chat_recall_core::endpoint::Api;
use chat_recall_core::error::{ErrorKind, RecallError};
use chat_recall_core::limits::MAX_SEQS_PER_REQUEST;
use chat_recall_core::pacer::{Pacer, PacerConfig};
use chat_recall_core::retry::RetryPolicy;
use chat_recall_core::scheduler::{JobConfig, SingleJob};
use proptest::prelude::*;
use sched_common::{max_in_window, reply, run, Reply, Rng, SimOptions};

const API: &str = "group_open_http_svc/group_msg_recall";

/// One fake answer, chosen by a fault byte.
fn answer(fault: u8, asked: &[u64], rng: &mut Rng) -> Result<Vec<(u64, i64)>, RecallError> {
    match fault % 16 {
        0..=5 => Ok(asked.iter().map(|&s| (s, 0)).collect()),
        6 | 7 => {
            // Messy but successful: per-seq codes, duplicates, omissions, strangers, shuffled.
            let codes = [0, 0, 10030, 10031, 10032, 10002, 91000];
            let mut v = Vec::new();
            for &s in asked {
                let k = rng.next_u32() % 10;
                if k == 0 {
                    continue; // omitted
                }
                v.push((s, codes[(rng.next_u32() as usize) % codes.len()]));
                if k == 1 {
                    v.push((s, codes[(rng.next_u32() as usize) % codes.len()]));
                }
            }
            if rng.next_u32() % 3 == 0 {
                v.push((rng.next_u64() % 100_000 + 1, 0));
            }
            let n = v.len();
            for i in (1..n).rev() {
                v.swap(i, (rng.next_u32() as usize) % (i + 1));
            }
            Ok(v)
        }
        8 => Err(RecallError::new(ErrorKind::Network, "reset")),
        9 => Err(RecallError::new(ErrorKind::Timeout, "timeout")),
        10 => Err(RecallError::from_service(60007, "", API)),
        11 => Err(RecallError::from_service(10002, "", API)),
        12 => Err(RecallError::from_service(70001, "", API)),
        13 => Err(RecallError::from_service(10004, "", API)),
        14 => Err(RecallError::protocol("not JSON")),
        _ => {
            if rng.next_u32() % 8 == 0 {
                Err(RecallError::from_service(10010, "", API))
            } else {
                Ok(asked.iter().map(|&s| (s, 0)).collect())
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_seq_settles_once_and_counters_agree(
        seqs in prop::collection::vec(1u64..60, 0..80),
        faults in prop::collection::vec(any::<u8>(), 1..64),
        max_in_flight in 0usize..12,
        max_retries in 0u32..4,
        can_resign in any::<bool>(),
        latency in 0.0f64..200.0,
        abort_at in prop::option::of(0.0f64..3_000.0),
        rate in 1.0f64..400.0,
        seed in any::<u64>(),
    ) {
        let cfg = JobConfig {
            max_in_flight,
            can_resign,
            retry: RetryPolicy { max_retries, base_delay_ms: 50.0, ..RetryPolicy::default() },
        };
        let mut job = GroupRecallJob::new(&seqs, cfg).unwrap();
        let mut pacer = Pacer::new(&PacerConfig::with_rate(rate));
        let mut k = 0usize;
        let opts = SimOptions { abort_at, seed, late_ms: 2.0, ..SimOptions::default() };
        let t = run(&mut job, &mut pacer, &opts, |r, _, rng| {
            let f = faults[k % faults.len()];
            k += 1;
            Reply { up_ms: latency / 2.0, down_ms: latency / 2.0 + rng.f64(), result: answer(f, &r.msg_seqs, rng) }
        });
        let r = job.finish();

        // Exactly one outcome per distinct seq, first-seen order.
        let mut seen = HashSet::new();
        let distinct: Vec<u64> = seqs.iter().copied().filter(|s| seen.insert(*s)).collect();
        prop_assert_eq!(r.requested, distinct.len());
        prop_assert_eq!(r.results.iter().map(|o| o.msg_seq).collect::<Vec<_>>(), distinct.clone());
        prop_assert_eq!(r.recalled + r.failed, r.requested);
        prop_assert_eq!(r.recalled, r.results.iter().filter(|o| o.ok).count());
        for o in &r.results {
            prop_assert_eq!(o.ok, o.code == 0);
            prop_assert_eq!(o.ok, o.kind.is_none());
        }

        // Counters match what was sent.
        prop_assert_eq!(r.requests as usize, t.sends.len());
        prop_assert_eq!(r.retries as usize, t.sends.iter().filter(|s| s.attempt > 0).count());
        let batches = distinct.len().div_ceil(MAX_SEQS_PER_REQUEST);
        prop_assert!((r.requests - r.retries) as usize <= batches);
        let ids: HashSet<u64> = t.sends.iter().map(|s| s.request_id).collect();
        prop_assert_eq!(ids.len(), t.sends.len());

        // Every request is a valid MsgSeqList, and stays within one planned batch.
        let batch_of: HashMap<u64, usize> = distinct.iter().enumerate().map(|(i, &s)| (s, i / MAX_SEQS_PER_REQUEST)).collect();
        let max_attempts = max_retries + 1 + u32::from(can_resign);
        for s in &t.sends {
            prop_assert!(!s.msg_seqs.is_empty() && s.msg_seqs.len() <= MAX_SEQS_PER_REQUEST);
            let b: HashSet<usize> = s.msg_seqs.iter().map(|q| batch_of[q]).collect();
            prop_assert_eq!(b.len(), 1);
            prop_assert_eq!(s.msg_seqs.iter().collect::<HashSet<_>>().len(), s.msg_seqs.len());
            prop_assert!(s.attempt < max_attempts, "attempt {}", s.attempt);
            prop_assert!(!s.resign || can_resign);
        }

        // A recalled seq was in some request; nothing starts after an abort.
        let sent: HashSet<u64> = t.sends.iter().flat_map(|s| s.msg_seqs.iter().copied()).collect();
        prop_assert!(r.results.iter().filter(|o| o.ok).all(|o| sent.contains(&o.msg_seq)));
        if let Some(a) = abort_at {
            prop_assert!(t.starts.iter().all(|&s| s <= a));
        }
        if !r.aborted {
            prop_assert!(r.results.iter().all(|o| o.code != CODE_ABORTED));
        }

        // The window.
        prop_assert!(max_in_window(&t.starts, 1000.0) <= rate.floor().max(1.0) as usize);
    }

    #[test]
    fn single_jobs_end_with_one_result(
        faults in prop::collection::vec(any::<u8>(), 1..16),
        can_resign in any::<bool>(),
        max_retries in 0u32..5,
        abort_at in prop::option::of(0.0f64..2_000.0),
        seed in any::<u64>(),
    ) {
        let cfg = JobConfig { can_resign, retry: RetryPolicy { max_retries, ..RetryPolicy::default() }, ..JobConfig::default() };
        let mut job: SingleJob<Vec<(u64, i64)>> = SingleJob::new(Api::AdminMsgWithdraw, cfg);
        let mut k = 0usize;
        let opts = SimOptions { abort_at, seed, ..SimOptions::default() };
        let t = run(&mut job, &mut Pacer::default(), &opts, |_, _, rng| {
            let f = faults[k % faults.len()];
            k += 1;
            reply(30.0, answer(f, &[1], rng))
        });
        let r = job.finish();
        prop_assert_eq!(r.requests as usize, t.sends.len());
        prop_assert_eq!(r.retries as usize, t.sends.len().saturating_sub(1));
        prop_assert!(r.requests <= u64::from(max_retries) + 1 + u64::from(can_resign));
        if let Err(e) = &r.result {
            if e.kind != ErrorKind::Aborted {
                prop_assert!(abort_at.is_none() || t.end <= abort_at.unwrap_or(0.0));
            }
        }
    }

    #[test]
    fn pacer_window_holds_for_any_call_pattern(
        gaps in prop::collection::vec(0.0f64..20.0, 1..800),
        limited in prop::collection::vec(any::<bool>(), 1..800),
        rate in 1.0f64..500.0,
        tolerance in 0.0f64..100.0,
    ) {
        let mut p = Pacer::new(&PacerConfig { max_requests_per_second: rate, tolerance_ms: tolerance, ..PacerConfig::default() });
        let mut now = 0.0;
        let mut starts = Vec::new();
        for (i, g) in gaps.iter().enumerate() {
            now += g;
            match p.try_acquire(now) {
                Ok(()) => starts.push(now),
                Err(t) => prop_assert!(t > now),
            }
            if limited[i % limited.len()] && i % 37 == 0 {
                p.on_rate_limited(now);
            }
        }
        prop_assert!(max_in_window(&starts, 1000.0) <= rate.floor().max(1.0) as usize);
    }

    #[test]
    fn arbitrary_inputs_never_panic(
        nows in prop::collection::vec(prop_oneof![any::<f64>(), -1e6f64..1e6], 1..50),
        ids in prop::collection::vec(any::<u64>(), 1..50),
        entries in prop::collection::vec((any::<u64>(), any::<i64>()), 0..40),
        codes in prop::collection::vec(any::<i64>(), 1..10),
        randoms in prop::collection::vec(any::<u32>(), 1..10),
    ) {
        let mut job = GroupRecallJob::new(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], JobConfig::default()).unwrap();
        let mut pacer = Pacer::default();
        for (i, &now) in nows.iter().enumerate() {
            let _ = job.poll(now, &mut pacer);
            let id = ids[i % ids.len()] % 8;
            let res = if i % 2 == 0 {
                Ok(entries.clone())
            } else {
                Err(RecallError::from_service(codes[i % codes.len()], "", API))
            };
            job.on_response(id, now, res, randoms[i % randoms.len()]);
            let _ = job.take_progress();
        }
        let r = job.finish();
        prop_assert_eq!(r.results.len(), 11);
        prop_assert_eq!(r.recalled + r.failed, 11);
    }
}
