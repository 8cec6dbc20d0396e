//! Shared input framing for the fuzz targets: how raw fuzzer bytes become the arguments of
//! an entry point, and the fixed app the webhook and UserSig targets speak for.

/// The app of the service's own samples (seeds) and of the reference's UserSig vector.
pub const SAMPLE_APPID: u64 = 88_888_888;
pub const VECTOR_APPID: u64 = 1_400_000_000;
/// The reference's UserSig vector key (a test key, published in the reference).
pub const VECTOR_KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
/// The reference's webhook vector: token `xxxxyyyy`, RequestTime 1669872112.
pub const VECTOR_TOKEN: &str = "xxxxyyyy";
pub const VECTOR_TIME: u64 = 1_669_872_112;

/// HTTP statuses a response parser may see; mostly 200, so the body parsers are reached.
const STATUSES: [u16; 8] = [200, 200, 200, 200, 429, 500, 502, 404];

/// First byte picks the HTTP status, the rest is the body.
pub fn status_and_body(data: &[u8]) -> (u16, &[u8]) {
    match data.split_first() {
        Some((s, body)) => (STATUSES[usize::from(*s) % STATUSES.len()], body),
        None => (200, data),
    }
}

/// Webhook framing: a flags byte (bit 0: a token is configured; bit 1: the target signs the
/// URL itself, so the fuzzer reaches the body parser behind the Sign check), then the URL,
/// a NUL, and the body.
pub struct WebhookInput<'a> {
    pub with_token: bool,
    pub sign_it: bool,
    pub url: &'a str,
    pub body: &'a [u8],
}

pub fn webhook_input(data: &[u8]) -> Option<WebhookInput<'_>> {
    let (flags, rest) = data.split_first()?;
    let nul = rest.iter().position(|b| *b == 0)?;
    let url = std::str::from_utf8(&rest[..nul]).ok()?;
    Some(WebhookInput {
        with_token: flags & 1 != 0,
        sign_it: flags & 2 != 0,
        url,
        body: &rest[nul + 1..],
    })
}

/// Every response parser refuses an answer whose HTTP status is not 200: checked by each
/// response target (a non-200 answer must never look like a success).
pub fn assert_non_200_is_err<T, E>(status: u16, r: &Result<T, E>) {
    assert!(
        status == 200 || r.is_err(),
        "HTTP {status} parsed as a success"
    );
}
