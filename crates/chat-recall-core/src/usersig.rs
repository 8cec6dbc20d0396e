//! UserSig (TLSSigAPIv2): the credential every REST call carries in its query.
//!
//! Byte-compatible with Tencent's official generators: the HMAC covers the same content
//! string, the JSON document has the same fields in the same order, and any zlib stream is
//! accepted when verifying (the official Go library writes stored blocks).
//!
//! A UserSig is `base64url-ish(zlib(JSON document))`: base64 by the `base64` crate, zlib
//! inflated by `miniz_oxide` under a size bound, the document read by serde_json.

use std::borrow::Cow;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::error::{RecallError, Result};
use super::limits::SdkAppId;
use super::text::check_account;
use super::wire::{from_body, Int};

type HmacSha256 = Hmac<Sha256>;

/// The longest UserSig we will try to decode. Real ones are a few hundred bytes.
pub const MAX_USERSIG_LEN: usize = 8 * 1024;
/// The most a UserSig's zlib stream may inflate to: a real document is under 2 KiB (the
/// largest userbuf we sign, 1 KiB, is 1.4 KiB of base64), so 16 KiB leaves room while a small
/// hostile stream (zlib reaches ~1000:1) cannot make us allocate without limit.
pub const MAX_INFLATED_LEN: usize = 16 * 1024;
/// Longest lifetime accepted when signing: 100 years, far beyond any sane setting.
pub const MAX_EXPIRE_SECONDS: u64 = 100 * 365 * 24 * 3600;

/// What to sign.
/// `Debug` is written by hand so a logged request never shows the secret key.
#[derive(Clone)]
pub struct SignRequest<'a> {
    /// The app.
    pub sdk_app_id: u64,
    /// The app's secret key (never logged).
    pub secret_key: &'a str,
    /// The account the UserSig is for.
    pub identifier: &'a str,
    /// Lifetime in seconds.
    pub expire_seconds: u64,
    /// Optional user buffer to sign in (TLS.userbuf).
    pub user_buf: Option<&'a [u8]>,
    /// Unix seconds: the caller's clock.
    pub now: u64,
}

impl std::fmt::Debug for SignRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignRequest")
            .field("sdk_app_id", &self.sdk_app_id)
            .field("secret_key", &"<redacted>")
            .field("identifier", &self.identifier)
            .field("expire_seconds", &self.expire_seconds)
            .field("user_buf", &self.user_buf.map(<[u8]>::len))
            .field("now", &self.now)
            .finish()
    }
}

/// What a valid UserSig says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSigInfo {
    /// When it was signed, unix seconds.
    pub time: u64,
    /// Its lifetime in seconds.
    pub expire: u64,
    /// `time + expire`: after this second the service answers 70001.
    pub expires_at: u64,
    /// The signed user buffer, when there is one.
    pub user_buf: Option<Vec<u8>>,
}

fn check_sdk_app_id(sdk_app_id: u64) -> Result<()> {
    SdkAppId::new(sdk_app_id).map(|_| ())
}

fn check_secret_key(secret_key: &str) -> Result<()> {
    if secret_key.is_empty() {
        return Err(RecallError::invalid_input("secretKey", "must not be empty"));
    }
    if secret_key.len() > 1024 {
        return Err(RecallError::invalid_input(
            "secretKey",
            "is longer than 1024 bytes",
        ));
    }
    Ok(())
}

/// The string the HMAC covers, exactly as TLSSigAPIv2 builds it.
fn sig_content(
    identifier: &str,
    sdk_app_id: u64,
    time: u64,
    expire: u64,
    user_buf_b64: Option<&str>,
) -> String {
    let mut s = format!(
        "TLS.identifier:{identifier}\nTLS.sdkappid:{sdk_app_id}\nTLS.time:{time}\nTLS.expire:{expire}\n"
    );
    if let Some(b) = user_buf_b64 {
        s.push_str("TLS.userbuf:");
        s.push_str(b);
        s.push('\n');
    }
    s
}

/// HMAC accepts keys of any length, so this does not fail today; if a future `hmac` ever
/// refused a key, the caller gets an error instead of a panic or a MAC under another key.
fn new_mac(secret_key: &str) -> Result<HmacSha256> {
    HmacSha256::new_from_slice(secret_key.as_bytes()).map_err(|_| {
        RecallError::invalid_input("secretKey", "cannot be used as an HMAC-SHA256 key")
    })
}

/// `TLS.sig`: base64 of HMAC-SHA256 over the content string.
pub fn compute_sig(
    secret_key: &str,
    identifier: &str,
    sdk_app_id: u64,
    time: u64,
    expire: u64,
    user_buf_b64: Option<&str>,
) -> Result<String> {
    let mut mac = new_mac(secret_key)?;
    mac.update(sig_content(identifier, sdk_app_id, time, expire, user_buf_b64).as_bytes());
    Ok(STANDARD.encode(mac.finalize().into_bytes()))
}

/// Sign a UserSig.
pub fn generate(req: &SignRequest<'_>) -> Result<String> {
    check_sdk_app_id(req.sdk_app_id)?;
    check_secret_key(req.secret_key)?;
    check_account("identifier", req.identifier)?;
    if req.expire_seconds == 0 || req.expire_seconds > MAX_EXPIRE_SECONDS {
        return Err(RecallError::invalid_input(
            "expireSeconds",
            format!("must be an integer in 1..={MAX_EXPIRE_SECONDS}"),
        ));
    }
    if let Some(b) = req.user_buf {
        if b.len() > 1024 {
            return Err(RecallError::invalid_input(
                "userBuf",
                "is longer than 1024 bytes",
            ));
        }
    }
    let user_buf_b64 = req.user_buf.map(|b| STANDARD.encode(b));
    let sig = compute_sig(
        req.secret_key,
        req.identifier,
        req.sdk_app_id,
        req.now,
        req.expire_seconds,
        user_buf_b64.as_deref(),
    )?;
    let doc = SigDocOut {
        ver: "2.0",
        identifier: req.identifier,
        sdk_app_id: req.sdk_app_id,
        expire: req.expire_seconds,
        time: req.now,
        sig: &sig,
        user_buf: user_buf_b64.as_deref(),
    };
    // Serialising a struct of strings and integers into a Vec cannot fail; map it anyway
    // rather than unwrap.
    let json = serde_json::to_vec(&doc)
        .map_err(|_| RecallError::invalid_input("identifier", "cannot be written as JSON"))?;
    Ok(escape(&STANDARD.encode(zlib_stored(&json))))
}

/// The JSON document of a UserSig as written: fields in the order the official libraries
/// write them (serde writes a struct's fields in declaration order).
#[derive(Serialize)]
struct SigDocOut<'a> {
    #[serde(rename = "TLS.ver")]
    ver: &'a str,
    #[serde(rename = "TLS.identifier")]
    identifier: &'a str,
    #[serde(rename = "TLS.sdkappid")]
    sdk_app_id: u64,
    #[serde(rename = "TLS.expire")]
    expire: u64,
    #[serde(rename = "TLS.time")]
    time: u64,
    #[serde(rename = "TLS.sig")]
    sig: &'a str,
    #[serde(rename = "TLS.userbuf", skip_serializing_if = "Option::is_none")]
    user_buf: Option<&'a str>,
}

/// A zlib stream of stored (uncompressed) deflate blocks, as Tencent's official Go library
/// writes (RFC 1950/1951 framing: no compression is done, so there is no codec here; the
/// checksum is `adler2`'s, the one miniz_oxide uses). The service accepts any valid zlib
/// stream; a ~250-byte document gains little from compression, and leaving miniz_oxide's
/// compressor out keeps about 12 KB of code out of the wasm.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 16);
    out.extend_from_slice(&[0x78, 0x01]);
    let mut chunks = data.chunks(0xffff).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        let len = chunk.len() as u16;
        out.push(u8::from(last));
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&adler2::adler32_slice(data).to_be_bytes());
    out
}

/// base64 → the URL-safe alphabet TLSSigAPIv2 uses.
fn escape(b64: &str) -> String {
    b64.chars()
        .map(|c| match c {
            '+' => '*',
            '/' => '-',
            '=' => '_',
            c => c,
        })
        .collect()
}

fn unescape(sig: &str) -> String {
    sig.chars()
        .map(|c| match c {
            '*' => '+',
            '-' => '/',
            '_' => '=',
            c => c,
        })
        .collect()
}

/// The decoded JSON document of a UserSig, before its signature is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSigDoc {
    /// `TLS.identifier`: the account it was signed for.
    pub identifier: String,
    /// `TLS.sdkappid`.
    pub sdk_app_id: u64,
    /// `TLS.time`: when it was signed, unix seconds.
    pub time: u64,
    /// `TLS.expire`: its lifetime in seconds.
    pub expire: u64,
    /// `TLS.sig`: base64 of the HMAC.
    pub sig: String,
    /// `TLS.userbuf`: base64 of the signed user buffer, when there is one.
    pub user_buf_b64: Option<String>,
}

/// The document as read: every field optional here so the error names the one missing.
/// Some generators wrote the numbers as strings ([`Int`] takes both).
#[derive(Deserialize)]
struct SigDocIn<'a> {
    #[serde(rename = "TLS.ver", borrow, default)]
    ver: Option<Cow<'a, str>>,
    #[serde(rename = "TLS.identifier", borrow, default)]
    identifier: Option<Cow<'a, str>>,
    #[serde(rename = "TLS.sdkappid", default)]
    sdk_app_id: Option<Int>,
    #[serde(rename = "TLS.time", default)]
    time: Option<Int>,
    #[serde(rename = "TLS.expire", default)]
    expire: Option<Int>,
    #[serde(rename = "TLS.sig", borrow, default)]
    sig: Option<Cow<'a, str>>,
    #[serde(rename = "TLS.userbuf", borrow, default)]
    user_buf: Option<Cow<'a, str>>,
}

fn malformed(why: &str) -> RecallError {
    RecallError::auth(format!("userSig: malformed ({why})"))
}

fn required_u64(v: Option<Int>, field: &str) -> Result<u64> {
    v.and_then(Int::as_u64).ok_or_else(|| malformed(field))
}

fn required_str(v: Option<Cow<'_, str>>, field: &str) -> Result<String> {
    v.map(Cow::into_owned).ok_or_else(|| malformed(field))
}

/// Decode a UserSig into its document without checking the signature.
pub fn decode(user_sig: &str) -> Result<UserSigDoc> {
    if user_sig.is_empty() {
        return Err(malformed("empty"));
    }
    if user_sig.len() > MAX_USERSIG_LEN {
        return Err(malformed("too long"));
    }
    let b64 = unescape(user_sig.trim());
    // Padded or not: generators differ, and some write the padding wrong.
    let compressed = STANDARD_NO_PAD
        .decode(b64.trim_end_matches('='))
        .map_err(|_| malformed("not base64"))?;
    let json =
        miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&compressed, MAX_INFLATED_LEN)
            .map_err(|_| malformed("not a zlib stream"))?;
    let doc: SigDocIn<'_> = from_body(&json).map_err(|e| match e {
        super::wire::BodyError::NotObject => malformed("not a JSON object"),
        super::wire::BodyError::Field { path, .. } => malformed(&path),
        _ => malformed("not JSON"),
    })?;
    if doc.ver.as_deref() != Some("2.0") {
        return Err(malformed("TLS.ver is not 2.0"));
    }
    Ok(UserSigDoc {
        identifier: required_str(doc.identifier, "TLS.identifier")?,
        sdk_app_id: required_u64(doc.sdk_app_id, "TLS.sdkappid")?,
        time: required_u64(doc.time, "TLS.time")?,
        expire: required_u64(doc.expire, "TLS.expire")?,
        sig: required_str(doc.sig, "TLS.sig")?,
        user_buf_b64: doc.user_buf.map(Cow::into_owned),
    })
}

/// Why a UserSig was refused, in the service's terms (its 7xxxx codes), so the emulator and
/// the client speak the same language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// 70003
    Malformed,
    /// 70014
    SdkAppIdMismatch,
    /// 70013
    IdentifierMismatch,
    /// 70001
    Expired,
    /// 70009
    BadSignature,
}

impl Rejection {
    /// The service's ErrorCode for this reason.
    pub fn service_code(self) -> i64 {
        match self {
            Rejection::Malformed => 70003,
            Rejection::SdkAppIdMismatch => 70014,
            Rejection::IdentifierMismatch => 70013,
            Rejection::Expired => 70001,
            Rejection::BadSignature => 70009,
        }
    }
}

/// Check a UserSig: appid and identifier match, not expired, and the HMAC matches (compared
/// in constant time). Returns the service's reason on failure.
pub fn check(
    sdk_app_id: u64,
    secret_key: &str,
    identifier: &str,
    user_sig: &str,
    now: u64,
) -> std::result::Result<UserSigInfo, (Rejection, RecallError)> {
    let doc = decode(user_sig).map_err(|e| (Rejection::Malformed, e))?;
    if doc.sdk_app_id != sdk_app_id {
        return Err((
            Rejection::SdkAppIdMismatch,
            RecallError::auth(format!(
                "userSig: signed for SDKAppID {} but {} was expected",
                doc.sdk_app_id, sdk_app_id
            )),
        ));
    }
    if doc.identifier != identifier {
        return Err((
            Rejection::IdentifierMismatch,
            RecallError::auth("userSig: signed for a different identifier"),
        ));
    }
    let sig_bytes = STANDARD
        .decode(&doc.sig)
        .map_err(|_| (Rejection::Malformed, malformed("TLS.sig is not base64")))?;
    let mut mac = new_mac(secret_key).map_err(|e| (Rejection::BadSignature, e))?;
    mac.update(
        sig_content(
            &doc.identifier,
            doc.sdk_app_id,
            doc.time,
            doc.expire,
            doc.user_buf_b64.as_deref(),
        )
        .as_bytes(),
    );
    if mac.verify_slice(&sig_bytes).is_err() {
        return Err((
            Rejection::BadSignature,
            RecallError::auth("userSig: signature does not match the secret key"),
        ));
    }
    let expires_at = doc.time.saturating_add(doc.expire);
    if now > expires_at {
        return Err((
            Rejection::Expired,
            RecallError::auth(format!("userSig: expired at {expires_at}")),
        ));
    }
    let user_buf = match &doc.user_buf_b64 {
        None => None,
        Some(b) => Some(
            STANDARD
                .decode(b)
                .map_err(|_| (Rejection::Malformed, malformed("TLS.userbuf is not base64")))?,
        ),
    };
    Ok(UserSigInfo {
        time: doc.time,
        expire: doc.expire,
        expires_at,
        user_buf,
    })
}

/// [`check`] for callers that only need the error.
pub fn verify(
    sdk_app_id: u64,
    secret_key: &str,
    identifier: &str,
    user_sig: &str,
    now: u64,
) -> Result<UserSigInfo> {
    check_sdk_app_id(sdk_app_id)?;
    check_secret_key(secret_key)?;
    check_account("identifier", identifier)?;
    check(sdk_app_id, secret_key, identifier, user_sig, now).map_err(|(_, e)| e)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

    fn req<'a>(user_buf: Option<&'a [u8]>) -> SignRequest<'a> {
        SignRequest {
            sdk_app_id: 1400000000,
            secret_key: KEY,
            identifier: "xiaojun",
            expire_seconds: 15552000,
            user_buf,
            now: 1700000000,
        }
    }

    #[test]
    fn reference_vector() {
        assert_eq!(
            compute_sig(KEY, "xiaojun", 1400000000, 1700000000, 15552000, None).unwrap(),
            "LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4="
        );
        let sig = generate(&req(None)).unwrap();
        let doc = decode(&sig).unwrap();
        assert_eq!(doc.sig, "LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4=");
        assert_eq!(
            (doc.time, doc.expire, doc.sdk_app_id),
            (1700000000, 15552000, 1400000000)
        );
        assert!(!sig.contains(['+', '/', '=']));
    }

    #[test]
    fn round_trip_with_userbuf() {
        let sig = generate(&req(Some(b"room:42\x00\xff"))).unwrap();
        let info = verify(1400000000, KEY, "xiaojun", &sig, 1700000000 + 15552000).unwrap();
        assert_eq!(info.user_buf.as_deref(), Some(&b"room:42\x00\xff"[..]));
        assert_eq!(info.expires_at, 1700000000 + 15552000);
    }

    #[test]
    fn rejections() {
        let sig = generate(&req(None)).unwrap();
        let code = |r: std::result::Result<UserSigInfo, (Rejection, RecallError)>| {
            r.unwrap_err().0.service_code()
        };
        assert_eq!(
            code(check(
                1400000000,
                KEY,
                "xiaojun",
                &sig,
                1700000000 + 15552001
            )),
            70001
        );
        assert_eq!(
            code(check(1400000001, KEY, "xiaojun", &sig, 1700000000)),
            70014
        );
        assert_eq!(
            code(check(1400000000, KEY, "other", &sig, 1700000000)),
            70013
        );
        assert_eq!(
            code(check(1400000000, "wrong", "xiaojun", &sig, 1700000000)),
            70009
        );
        assert_eq!(
            code(check(1400000000, KEY, "xiaojun", "!!!", 1700000000)),
            70003
        );
        assert_eq!(
            code(check(
                1400000000,
                KEY,
                "xiaojun",
                &sig[..sig.len() / 2],
                1700000000
            )),
            70003
        );
    }

    #[test]
    fn accepts_compressed_and_stored_zlib() {
        // We write stored blocks (as the official Go library does); the Node, Python and
        // Java libraries compress. Both must verify.
        let sig = generate(&req(None)).unwrap();
        let json =
            miniz_oxide::inflate::decompress_to_vec_zlib(&STANDARD.decode(unescape(&sig)).unwrap())
                .unwrap();
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&json, 9);
        let other = escape(&STANDARD.encode(&compressed));
        assert_ne!(other, sig);
        assert!(verify(1400000000, KEY, "xiaojun", &other, 1700000000).is_ok());
    }

    #[test]
    fn stored_zlib_inflates_back() {
        for len in [0usize, 1, 5551, 5552, 65535, 65536, 200_000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + i / 255) as u8).collect();
            let z = zlib_stored(&data);
            assert_eq!(
                miniz_oxide::inflate::decompress_to_vec_zlib(&z).unwrap(),
                data,
                "{len}"
            );
        }
    }

    #[test]
    fn debug_output_never_shows_the_secret_key() {
        let shown = format!("{:?}", req(None));
        assert!(!shown.contains(KEY), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn input_checks_name_the_field() {
        let mut r = req(None);
        r.expire_seconds = 0;
        assert!(generate(&r).unwrap_err().info.starts_with("expireSeconds"));
        let mut r = req(None);
        r.secret_key = "";
        assert!(generate(&r).unwrap_err().info.starts_with("secretKey"));
        let mut r = req(None);
        r.identifier = "";
        assert!(generate(&r).unwrap_err().info.starts_with("identifier"));
        let mut r = req(None);
        r.sdk_app_id = 1 << 32;
        assert!(generate(&r).unwrap_err().info.starts_with("sdkAppId"));
    }
}
