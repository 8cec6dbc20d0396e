//! Small text rules shared by every request: identifiers.

use super::error::{RecallError, Result};

/// Upper bound for account and group identifiers. The service documents 32 bytes for UserIDs
/// and 48 for custom GroupIds; we allow headroom and still stop absurd input early.
pub const MAX_ID_BYTES: usize = 128;

/// A UserID or admin identifier: non-empty, bounded, no control characters.
pub fn check_account(field: &str, value: &str) -> Result<()> {
    check_id(field, value)
}

/// Any service identifier (account, group, topic).
pub fn check_id(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(RecallError::invalid_input(field, "must not be empty"));
    }
    if value.len() > MAX_ID_BYTES {
        return Err(RecallError::invalid_input(
            field,
            format!("is longer than {MAX_ID_BYTES} bytes"),
        ));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(RecallError::invalid_input(
            field,
            "must not contain control characters",
        ));
    }
    if value.trim() != value {
        return Err(RecallError::invalid_input(
            field,
            "must not start or end with whitespace",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(check_id("groupId", "@TGS#2J4SZEAEL").is_ok());
        assert_eq!(
            check_id("groupId", "").unwrap_err().info,
            "groupId: must not be empty"
        );
        assert!(check_id("groupId", &"x".repeat(129)).is_err());
        assert!(check_id("groupId", "a\u{0}b").is_err());
        assert!(check_id("groupId", " a").is_err());
    }
}
