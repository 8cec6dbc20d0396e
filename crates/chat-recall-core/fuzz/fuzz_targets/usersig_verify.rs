//! `usersig::decode` and `usersig::check` on any string. A UserSig that verifies decodes to
//! a document whose fields, signed again with the same key, verify again (round trip).
#![no_main]

use chat_recall_core::usersig::{check, decode, generate, SignRequest};
use chat_recall_core_fuzz::{VECTOR_APPID, VECTOR_KEY};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|sig: &str| {
    let Ok(doc) = decode(sig) else {
        // Undecodable means unverifiable.
        assert!(check(VECTOR_APPID, VECTOR_KEY, "xiaojun", sig, 0).is_err());
        return;
    };
    let Ok(info) = check(VECTOR_APPID, VECTOR_KEY, &doc.identifier, sig, doc.time) else {
        return;
    };
    assert_eq!(doc.sdk_app_id, VECTOR_APPID);
    assert_eq!(info.expires_at, doc.time.saturating_add(doc.expire));
    // Sign the same fields again: it must verify and decode to the same document. (Only
    // expiries `generate` accepts can round-trip; a foreign generator may sign others.)
    let user_buf = info.user_buf.clone();
    let Ok(again) = generate(&SignRequest {
        sdk_app_id: doc.sdk_app_id,
        secret_key: VECTOR_KEY,
        identifier: &doc.identifier,
        expire_seconds: doc.expire,
        user_buf: user_buf.as_deref(),
        now: doc.time,
    }) else {
        return;
    };
    let doc2 = decode(&again).expect("our own UserSig decodes");
    assert_eq!(
        (&doc2.identifier, doc2.sdk_app_id, doc2.time, doc2.expire),
        (&doc.identifier, doc.sdk_app_id, doc.time, doc.expire)
    );
    assert!(check(VECTOR_APPID, VECTOR_KEY, &doc.identifier, &again, doc.time).is_ok());
});
