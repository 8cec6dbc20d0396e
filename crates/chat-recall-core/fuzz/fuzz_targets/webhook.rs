//! `webhook::parse_callback`: the URL/query handling, the Sign and RequestTime checks and
//! the body parser. With a token configured and a URL the target did not sign, a success
//! means the URL carried the right Sign for its RequestTime: anything else is a forgery.
#![no_main]

use chat_recall_core::webhook::{compute_sign, parse_callback, CallbackAuth, CallbackInput};
use chat_recall_core_fuzz::{webhook_input, SAMPLE_APPID, VECTOR_TIME, VECTOR_TOKEN};
use libfuzzer_sys::fuzz_target;

const SKEW: u64 = 60;

fuzz_target!(|data: &[u8]| {
    let Some(w) = webhook_input(data) else {
        return;
    };
    let token = w.with_token.then_some(VECTOR_TOKEN);
    let signed;
    let url = if w.sign_it {
        let sep = if w.url.contains('?') { '&' } else { '?' };
        let t = VECTOR_TIME.to_string();
        signed = format!(
            "{}{sep}Sign={}&RequestTime={t}",
            w.url,
            compute_sign(VECTOR_TOKEN, &t)
        );
        signed.as_str()
    } else {
        w.url
    };
    let r = parse_callback(&CallbackInput {
        url,
        body: w.body,
        sdk_app_id: SAMPLE_APPID,
        auth: token.map_or(CallbackAuth::Unsigned, CallbackAuth::Token),
        now: VECTOR_TIME,
        max_skew_seconds: SKEW,
    });
    let Ok(ev) = r else {
        return;
    };
    assert_eq!(ev.sdk_app_id, SAMPLE_APPID);
    if let Some(token) = token {
        let t = ev
            .request_time
            .expect("a verified callback has a RequestTime");
        assert!(
            t.abs_diff(VECTOR_TIME) <= SKEW,
            "stale RequestTime {t} accepted"
        );
        if !w.sign_it {
            let sign = compute_sign(token, &t.to_string());
            assert!(
                url.to_ascii_lowercase().contains(&sign),
                "accepted without the right Sign: {url:?}"
            );
        }
    }
});
