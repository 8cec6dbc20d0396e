//! The batch planner and the merging of RecallRetList answers.

mod sched_common;

use chat_recall_core::bulk::*;
use chat_recall_core::error::{ErrorKind, RecallError};
use chat_recall_core::limits::MAX_SAFE_INTEGER;
use chat_recall_core::pacer::Pacer;
use chat_recall_core::scheduler::{Action, JobConfig};
use sched_common::*;

#[test]
fn thousand_seqs_make_a_hundred_batches() {
    let seqs: Vec<u64> = (1..=1000).collect();
    let b = plan_batches(&seqs).unwrap();
    assert_eq!(b.len(), 100);
    assert!(b.iter().all(|x| x.len() == 10));
    assert_eq!(b.concat(), seqs);
}

#[test]
fn duplicates_removed_first_seen_order_kept() {
    let b = plan_batches(&[5, 3, 5, 9, 3, 1, 9, 9, 2]).unwrap();
    assert_eq!(b, vec![vec![5, 3, 9, 1, 2]]);
    let mut many: Vec<u64> = (1..=25).rev().collect();
    many.extend(1..=25);
    let b = plan_batches(&many).unwrap();
    assert_eq!(b.len(), 3);
    assert_eq!(b.concat(), (1..=25).rev().collect::<Vec<_>>());
}

#[test]
fn edges_zero_one_ten_eleven() {
    assert!(plan_batches(&[]).unwrap().is_empty());
    assert_eq!(plan_batches(&[7]).unwrap(), vec![vec![7]]);
    let ten: Vec<u64> = (1..=10).collect();
    assert_eq!(plan_batches(&ten).unwrap(), vec![ten.clone()]);
    let eleven: Vec<u64> = (1..=11).collect();
    assert_eq!(plan_batches(&eleven).unwrap(), vec![ten, vec![11]]);
}

#[test]
fn invalid_seqs_are_rejected_naming_the_index() {
    let e = plan_batches(&[1, 0]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(e.info.starts_with("msgSeqs[1]:"), "{}", e.info);
    assert!(plan_batches(&[MAX_SAFE_INTEGER]).is_ok());
    assert!(plan_batches(&[MAX_SAFE_INTEGER + 1])
        .unwrap_err()
        .info
        .starts_with("msgSeqs[0]"));
    assert!(GroupRecallJob::new(&[u64::MAX], JobConfig::default()).is_err());
}

#[test]
fn empty_job_is_done_at_once() {
    let mut job = GroupRecallJob::new(&[], JobConfig::default()).unwrap();
    assert_eq!(job.poll(0.0, &mut Pacer::default()), Action::Done);
    let r = job.finish();
    assert_eq!(
        (r.requested, r.recalled, r.failed, r.requests, r.retries),
        (0, 0, 0, 0, 0)
    );
    assert!(r.results.is_empty() && !r.aborted);
}

#[test]
fn merge_rules() {
    let asked = [1, 2, 3, 4, 5];
    // out of order, duplicates (agreeing and conflicting), unexpected seqs, omitted seq 5
    let entries = [
        (3, 0),
        (99, 0),
        (1, 0),
        (2, 0),
        (2, 10030),
        (2, 0),
        (4, 10031),
        (4, 0),
        (4, 10032),
        (1, 0),
    ];
    assert_eq!(
        merge_ret_list(&asked, &entries),
        vec![Some(0), Some(10030), Some(0), Some(10031), None]
    );
    assert_eq!(merge_ret_list(&asked, &[]), vec![None; 5]);
    assert_eq!(merge_ret_list(&[], &entries), Vec::<Option<i64>>::new());
}

fn one_batch(seqs: &[u64], answer: Result<Vec<(u64, i64)>, RecallError>) -> GroupRecallReport {
    let mut job = GroupRecallJob::new(seqs, JobConfig::default()).unwrap();
    let mut answer = Some(answer);
    run(
        &mut job,
        &mut Pacer::default(),
        &SimOptions::default(),
        |_, _, _| {
            reply(
                10.0,
                answer
                    .take()
                    .unwrap_or_else(|| Err(RecallError::protocol("only one answer expected"))),
            )
        },
    );
    job.finish()
}

#[test]
fn partial_failures_and_odd_answers_become_one_outcome_each() {
    let r = one_batch(
        &[10, 20, 30, 40, 20, 50],
        Ok(vec![
            (40, 10031),
            (10, 0),
            (77, 0),
            (30, 10030),
            (10, 0),
            (20, 0),
            (20, 10032),
        ]),
    );
    assert_eq!(r.requested, 5);
    assert_eq!(r.requests, 1);
    assert_eq!(r.recalled, 1);
    assert_eq!(r.failed, 4);
    let got: Vec<(u64, bool, i64)> = r
        .results
        .iter()
        .map(|o| (o.msg_seq, o.ok, o.code))
        .collect();
    assert_eq!(
        got,
        vec![
            (10, true, 0),
            (20, false, 10032),
            (30, false, 10030),
            (40, false, 10031),
            (50, false, CODE_NOT_REPORTED)
        ]
    );
    assert_eq!(r.results[4].message, "not reported by the service");
    assert_eq!(r.results[4].kind, Some(ErrorKind::Protocol));
    assert_eq!(r.results[0].message, "");
    assert_eq!(r.results[0].kind, None);
    assert_eq!(r.results[2].kind, Some(ErrorKind::NotFound));
    assert!(r.job_error.is_none());
}

#[test]
fn whole_batch_final_error_goes_to_every_seq() {
    let r = one_batch(
        &[1, 2, 3],
        Err(RecallError::from_service(10004, "bad MsgSeqList", "x")),
    );
    assert_eq!(r.requests, 1);
    assert!(r
        .results
        .iter()
        .all(|o| !o.ok && o.code == 10004 && o.message == "bad MsgSeqList"));
    let r = one_batch(
        &[1],
        Err(RecallError::new(ErrorKind::Protocol, "answer is not JSON")),
    );
    assert_eq!(r.results[0].code, CODE_NO_ANSWER);
    assert_eq!(r.results[0].message, "protocol: answer is not JSON");
}

#[test]
fn group_missing_settles_the_whole_job_with_one_request() {
    let seqs: Vec<u64> = (1..=10_000).collect();
    let mut job = GroupRecallJob::new(&seqs, JobConfig::default()).unwrap();
    let t = run(
        &mut job,
        &mut Pacer::default(),
        &SimOptions::default(),
        |_, _, _| {
            reply(
                50.0,
                Err(RecallError::from_service(10010, "group not found", "x")),
            )
        },
    );
    let r = job.finish();
    // Requests already in flight when the first answer came back still count.
    assert!(r.requests <= 11, "{}", r.requests);
    assert_eq!(r.requests as usize, t.sends.len());
    assert_eq!(r.failed, 10_000);
    assert!(r
        .results
        .iter()
        .all(|o| o.code == 10010 && o.message == "group not found"));
    assert_eq!(r.job_error.map(|e| e.code), Some(10010));
}

#[test]
fn progress_after_each_batch() {
    let seqs: Vec<u64> = (1..=35).collect();
    let mut job = GroupRecallJob::new(&seqs, JobConfig::default()).unwrap();
    let mut pacer = Pacer::default();
    assert_eq!(job.take_progress(), None);
    assert_eq!(job.batches(), 4);
    let mut now = 0.0;
    let mut seen = Vec::new();
    loop {
        match job.poll(now, &mut pacer) {
            Action::Send(r) => {
                let entries = r
                    .msg_seqs
                    .iter()
                    .map(|&s| (s, if s % 7 == 0 { 10030 } else { 0 }))
                    .collect();
                job.on_response(r.request_id, now, Ok(entries), 0);
                seen.extend(job.take_progress());
                assert_eq!(job.take_progress(), None);
            }
            Action::WaitUntil(t) => now = t,
            Action::Idle => unreachable!(),
            Action::Done => break,
        }
    }
    let dones: Vec<usize> = seen.iter().map(|p| p.done).collect();
    assert_eq!(dones, vec![10, 20, 30, 35]);
    let last = seen.last().unwrap();
    assert_eq!((last.total, last.recalled, last.failed), (35, 30, 5));
}
