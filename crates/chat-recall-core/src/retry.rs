//! Retry decisions: what to do after a failed attempt.
//!
//! * Retryable failures (`RecallError.retryable`: network errors, timeouts, HTTP 5xx, 10002,
//!   91000, 60008, and the rate codes 60007/60011/60018/60019/70050) are retried up to
//!   `max_retries` times per request, after a **full-jitter** exponential backoff:
//!   `delay = u * min(max_backoff_ms, base_delay_ms * 2^n)` for the n-th retry (n from 0),
//!   with `u = (random + 1) / 2^32` in `(0, 1]` drawn from the caller's `random: u32`.
//! * 70050 (too many failed signatures; "retry after a minute") waits
//!   `signature_lockout_ms + u * base_delay_ms` instead.
//! * Every delay is capped by `max_delay_ms`.
//! * 70001 (UserSig expired) is answered with [`Decision::Resign`] when the driver can sign
//!   (holds a secret key): sign a new UserSig and send again at once. Once per request; a
//!   resign does not use up a retry. Without a key, or the second time, 70001 is final.
//! * Aborted attempts and everything else are final.

use super::error::{classify, ErrorKind, RecallError, RetryAdvice};

/// Default of [`RetryPolicy::max_retries`].
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// Default of [`RetryPolicy::base_delay_ms`].
pub const DEFAULT_BASE_DELAY_MS: f64 = 200.0;
/// Default of [`RetryPolicy::max_backoff_ms`].
pub const DEFAULT_MAX_BACKOFF_MS: f64 = 5_000.0;
/// Default of [`RetryPolicy::signature_lockout_ms`] (the wait after 70050).
pub const DEFAULT_SIGNATURE_LOCKOUT_MS: f64 = 60_000.0;
/// Default of [`RetryPolicy::max_delay_ms`].
pub const DEFAULT_MAX_DELAY_MS: f64 = 60_000.0;

/// Backoff options. Non-finite or negative numbers fall back to the defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries per request after the first attempt (default 3; 0 disables retries).
    pub max_retries: u32,
    /// The first retry's jitter ceiling, ms (default 200); doubles on each retry.
    pub base_delay_ms: f64,
    /// Cap of the exponential ceiling, ms (default 5000).
    pub max_backoff_ms: f64,
    /// The wait after 70050, ms (default 60000, as the service asks).
    pub signature_lockout_ms: f64,
    /// Cap of any single delay, ms (default 60000). Lower it to fail faster on 70050.
    pub max_delay_ms: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: DEFAULT_MAX_RETRIES,
            base_delay_ms: DEFAULT_BASE_DELAY_MS,
            max_backoff_ms: DEFAULT_MAX_BACKOFF_MS,
            signature_lockout_ms: DEFAULT_SIGNATURE_LOCKOUT_MS,
            max_delay_ms: DEFAULT_MAX_DELAY_MS,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decision {
    /// Send again after `delay_ms`; uses one retry.
    Retry {
        /// How long to wait first.
        delay_ms: f64,
    },
    /// Renew the UserSig and send again now; does not use a retry.
    Resign,
    /// Final: report the error.
    GiveUp,
}

fn ms(v: f64, default: f64) -> f64 {
    if v.is_finite() && v >= 0.0 {
        v
    } else {
        default
    }
}

/// `random` mapped to `(0, 1]`.
pub fn unit_interval(random: u32) -> f64 {
    (random as f64 + 1.0) / 4_294_967_296.0
}

impl RetryPolicy {
    /// The delay before retry number `n` (0 for the first retry) of an attempt that failed
    /// with `err`.
    pub fn delay_ms(&self, err: &RecallError, n: u32, random: u32) -> f64 {
        let u = unit_interval(random);
        let base = ms(self.base_delay_ms, DEFAULT_BASE_DELAY_MS);
        let max_delay = ms(self.max_delay_ms, DEFAULT_MAX_DELAY_MS);
        let d = if err.code == 70050 {
            ms(self.signature_lockout_ms, DEFAULT_SIGNATURE_LOCKOUT_MS) + u * base
        } else {
            let ceiling = (base * 2f64.powi(n.min(60) as i32))
                .min(ms(self.max_backoff_ms, DEFAULT_MAX_BACKOFF_MS));
            u * ceiling
        };
        d.min(max_delay)
    }

    /// Decide after a failed attempt. `retries_used`: retries this request already had;
    /// `resigned`: whether it was already re-signed; `can_resign`: whether the driver holds a
    /// secret key.
    pub fn decide(
        &self,
        err: &RecallError,
        retries_used: u32,
        resigned: bool,
        can_resign: bool,
        random: u32,
    ) -> Decision {
        if err.kind == ErrorKind::Aborted {
            return Decision::GiveUp;
        }
        if err.code != 0 && classify(err.code).retry == RetryAdvice::Resign {
            return if can_resign && !resigned {
                Decision::Resign
            } else {
                Decision::GiveUp
            };
        }
        if !err.retryable || retries_used >= self.max_retries {
            return Decision::GiveUp;
        }
        Decision::Retry {
            delay_ms: self.delay_ms(err, retries_used, random),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_interval_bounds() {
        assert!(unit_interval(0) > 0.0);
        assert_eq!(unit_interval(u32::MAX), 1.0);
    }

    #[test]
    fn nonsense_policy_falls_back() {
        let p = RetryPolicy {
            base_delay_ms: f64::NAN,
            max_backoff_ms: -1.0,
            max_delay_ms: f64::INFINITY,
            ..RetryPolicy::default()
        };
        let e = RecallError::from_service(10002, "", "");
        let d = p.delay_ms(&e, 100, u32::MAX);
        assert_eq!(d, DEFAULT_MAX_BACKOFF_MS);
    }
}
