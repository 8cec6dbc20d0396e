//! The pacer's window cap: at most `cap` requests in any half-open window of `window_ms`,
//! counted where each request most likely *reached the service*, not where it left.
//!
//! A request is counted at its start until its answer comes; then at
//! `max(start, answer - min_rtt)`, where `min_rtt` is the shortest clean round trip seen so far
//! (the answer itself while none is known: the safe bound). A request held up on its way out
//! (connection set-up, a busy host, the network) is thereby counted with the requests it
//! arrived together with; a delay on the way back only moves it later (counted longer: the
//! safe side). `min_rtt` only shrinks, so estimates are computed when asked, with the
//! shortest round trip known then: answers processed before the shortest one do not keep an
//! estimate that was too early.
//!
//! Call order: [`ArrivalWindow::opens_at`] to ask, [`ArrivalWindow::push`] for each start
//! granted, [`ArrivalWindow::answered`] for each answer, with times that never decrease.

use std::collections::VecDeque;

/// Above this cap, answers are not tracked (each check then costs O(1) instead of a pass over
/// the window; only rates far above the service's limits get there).
const MAX_TRACKED_CAP: usize = 2048;

#[derive(Clone, Copy, Debug)]
struct Start {
    sent: f64,
    /// When the answer came; NaN until then.
    answered: f64,
}

/// See the module documentation.
#[derive(Clone, Debug)]
pub(crate) struct ArrivalWindow {
    cap: usize,
    window_ms: f64,
    /// In start order (starts only grow).
    starts: VecDeque<Start>,
    min_rtt: Option<f64>,
    /// Whether any start in `starts` has an answer (else every estimate is its start).
    any_answered: bool,
}

impl ArrivalWindow {
    pub(crate) fn new(cap: usize, window_ms: f64) -> ArrivalWindow {
        ArrivalWindow {
            cap: cap.max(1),
            window_ms,
            starts: VecDeque::new(),
            min_rtt: None,
            any_answered: false,
        }
    }

    fn tracked(&self) -> bool {
        self.cap <= MAX_TRACKED_CAP
    }

    fn estimate(&self, s: &Start) -> f64 {
        if s.answered.is_nan() {
            s.sent
        } else {
            s.sent.max(s.answered - self.min_rtt.unwrap_or(0.0))
        }
    }

    /// Forget the starts at the front that left the window by `now`.
    fn prune(&mut self, now: f64) {
        while let Some(front) = self.starts.front() {
            if self.estimate(front) + self.window_ms > now {
                break;
            }
            self.starts.pop_front();
        }
        if self.starts.is_empty() {
            self.any_answered = false;
        }
    }

    /// When the cap lets the next start go: `NEG_INFINITY` if fewer than `cap` requests are
    /// counted in the window ending at `now`, else when enough of them have left it.
    pub(crate) fn opens_at(&mut self, now: f64) -> f64 {
        self.prune(now);
        if self.starts.len() < self.cap {
            return f64::NEG_INFINITY;
        }
        if !self.any_answered {
            // Estimates are the starts, in order: the cap-th latest decides.
            return match self.starts.get(self.starts.len() - self.cap) {
                Some(s) if s.sent + self.window_ms > now => s.sent + self.window_ms,
                _ => f64::NEG_INFINITY,
            };
        }
        let lower = now - self.window_ms;
        let mut counted: Vec<f64> = self
            .starts
            .iter()
            .map(|s| self.estimate(s))
            .filter(|&t| t > lower)
            .collect();
        if counted.len() < self.cap {
            return f64::NEG_INFINITY;
        }
        // The window holds `len` of them; it takes `len - cap + 1` leaving to make room: the
        // (len - cap)-th smallest (0-based) decides.
        let k = counted.len() - self.cap;
        let (_, kth, _) = counted.select_nth_unstable_by(k, f64::total_cmp);
        *kth + self.window_ms
    }

    /// A start granted at `now`.
    pub(crate) fn push(&mut self, now: f64) {
        self.starts.push_back(Start {
            sent: now,
            answered: f64::NAN,
        });
        // Untracked, the deque needs no more than the cap (the cap-th latest decides).
        if !self.tracked() && self.starts.len() > self.cap {
            self.starts.pop_front();
        }
    }

    /// The start at `sent` was answered at `now`; `rtt` when the service answered normally.
    /// A start that has left the window already stays out.
    pub(crate) fn answered(&mut self, now: f64, sent: f64, rtt: Option<f64>) {
        if let Some(rtt) = rtt.filter(|r| r.is_finite() && *r >= 0.0) {
            self.min_rtt = Some(self.min_rtt.map_or(rtt, |m| m.min(rtt)));
        }
        if !self.tracked() || !sent.is_finite() || sent > now {
            return;
        }
        self.prune(now);
        let i = self.starts.partition_point(|s| s.sent < sent);
        let found = self
            .starts
            .range(i..)
            .take_while(|s| s.sent == sent)
            .position(|s| s.answered.is_nan());
        if let Some(s) = found.and_then(|k| self.starts.get_mut(i + k)) {
            s.answered = now;
            self.any_answered = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unanswered_starts_count_where_they_left() {
        let mut w = ArrivalWindow::new(2, 1000.0);
        assert_eq!(w.opens_at(0.0), f64::NEG_INFINITY);
        w.push(0.0);
        w.push(10.0);
        assert_eq!(w.opens_at(20.0), 1000.0);
        assert_eq!(w.opens_at(1000.0), f64::NEG_INFINITY);
    }

    #[test]
    fn answers_move_starts_to_their_arrival_with_the_shortest_round_trip_known_when_asked() {
        let mut w = ArrivalWindow::new(2, 1000.0);
        // Two starts held up together until 100 (set-up), answered 20 ms later; the first
        // answer processed is the one that waited longest.
        w.push(0.0);
        w.push(90.0);
        w.answered(120.0, 0.0, Some(120.0));
        w.answered(121.0, 90.0, Some(31.0));
        // min_rtt is 31 now: both count at ~90 (120 - 31 = 89 for the first).
        assert_eq!(w.opens_at(500.0), 89.0 + 1000.0);
        // A clean 20 ms round trip later moves them later still (the safe side: counted at
        // 100 and 101); with the third start, two must leave before a fourth may go.
        w.push(1050.0);
        w.answered(1070.0, 1050.0, Some(20.0));
        assert_eq!(w.opens_at(1075.0), 1101.0);
    }

    #[test]
    fn a_start_that_left_the_window_stays_out() {
        let mut w = ArrivalWindow::new(1, 1000.0);
        w.push(0.0);
        w.answered(5_000.0, 0.0, None);
        assert_eq!(w.opens_at(5_000.0), f64::NEG_INFINITY);
    }

    #[test]
    fn before_any_clean_answer_a_start_counts_at_its_answer() {
        let mut w = ArrivalWindow::new(1, 1000.0);
        w.push(0.0);
        w.answered(300.0, 0.0, None);
        assert_eq!(w.opens_at(1_000.0), 1_300.0);
    }

    #[test]
    fn untracked_windows_keep_only_the_cap() {
        let mut w = ArrivalWindow::new(MAX_TRACKED_CAP + 1, 1000.0);
        for i in 0..(MAX_TRACKED_CAP + 10) {
            w.push(i as f64 * 0.1);
        }
        assert_eq!(w.starts.len(), MAX_TRACKED_CAP + 1);
        w.answered(2_000.0, 0.0, Some(1.0));
        assert!(!w.any_answered);
    }
}
