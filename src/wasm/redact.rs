//! Blanking credentials out of what comes back from the network. An answer body (a proxy's
//! error page, a service's ErrorInfo) or a fetch wrapper's error message may echo the request
//! URL, UserSig included; from there it would reach errors, reports and logs. The client
//! passes everything it reads through [`blank_out`] with the UserSigs it sent.

const REDACTED: &[u8] = b"<redacted>";

/// `data` with every occurrence of any needle replaced by `<redacted>`; `None` (no copy)
/// when none occurs, the usual case. UserSigs are URL-safe base64 (and their percent-encoded
/// forms ASCII too), so a JSON body stays valid JSON.
pub fn blank_out(data: &[u8], needles: &[Vec<u8>]) -> Option<Vec<u8>> {
    let hit = |at: usize| {
        needles
            .iter()
            .find(|n| !n.is_empty() && data[at..].starts_with(n))
            .map(Vec::len)
    };
    let first = (0..data.len()).find(|&i| hit(i).is_some())?;
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&data[..first]);
    let mut i = first;
    while i < data.len() {
        match hit(i) {
            Some(len) => {
                out.extend_from_slice(REDACTED);
                i += len;
            }
            None => {
                out.push(data[i]);
                i += 1;
            }
        }
    }
    Some(out)
}
