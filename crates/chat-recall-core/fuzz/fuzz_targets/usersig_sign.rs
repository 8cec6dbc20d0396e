//! `usersig::generate` from arbitrary fields: whatever it signs verifies with the same key at
//! the signing time, decodes to the same fields, and fails with any other key.
#![no_main]

use chat_recall_core::usersig::{check, decode, generate, Rejection, SignRequest};
use chat_recall_core_fuzz::{VECTOR_APPID, VECTOR_KEY};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, u64, u64, Option<&[u8]>)| {
    let (identifier, time, expire, user_buf) = input;
    let Ok(sig) = generate(&SignRequest {
        sdk_app_id: VECTOR_APPID,
        secret_key: VECTOR_KEY,
        identifier,
        expire_seconds: expire,
        user_buf,
        now: time,
    }) else {
        return;
    };
    let doc = decode(&sig).expect("our own UserSig decodes");
    assert_eq!(doc.identifier, identifier);
    assert_eq!(
        (doc.sdk_app_id, doc.time, doc.expire),
        (VECTOR_APPID, time, expire)
    );
    let info = check(VECTOR_APPID, VECTOR_KEY, identifier, &sig, time).expect("verifies");
    assert_eq!(info.user_buf.as_deref(), user_buf);
    let wrong = check(VECTOR_APPID, "another-key", identifier, &sig, time);
    assert!(matches!(wrong, Err((Rejection::BadSignature, _))));
});
