//! Fault injection: which fault (if any) a request gets, drawn from the seeded PRNG.

use crate::rng::SharedRng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// HTTP 502 with a non-JSON body, before any processing.
    BadGateway,
    /// HTTP 200 with the service's internal error (10002 group APIs, 91000 openim), no processing.
    Internal,
    /// The connection is closed without an answer, before any processing.
    Drop,
    /// The request is processed, then the answer is cut in half and the connection closed.
    Truncate,
    /// The request is processed, then answered after `--slow-ms`.
    Slow,
}

impl FaultKind {
    pub const ALL: [FaultKind; 5] = [
        FaultKind::BadGateway,
        FaultKind::Internal,
        FaultKind::Drop,
        FaultKind::Truncate,
        FaultKind::Slow,
    ];

    pub fn parse(s: &str) -> Option<FaultKind> {
        match s {
            "502" => Some(FaultKind::BadGateway),
            "internal" => Some(FaultKind::Internal),
            "drop" => Some(FaultKind::Drop),
            "truncate" => Some(FaultKind::Truncate),
            "slow" => Some(FaultKind::Slow),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FaultKind::BadGateway => "502",
            FaultKind::Internal => "internal",
            FaultKind::Drop => "drop",
            FaultKind::Truncate => "truncate",
            FaultKind::Slow => "slow",
        }
    }
}

pub struct Faults {
    rate: f64,
    kinds: Vec<FaultKind>,
    rng: SharedRng,
}

impl Faults {
    pub fn new(rate: f64, kinds: Vec<FaultKind>, seed: u64) -> Faults {
        Faults {
            rate,
            kinds,
            rng: SharedRng::new(seed ^ 0xFA_017),
        }
    }

    pub fn draw(&self) -> Option<FaultKind> {
        if self.rate <= 0.0 || self.kinds.is_empty() {
            return None;
        }
        if self.rng.next_f64() >= self.rate {
            return None;
        }
        let i = (self.rng.next_u64() % self.kinds.len() as u64) as usize;
        self.kinds.get(i).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_and_kinds() {
        let f = Faults::new(0.0, FaultKind::ALL.to_vec(), 1);
        assert!((0..1000).all(|_| f.draw().is_none()));
        let f = Faults::new(1.0, vec![FaultKind::Drop], 1);
        assert!((0..100).all(|_| f.draw() == Some(FaultKind::Drop)));
        let f = Faults::new(0.3, FaultKind::ALL.to_vec(), 9);
        let n = (0..10_000).filter(|_| f.draw().is_some()).count();
        assert!((2500..3500).contains(&n), "{n}");
        for k in FaultKind::ALL {
            assert_eq!(FaultKind::parse(k.name()), Some(k));
        }
    }
}
