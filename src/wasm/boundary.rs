//! The one place where values cross between JavaScript and Rust.
//!
//! Reading is two steps:
//! 1. [`snapshot`]: copy the caller's object into a fresh null-prototype object holding only
//!    the fields the target type names, read as *own* properties (a polluted
//!    `Object.prototype` is never consulted). Every JS access here is a `catch` binding, so a
//!    throwing getter, a generator that throws mid-way, a revoked Proxy or a detached
//!    ArrayBuffer becomes an `invalid_input` error naming the field; no JS exception ever
//!    unwinds through wasm frames (that would leak the wasm stack). Sizes are checked on the
//!    JS side (string `.length`, `byteLength`, array `length`, iteration count) *before*
//!    anything is copied into wasm memory, and iteration stops at the cap.
//! 2. serde-wasm-bindgen deserializes the snapshot (plain data: primitives, fresh arrays,
//!    fresh Uint8Arrays, functions) into `#[derive(Deserialize)]` types; serde_path_to_error
//!    gives the failing field's path (`msgSeqs[3]`). The value types below ([`Int`],
//!    [`MsgSeq`], [`Bytes`]) carry the rules: no NaN, no fractions, no negatives, nothing
//!    above 2^53-1, MsgSeqs as numbers, bigints or decimal strings.
//!
//! Writing goes through serde-wasm-bindgen's serializer, which refuses integers a JS number
//! cannot hold exactly (> 2^53-1) instead of rounding them; [`to_js`] names the field.

use std::fmt;

use js_sys::{Function, JsString, Object, Reflect, Uint8Array};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use chat_recall_core::error::{ErrorKind, RecallError, Result};
use chat_recall_core::limits::MAX_SAFE_INTEGER;
use chat_recall_core::requests;

/// Longest string accepted for any field, in UTF-16 code units (what JS `.length` counts);
/// checked before the string is copied into wasm. Fields have tighter rules of their own.
pub const MAX_STRING_UNITS: u32 = 64 * 1024;
/// Largest byte array (Uint8Array, ArrayBuffer, other views) accepted for any field,
/// checked on `byteLength` before copying. Webhook bodies are capped at this size.
pub const MAX_BYTES: u32 = chat_recall_core::limits::MAX_CALLBACK_BODY_BYTES as u32;
/// Most entries read from an array or iterable (MsgSeqs: 100,000 requests' worth, about
/// 8 minutes at 200 requests/s). An endless iterable is stopped here, while iterating.
pub const MAX_SEQS_PER_CALL: u32 = 1_000_000;

#[wasm_bindgen(module = "/src/wasm/boundary.js")]
extern "C" {
    /// The marker the helpers return when reading threw.
    #[wasm_bindgen(thread_local_v2, js_name = FAILED)]
    static FAILED: JsValue;
    /// `obj[key]` if own, else undefined; FAILED if reading threw.
    #[wasm_bindgen(js_name = ownGet)]
    fn own_get(obj: &JsValue, key: &str) -> JsValue;
    /// `Array.isArray`, false where it would throw (a revoked Proxy).
    #[wasm_bindgen(js_name = isArraySafe)]
    fn is_array(v: &JsValue) -> bool;
    /// A fresh array of plain values (at most `cap`), null if not a sequence, or a code:
    /// -1 unreadable, -2 too many, `i + 1` element `i` threw.
    #[wasm_bindgen(js_name = copyList)]
    fn copy_list(v: &JsValue, cap: u32) -> JsValue;
    /// A Uint8Array over `v`'s bytes (at most `max`), null if not bytes, or a code:
    /// -1 unreadable (detached), -2 too long.
    #[wasm_bindgen(js_name = bytesOf)]
    fn bytes_of(v: &JsValue, max: u32) -> JsValue;
}

/// What the helpers' negative codes mean.
const UNREADABLE: f64 = -1.0;
const TOO_MANY: f64 = -2.0;

fn failed(v: &JsValue) -> bool {
    v.is_symbol() && FAILED.with(|f| f == v)
}

/// Describe a JS value's type for messages ("a string", "null", "NaN"); never runs JS code.
pub fn type_name(v: &JsValue) -> &'static str {
    if v.is_undefined() {
        "undefined"
    } else if v.is_null() {
        "null"
    } else if let Some(n) = v.as_f64() {
        if n.is_nan() {
            "NaN"
        } else if n.is_infinite() {
            "an infinite number"
        } else {
            "a number"
        }
    } else if v.is_string() {
        "a string"
    } else if v.is_bigint() {
        "a bigint"
    } else if v.as_bool().is_some() {
        "a boolean"
    } else if v.is_function() {
        "a function"
    } else if v.is_symbol() {
        "a symbol"
    } else {
        "an object"
    }
}

fn unreadable(field: &str) -> RecallError {
    RecallError::invalid_input(field, "could not be read (it threw)")
}

/// An own property, read with exceptions caught.
fn get_own(obj: &JsValue, field: &str) -> Result<JsValue> {
    let v = own_get(obj, field);
    if failed(&v) {
        return Err(unreadable(field));
    }
    Ok(v)
}

/// Read `value` (the caller's options or arguments object, `name` in messages) into `T`.
pub fn read<T: DeserializeOwned>(value: &JsValue, name: &str) -> Result<T> {
    read_with(value, name, Fields::default())
}

/// How the snapshot treats particular fields.
#[derive(Clone, Copy, Default)]
pub struct Fields<'a> {
    /// Objects passed through untouched (AbortSignals: the driver reads them in try/catch).
    pub opaque: &'a [&'a str],
    /// Read as sequences first (a typed array of MsgSeqs is a list, not bytes).
    pub lists: &'a [&'a str],
}

/// [`read`], with some fields treated as `fields` says.
pub fn read_with<T: DeserializeOwned>(value: &JsValue, name: &str, fields: Fields) -> Result<T> {
    let snap = snapshot(value, name, field_names::<T>(), fields)?;
    serde_path_to_error::deserialize(serde_wasm_bindgen::Deserializer::from(snap))
        .map_err(|e| de_error(name, e))
}

/// serde's messages quote the offending value (`invalid type: string "…", expected …`); the
/// value may be a secret given in the wrong field, so the message names its type only.
fn without_quoted_value(msg: &str) -> String {
    for kind in ["invalid type: string \"", "invalid value: string \""] {
        if let Some(rest) = msg.strip_prefix(kind) {
            let head = kind.trim_end_matches(" string \"");
            return match rest.rfind("\", expected") {
                Some(end) => format!("{head} a string{}", &rest[end + 1..]),
                None => format!("{head} a string"),
            };
        }
    }
    msg.to_owned()
}

fn de_error(name: &str, e: serde_path_to_error::Error<serde_wasm_bindgen::Error>) -> RecallError {
    let path = e.path().to_string();
    let msg = e.into_inner().to_string();
    // serde-wasm-bindgen's errors are JS Errors; their text starts with "Error: ".
    let msg = msg
        .strip_prefix("Error: ")
        .map(str::to_owned)
        .unwrap_or(msg);
    let msg = without_quoted_value(&msg);
    // serde says "missing field `x`" at the parent; name the field itself.
    if let Some(field) = msg
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        return RecallError::invalid_input(field, "is required");
    }
    let field = if path == "." { name } else { path.as_str() };
    RecallError::invalid_input(field, msg)
}

/// Copy the listed own properties of `value` into a fresh null-prototype object.
fn snapshot(value: &JsValue, name: &str, fields: &[&str], kinds: Fields) -> Result<JsValue> {
    let is_arr = is_array(value);
    if !value.is_object() || value.is_function() || is_arr {
        return Err(RecallError::invalid_input(
            name,
            format!(
                "must be an object, got {}",
                if is_arr { "an array" } else { type_name(value) }
            ),
        ));
    }
    let out: Object = Object::create(JsValue::NULL.unchecked_ref());
    for &field in fields {
        // Own properties only: absent own property = absent, whatever the prototype says.
        let v = get_own(value, field)?;
        let clean = if kinds.opaque.contains(&field) && v.is_object() {
            Some(v)
        } else if kinds.lists.contains(&field) && v.is_object() {
            match sequence(field, &v)? {
                Some(list) => Some(list.into()),
                None => snapshot_value(field, &v)?,
            }
        } else {
            snapshot_value(field, &v)?
        };
        if let Some(clean) = clean {
            // A data property on a fresh null-prototype object: cannot throw.
            let _ = Reflect::set(&out, &JsValue::from_str(field), &clean);
        }
    }
    Ok(out.into())
}

/// One field's value as plain data; `None` for undefined and null (an absent field).
fn snapshot_value(field: &str, v: &JsValue) -> Result<Option<JsValue>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if let Some(s) = v.dyn_ref::<JsString>() {
        if s.length() > MAX_STRING_UNITS {
            return Err(too_long(field, MAX_STRING_UNITS));
        }
        // A lone surrogate would become U+FFFD on the way into Rust, so we would send, sign
        // or verify a different string than the caller gave: refuse it instead.
        if !s.is_valid_utf16() {
            return Err(RecallError::invalid_input(
                field,
                "contains a lone surrogate (not valid Unicode)",
            ));
        }
        return Ok(Some(v.clone()));
    }
    if !v.is_object() || v.is_function() {
        // Numbers, bigints, booleans, symbols, functions: nothing to read inside.
        return Ok(Some(v.clone()));
    }
    if let Some(bytes) = byte_view(field, v)? {
        return Ok(Some(bytes.into()));
    }
    if let Some(list) = sequence(field, v)? {
        return Ok(Some(list.into()));
    }
    // Any other object: an empty stand-in, so the type check reports "an object" without
    // reading the caller's object (which may be a Proxy).
    Ok(Some(Object::new().into()))
}

fn too_long(field: &str, max: u32) -> RecallError {
    RecallError::invalid_input(field, format!("is longer than {max}"))
}

/// An ArrayBuffer or ArrayBuffer view as a Uint8Array over the same bytes, after checking
/// `byteLength` (nothing is copied into wasm here). Not bytes: `None`.
fn byte_view(field: &str, v: &JsValue) -> Result<Option<Uint8Array>> {
    let r = bytes_of(v, MAX_BYTES);
    match r.as_f64() {
        None if r.is_null() => Ok(None),
        None => Ok(Some(r.unchecked_into())),
        Some(TOO_MANY) => Err(RecallError::invalid_input(
            field,
            format!("is longer than {MAX_BYTES} bytes"),
        )),
        Some(_) => Err(RecallError::invalid_input(
            field,
            "could not be read (detached or not a buffer)",
        )),
    }
}

/// An array or other iterable as a fresh Array of plain values, reading at most
/// [`MAX_SEQS_PER_CALL`] entries (an endless iterable stops there). Not a sequence: `None`.
fn sequence(field: &str, v: &JsValue) -> Result<Option<Object>> {
    let r = copy_list(v, MAX_SEQS_PER_CALL);
    match r.as_f64() {
        None if r.is_null() => Ok(None),
        None => Ok(Some(r.unchecked_into())),
        Some(TOO_MANY) => Err(RecallError::invalid_input(
            field,
            format!("has more than {MAX_SEQS_PER_CALL} entries"),
        )),
        Some(UNREADABLE) => Err(unreadable(field)),
        Some(i) => Err(unreadable(&format!("{field}[{}]", i as u64 - 1))),
    }
}

/// The field names a derived `Deserialize` struct asks for, captured by a deserializer
/// that only records them. The snapshot reads exactly these properties.
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Capture<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Capture<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(
            self,
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("captured"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Capture(&mut fields));
    fields
}

/// A whole number in `MIN..=MAX` (both within 2^53-1), given as a number or a bigint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Int<const MIN: u64, const MAX: u64>(pub u64);

impl<'de, const MIN: u64, const MAX: u64> Deserialize<'de> for Int<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<const MIN: u64, const MAX: u64>;
        impl<const MIN: u64, const MAX: u64> V<MIN, MAX> {
            fn check<E: de::Error>(n: u64) -> std::result::Result<Int<MIN, MAX>, E> {
                if (MIN..=MAX).contains(&n) {
                    Ok(Int(n))
                } else {
                    Err(E::custom(format_args!(
                        "must be an integer in {MIN}..={MAX}"
                    )))
                }
            }
        }
        impl<const MIN: u64, const MAX: u64> Visitor<'_> for V<MIN, MAX> {
            type Value = Int<MIN, MAX>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a whole number in {MIN}..={MAX}")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> std::result::Result<Self::Value, E> {
                Self::check(n)
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> std::result::Result<Self::Value, E> {
                Self::check(
                    u64::try_from(n).map_err(|_| {
                        E::custom(format_args!("must be an integer in {MIN}..={MAX}"))
                    })?,
                )
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> std::result::Result<Self::Value, E> {
                // serde-wasm-bindgen hands safe integers to visit_i64; what lands here is
                // NaN, infinite, fractional or beyond 2^53-1.
                if n.is_finite() && n.fract() == 0.0 {
                    Err(E::custom(format_args!(
                        "must be an integer in {MIN}..={MAX}"
                    )))
                } else {
                    Err(E::custom(format_args!(
                        "must be a whole number, got {}",
                        if n.is_nan() {
                            "NaN"
                        } else if n.is_infinite() {
                            "an infinite number"
                        } else {
                            "a fraction"
                        }
                    )))
                }
            }
        }
        d.deserialize_any(V::<MIN, MAX>)
    }
}

/// Seconds since the Unix epoch, as callers pass `now`.
pub type UnixSeconds = Int<0, { u32::MAX as u64 * 4 }>;
/// An SDKAppID, in the core's range.
pub type SdkAppId =
    Int<{ chat_recall_core::limits::SdkAppId::MIN }, { chat_recall_core::limits::SdkAppId::MAX }>;

/// A MsgSeq given as a number, a bigint or a decimal string; 1..=2^53-1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsgSeq(pub u64);

impl<'de> Deserialize<'de> for MsgSeq {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        fn core<E: de::Error>(r: Result<u64>) -> std::result::Result<MsgSeq, E> {
            // The core's message starts with the (empty) field name; the path names it.
            r.map(MsgSeq)
                .map_err(|e| E::custom(e.info.trim_start_matches(": ")))
        }
        impl Visitor<'_> for V {
            type Value = MsgSeq;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a MsgSeq: a number, bigint or decimal string")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> std::result::Result<MsgSeq, E> {
                core(requests::check_msg_seq("", n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> std::result::Result<MsgSeq, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::custom("must be a positive integer")),
                }
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> std::result::Result<MsgSeq, E> {
                msg_seq_from_number(n).map(MsgSeq).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<MsgSeq, E> {
                core(requests::parse_msg_seq("", s))
            }
        }
        d.deserialize_any(V)
    }
}

/// The MsgSeqs of a call, from the snapshot's copy (kept as a JS value with `preserve`).
/// All numbers arrive as one Float64Array (a fast path: one copy into wasm, checked here
/// element by element with the same rules); anything else goes through serde as `Vec<MsgSeq>`.
pub fn msg_seqs(v: JsValue) -> Result<Vec<u64>> {
    const FIELD: &str = "msgSeqs";
    if v.is_undefined() || v.is_null() {
        return Err(RecallError::invalid_input(FIELD, "is required"));
    }
    let seqs: Vec<u64> = if let Some(numbers) = v.dyn_ref::<js_sys::Float64Array>() {
        let numbers = numbers.to_vec();
        let mut out = Vec::with_capacity(numbers.len());
        for (i, n) in numbers.into_iter().enumerate() {
            out.push(
                msg_seq_from_number(n)
                    .map_err(|m| RecallError::invalid_input(&format!("{FIELD}[{i}]"), m))?,
            );
        }
        out
    } else {
        let seqs: Vec<MsgSeq> = serde_path_to_error::deserialize(
            serde_wasm_bindgen::Deserializer::from(v),
        )
        .map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." {
                FIELD.to_string()
            } else {
                format!("{FIELD}{path}")
            };
            RecallError::invalid_input(&field, e.into_inner().to_string())
        })?;
        seqs.into_iter().map(|s| s.0).collect()
    };
    if seqs.is_empty() {
        return Err(RecallError::invalid_input(FIELD, "must not be empty"));
    }
    Ok(seqs)
}

/// A MsgSeq given as a JS number: whole, 1..=2^53-1.
fn msg_seq_from_number(n: f64) -> std::result::Result<u64, String> {
    if !(n.is_finite() && n.fract() == 0.0 && n >= 1.0) {
        return Err("must be a positive whole number".into());
    }
    if n > MAX_SAFE_INTEGER as f64 {
        return Err("must be at most 2^53-1 (9007199254740991)".into());
    }
    Ok(n as u64)
}

/// Bytes given as a string (UTF-8) or bytes (Uint8Array, ArrayBuffer, any view).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, Uint8Array or ArrayBuffer")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Bytes, E> {
                Ok(Bytes(s.as_bytes().to_vec()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> std::result::Result<Bytes, E> {
                Ok(Bytes(s.into_bytes()))
            }
            fn visit_bytes<E: de::Error>(self, b: &[u8]) -> std::result::Result<Bytes, E> {
                Ok(Bytes(b.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, b: Vec<u8>) -> std::result::Result<Bytes, E> {
                Ok(Bytes(b))
            }
        }
        d.deserialize_any(V)
    }
}

/// A JS value kept as is (functions, AbortSignals): `#[serde(default, with = "preserve")]`.
pub use serde_wasm_bindgen::preserve;

/// A JS function field (absent = `None`).
pub fn function(field: &str, v: JsValue) -> Result<Option<Function>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<Function>().map(Some).map_err(|v| {
        RecallError::invalid_input(field, format!("must be a function, got {}", type_name(&v)))
    })
}

/// A Rust value as a plain JS value (objects, not Maps). An integer above 2^53-1 is refused
/// with an error of `kind` naming the field, never rounded.
pub fn to_js<T: Serialize + ?Sized>(value: &T, kind: ErrorKind) -> Result<JsValue> {
    const SER: serde_wasm_bindgen::Serializer =
        serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    serde_path_to_error::serialize(value, &SER).map_err(|e| {
        let path = e.path().to_string();
        RecallError::new(
            kind,
            format!(
                "{path}: {} (a JS number cannot hold it exactly)",
                e.into_inner()
            ),
        )
    })
}

/// Check that a result's integer is one a JS number holds exactly; `field` names it.
pub fn safe_int(kind: ErrorKind, field: impl FnOnce() -> String, n: u64) -> Result<()> {
    if n > MAX_SAFE_INTEGER {
        return Err(RecallError::new(
            kind,
            format!(
                "{}: {n} is above 2^53-1 and cannot be represented exactly as a JS number",
                field()
            ),
        ));
    }
    Ok(())
}
