//! The protocol's numeric limits, each defined once here and used everywhere else (the
//! emulator and the wasm layer included), so the client, the emulator and the checks agree.

use std::fmt;

use super::error::{RecallError, Result};

/// The largest integer a JavaScript number holds exactly (2^53 - 1). MsgSeqs above it could
/// not round-trip through JS, so the client refuses them as input; the core itself keeps
/// every integer it parses as an exact `u64` and never goes through `f64`.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// `group_msg_recall` takes at most 10 MsgSeqs per request (the service's documented cap).
pub const MAX_SEQS_PER_REQUEST: usize = 10;

/// Callback bodies are small (a few hundred bytes); anything larger is refused before it is
/// parsed, so a hostile sender cannot make the parser do unbounded work.
pub const MAX_CALLBACK_BODY_BYTES: usize = 64 * 1024;

/// An SDKAppID: the service issues them as unsigned 32-bit numbers, and 0 is never valid.
/// Constructing one is the only way to check the range, so every entry point shares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SdkAppId(u64);

impl SdkAppId {
    /// The smallest valid SDKAppID.
    pub const MIN: u64 = 1;
    /// The largest valid SDKAppID (`u32::MAX`).
    pub const MAX: u64 = u32::MAX as u64;

    /// Check the range; the error names the JS field `sdkAppId`.
    pub fn new(value: u64) -> Result<SdkAppId> {
        if (Self::MIN..=Self::MAX).contains(&value) {
            Ok(SdkAppId(value))
        } else {
            Err(RecallError::invalid_input(
                "sdkAppId",
                format!("must be an integer in {}..={}", Self::MIN, Self::MAX),
            ))
        }
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for SdkAppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_app_id_range() {
        assert_eq!(SdkAppId::new(1).unwrap().get(), 1);
        assert_eq!(SdkAppId::new(4294967295).unwrap().get(), 4294967295);
        for bad in [0, 1 << 32, u64::MAX] {
            assert_eq!(
                SdkAppId::new(bad).unwrap_err().info,
                "sdkAppId: must be an integer in 1..=4294967295"
            );
        }
        assert_eq!(MAX_SAFE_INTEGER, 9007199254740991);
    }
}
