//! The one error type of the core, and the table that maps the service's ErrorCodes to a
//! kind and a retry decision. The table is the only place those facts live.

use std::fmt;

/// What went wrong, as a caller decides what to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The caller's input was rejected (by us before sending, or by the service).
    InvalidInput,
    /// UserSig, SDKAppID, identifier or webhook signature problems.
    Auth,
    /// The operator lacks the right, or the app has the feature switched off.
    Permission,
    /// The group, message or account does not exist.
    NotFound,
    /// A rate limit of the service.
    RateLimited,
    /// The service failed internally (5xx, internal error codes).
    Server,
    /// The request never got an HTTP answer.
    Network,
    /// No answer within the configured time.
    Timeout,
    /// The caller cancelled.
    Aborted,
    /// The answer was not what the protocol promises (bad JSON, missing fields).
    Protocol,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::InvalidInput,
        ErrorKind::Auth,
        ErrorKind::Permission,
        ErrorKind::NotFound,
        ErrorKind::RateLimited,
        ErrorKind::Server,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::Aborted,
        ErrorKind::Protocol,
    ];

    /// The name JavaScript sees in `RecallError.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Auth => "auth",
            ErrorKind::Permission => "permission",
            ErrorKind::NotFound => "not_found",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Aborted => "aborted",
            ErrorKind::Protocol => "protocol",
        }
    }
}

/// How the client should react to a service ErrorCode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAdvice {
    /// Final: retrying the same request cannot help.
    Never,
    /// Transient or rate limited: retry with backoff.
    Backoff,
    /// The UserSig expired: sign a new one (when a secret key is held) and retry once.
    Resign,
}

/// What the table knows about one ErrorCode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeInfo {
    /// Which kind of error the code is.
    pub kind: ErrorKind,
    /// Whether and how to retry it.
    pub retry: RetryAdvice,
    /// The service's own description, abridged.
    pub meaning: &'static str,
}

/// The service's ErrorCodes this library knows, from the seeds and the reference.
/// Codes not listed are classified by range in [`classify`].
pub fn classify(code: i64) -> CodeInfo {
    use ErrorKind::*;
    use RetryAdvice::*;
    let (kind, retry, meaning) = match code {
        // group_msg_recall / delete_group_msg_by_sender
        10002 => (Server, Backoff, "internal server error; try again"),
        10003 => (InvalidInput, Never, "invalid command word"),
        10004 => (InvalidInput, Never, "invalid parameter"),
        10007 => (Permission, Never, "no operation permission"),
        10010 => (
            NotFound,
            Never,
            "the group does not exist or has been deleted",
        ),
        10015 => (InvalidInput, Never, "invalid group ID"),
        10030 => (NotFound, Never, "the message does not exist"),
        10031 => (
            Permission,
            Never,
            "the message is beyond the allowed time range",
        ),
        10032 => (Permission, Never, "the message cannot be recalled"),
        10033 => (
            Permission,
            Never,
            "this group type does not support message recall",
        ),
        10041 => (
            Permission,
            Never,
            "the app is configured not to support group message recall",
        ),
        // admin_msgwithdraw
        20022 => (NotFound, Never, "the message to recall does not exist"),
        20023 => (InvalidInput, Never, "the message has already been recalled"),
        90001 => (InvalidInput, Never, "failed to parse the JSON request"),
        90003 => (NotFound, Never, "To_Account is missing or does not exist"),
        90008 => (NotFound, Never, "From_Account is missing or does not exist"),
        90009 => (
            Permission,
            Never,
            "the request requires app administrator permission",
        ),
        90054 => (InvalidInput, Never, "invalid MsgKey"),
        91000 => (Server, Backoff, "internal service error; try again"),
        // public codes
        60002 => (InvalidInput, Never, "HTTP parse error"),
        60003 => (InvalidInput, Never, "JSON parse error"),
        60004 => (Auth, Never, "account or signature error in the URL"),
        60005 => (Auth, Never, "signature error"),
        60006 => (Auth, Never, "SDKAppID invalid"),
        60007 => (RateLimited, Backoff, "REST API call rate exceeded"),
        60008 => (Server, Backoff, "service timeout or bad request format"),
        60009 => (InvalidInput, Never, "bad request URL"),
        60010 => (Permission, Never, "app admin permission required"),
        60011 => (RateLimited, Backoff, "SDKAppID call rate exceeded"),
        60016 | 60017 => (Permission, Never, "the app or API is disabled"),
        60018 | 60019 => (RateLimited, Backoff, "requests too frequent; retry later"),
        60020 => (Permission, Never, "the plan has expired"),
        60021 => (Permission, Never, "the source IP is not allowed"),
        70001 => (Auth, Resign, "UserSig expired"),
        70003 => (Auth, Never, "UserSig malformed or truncated"),
        70009 => (Auth, Never, "UserSig signature check failed (wrong key)"),
        70013 => (Auth, Never, "identifier differs from the UserSig's"),
        70014 => (Auth, Never, "SDKAppID differs from the UserSig's"),
        70016 | 70020 => (Auth, Never, "key or SDKAppID not found (wrong region?)"),
        70050 => (
            RateLimited,
            Backoff,
            "signature failures rate limited; retry after a minute",
        ),
        70051 => (Auth, Never, "account blocklisted"),
        70107 => (NotFound, Never, "account not imported"),
        c if (70000..80000).contains(&c) => (Auth, Never, "authentication error"),
        c if (60000..70000).contains(&c) => (Server, Never, "public service error"),
        _ => (Server, Never, "service error"),
    };
    CodeInfo {
        kind,
        retry,
        meaning,
    }
}

/// An error, as reported to callers. Mirrors JavaScript's `RecallError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecallError {
    /// The category callers branch on.
    pub kind: ErrorKind,
    /// The service's ErrorCode, 0 when there was none.
    pub code: i64,
    /// The service's ErrorInfo, or our own message.
    pub info: String,
    /// The command path, such as `group_open_http_svc/group_msg_recall`; empty when none.
    pub api: String,
    /// Whether sending the same request again may succeed.
    pub retryable: bool,
    /// The HTTP status when an answer arrived; `None` for input errors and network failures.
    pub http_status: Option<u16>,
}

impl RecallError {
    /// An error of `kind` with our own message.
    pub fn new(kind: ErrorKind, info: impl Into<String>) -> Self {
        let retryable = matches!(
            kind,
            ErrorKind::Network | ErrorKind::Timeout | ErrorKind::Server | ErrorKind::RateLimited
        );
        RecallError {
            kind,
            code: 0,
            info: info.into(),
            api: String::new(),
            retryable,
            http_status: None,
        }
    }

    /// Input rejected before anything is sent; `field` names what was wrong.
    pub fn invalid_input(field: &str, problem: impl fmt::Display) -> Self {
        RecallError::new(ErrorKind::InvalidInput, format!("{field}: {problem}"))
    }

    /// A credential problem (UserSig, webhook Sign, appid).
    pub fn auth(info: impl Into<String>) -> Self {
        RecallError::new(ErrorKind::Auth, info)
    }

    /// An answer we could not read.
    pub fn protocol(info: impl Into<String>) -> Self {
        RecallError::new(ErrorKind::Protocol, info)
    }

    /// An error the service reported with an ErrorCode.
    pub fn from_service(code: i64, info: &str, api: &str) -> Self {
        let c = classify(code);
        let info = if info.is_empty() {
            c.meaning.to_string()
        } else {
            info.to_string()
        };
        RecallError {
            kind: c.kind,
            code,
            info,
            api: api.to_string(),
            retryable: c.retry != RetryAdvice::Never,
            http_status: Some(200),
        }
    }

    /// The same error, attributed to `api`.
    pub fn with_api(mut self, api: &str) -> Self {
        self.api = api.to_string();
        self
    }
}

impl fmt::Display for RecallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind.as_str())?;
        if self.code != 0 {
            write!(f, " {}", self.code)?;
        }
        if !self.api.is_empty() {
            write!(f, " ({})", self.api)?;
        }
        write!(f, ": {}", self.info)
    }
}

impl std::error::Error for RecallError {}

/// Results of this crate.
pub type Result<T, E = RecallError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_list_matches_reference() {
        for code in [60007, 60011, 60018, 60019, 70050, 60008, 10002, 91000] {
            assert_eq!(classify(code).retry, RetryAdvice::Backoff, "{code}");
        }
        assert_eq!(classify(70001).retry, RetryAdvice::Resign);
        for code in [
            10003, 10004, 10007, 10010, 10015, 10030, 10031, 10032, 10033, 10041, 20022, 20023,
            90001, 90003, 90008, 90009, 90054, 60002, 60003, 60004, 60005, 60006, 60009, 60010,
            60016, 60017, 60020, 60021, 70003, 70009, 70013, 70014, 70016, 70020, 70051, 70107,
            12345,
        ] {
            assert_eq!(classify(code).retry, RetryAdvice::Never, "{code}");
        }
    }

    #[test]
    fn kinds_of_each_code() {
        use ErrorKind::*;
        let table = [
            (10002, Server),
            (10003, InvalidInput),
            (10004, InvalidInput),
            (10007, Permission),
            (10010, NotFound),
            (10015, InvalidInput),
            (10030, NotFound),
            (10031, Permission),
            (10032, Permission),
            (10033, Permission),
            (10041, Permission),
            (20022, NotFound),
            (20023, InvalidInput),
            (90001, InvalidInput),
            (90003, NotFound),
            (90008, NotFound),
            (90009, Permission),
            (90054, InvalidInput),
            (91000, Server),
            (60002, InvalidInput),
            (60003, InvalidInput),
            (60004, Auth),
            (60005, Auth),
            (60006, Auth),
            (60007, RateLimited),
            (60008, Server),
            (60009, InvalidInput),
            (60010, Permission),
            (60011, RateLimited),
            (60016, Permission),
            (60017, Permission),
            (60018, RateLimited),
            (60019, RateLimited),
            (60020, Permission),
            (60021, Permission),
            (70001, Auth),
            (70003, Auth),
            (70009, Auth),
            (70013, Auth),
            (70014, Auth),
            (70016, Auth),
            (70020, Auth),
            (70050, RateLimited),
            (70051, Auth),
            (70107, NotFound),
            (70999, Auth),
            (65000, Server),
            (1, Server),
        ];
        for (code, kind) in table {
            assert_eq!(classify(code).kind, kind, "{code}");
        }
    }

    #[test]
    fn from_service_fills_meaning_and_retryable() {
        let e = RecallError::from_service(10002, "", "group_open_http_svc/group_msg_recall");
        assert!(e.retryable);
        assert_eq!(e.kind, ErrorKind::Server);
        assert!(e.info.contains("internal"));
        let e = RecallError::from_service(10010, "group gone", "x/y");
        assert!(!e.retryable);
        assert_eq!(e.info, "group gone");
        assert_eq!(e.to_string(), "not_found 10010 (x/y): group gone");
    }

    #[test]
    fn invalid_input_names_the_field() {
        let e = RecallError::invalid_input("groupId", "must not be empty");
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert!(!e.retryable);
        assert_eq!(e.info, "groupId: must not be empty");
    }
}
