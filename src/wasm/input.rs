//! Reading caller-supplied JS values into Rust, defensively: wrong types, NaN, fractions,
//! negative numbers, throwing getters and absurd sizes all become `invalid_input` errors
//! that name the field. Nothing here trusts the shape of what JS hands us.

use js_sys::{JsString, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use chat_recall_core::error::{RecallError, Result};

/// Longest string accepted for any single field (webhook bodies have their own cap).
pub const MAX_STRING_BYTES: usize = 64 * 1024;
/// The largest integer a JS number holds exactly.
pub const MAX_SAFE_INTEGER: u64 = (1u64 << 53) - 1;

/// Describe a JS value's type for messages ("a string", "null", "NaN").
pub fn type_name(v: &JsValue) -> String {
    if v.is_undefined() {
        "undefined".into()
    } else if v.is_null() {
        "null".into()
    } else if let Some(n) = v.as_f64() {
        // No float formatting here: it would pull ~15 KB of formatting code into the wasm.
        if n.is_nan() {
            "NaN".into()
        } else if n.is_infinite() {
            "an infinite number".into()
        } else {
            "a number".into()
        }
    } else if v.is_string() {
        "a string".into()
    } else if v.is_bigint() {
        "a bigint".into()
    } else if v.as_bool().is_some() {
        "a boolean".into()
    } else if js_sys::Array::is_array(v) {
        "an array".into()
    } else if v.is_function() {
        "a function".into()
    } else {
        "an object".into()
    }
}

fn wrong(field: &str, expected: &str, got: &JsValue) -> RecallError {
    RecallError::invalid_input(field, format!("must be {expected}, got {}", type_name(got)))
}

/// An options object (`{...}`), not null, not an array.
pub struct Opts {
    obj: Object,
    /// Prefix for field names in messages, e.g. "" or "options.".
    prefix: &'static str,
}

impl Opts {
    pub fn new(v: &JsValue, what: &str) -> Result<Opts> {
        if !v.is_object() || js_sys::Array::is_array(v) || v.is_function() {
            return Err(wrong(what, "an object", v));
        }
        Ok(Opts {
            obj: v.clone().unchecked_into(),
            prefix: "",
        })
    }

    /// The raw value of a property; a throwing getter becomes an error, not a JS exception.
    pub fn get(&self, name: &str) -> Result<JsValue> {
        Reflect::get(&self.obj, &JsValue::from_str(name))
            .map_err(|_| RecallError::invalid_input(&self.field(name), "could not be read"))
    }

    fn field(&self, name: &str) -> String {
        format!("{}{}", self.prefix, name)
    }

    fn present(&self, name: &str) -> Result<Option<JsValue>> {
        let v = self.get(name)?;
        Ok(if v.is_undefined() || v.is_null() {
            None
        } else {
            Some(v)
        })
    }

    pub fn string(&self, name: &str) -> Result<String> {
        let v = self.get(name)?;
        if v.is_undefined() || v.is_null() {
            return Err(RecallError::invalid_input(&self.field(name), "is required"));
        }
        to_string(&self.field(name), &v)
    }

    pub fn opt_string(&self, name: &str) -> Result<Option<String>> {
        match self.present(name)? {
            None => Ok(None),
            Some(v) => to_string(&self.field(name), &v).map(Some),
        }
    }

    /// An integer in `min..=max` (both within the safe-integer range).
    pub fn int(&self, name: &str, min: u64, max: u64) -> Result<u64> {
        let v = self.get(name)?;
        if v.is_undefined() || v.is_null() {
            return Err(RecallError::invalid_input(&self.field(name), "is required"));
        }
        to_int(&self.field(name), &v, min, max)
    }

    pub fn opt_int(&self, name: &str, min: u64, max: u64) -> Result<Option<u64>> {
        match self.present(name)? {
            None => Ok(None),
            Some(v) => to_int(&self.field(name), &v, min, max).map(Some),
        }
    }

    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>> {
        match self.present(name)? {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| wrong(&self.field(name), "a boolean", &v)),
        }
    }

    /// Bytes given as a string (UTF-8), Uint8Array, ArrayBuffer or other ArrayBuffer view.
    pub fn opt_bytes(&self, name: &str, max: usize) -> Result<Option<Vec<u8>>> {
        match self.present(name)? {
            None => Ok(None),
            Some(v) => to_bytes(&self.field(name), &v, max).map(Some),
        }
    }

    pub fn bytes(&self, name: &str, max: usize) -> Result<Vec<u8>> {
        self.opt_bytes(name, max)?
            .ok_or_else(|| RecallError::invalid_input(&self.field(name), "is required"))
    }
}

/// Refuse a JS string with a lone surrogate: converting it to UTF-8 turns the surrogate into
/// U+FFFD, so we would send, sign or verify a different string than the caller gave. Only a
/// converted string holding U+FFFD can have had one, so the slower check runs only then.
fn check_unicode(field: &str, v: &JsValue, s: &str) -> Result<()> {
    let has_replacement = s.as_bytes().windows(3).any(|w| w == [0xEF, 0xBF, 0xBD]);
    if has_replacement && !v.unchecked_ref::<JsString>().is_valid_utf16() {
        return Err(RecallError::invalid_input(
            field,
            "contains a lone surrogate (not valid Unicode)",
        ));
    }
    Ok(())
}

pub fn to_string(field: &str, v: &JsValue) -> Result<String> {
    let s = v.as_string().ok_or_else(|| wrong(field, "a string", v))?;
    check_unicode(field, v, &s)?;
    if s.len() > MAX_STRING_BYTES {
        return Err(RecallError::invalid_input(
            field,
            format!("is longer than {MAX_STRING_BYTES} bytes"),
        ));
    }
    Ok(s)
}

/// A JS number (finite, whole, non-negative) or bigint as an integer in `min..=max`.
pub fn to_int(field: &str, v: &JsValue, min: u64, max: u64) -> Result<u64> {
    let range =
        || RecallError::invalid_input(field, format!("must be an integer in {min}..={max}"));
    let n = if let Some(f) = v.as_f64() {
        if !f.is_finite() || f.fract() != 0.0 {
            return Err(RecallError::invalid_input(
                field,
                format!("must be a whole number, got {}", type_name(v)),
            ));
        }
        if f < 0.0 || f > MAX_SAFE_INTEGER as f64 {
            return Err(range());
        }
        f as u64
    } else if v.is_bigint() {
        let s = js_string(v);
        s.parse::<u64>().map_err(|_| range())?
    } else {
        return Err(wrong(field, "a number", v));
    };
    if n < min || n > max {
        return Err(range());
    }
    Ok(n)
}

/// `String(v)` without going through user-defined `toString` for non-primitive values.
pub fn js_string(v: &JsValue) -> String {
    if let Some(b) = v.dyn_ref::<js_sys::BigInt>() {
        return b
            .to_string(10)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default();
    }
    v.as_string().unwrap_or_default()
}

pub fn to_bytes(field: &str, v: &JsValue, max: usize) -> Result<Vec<u8>> {
    let too_long = || RecallError::invalid_input(field, format!("is longer than {max} bytes"));
    if let Some(s) = v.as_string() {
        if s.len() > max {
            return Err(too_long());
        }
        check_unicode(field, v, &s)?;
        return Ok(s.into_bytes());
    }
    let arr = if let Some(a) = v.dyn_ref::<Uint8Array>() {
        a.clone()
    } else if let Some(b) = v.dyn_ref::<js_sys::ArrayBuffer>() {
        Uint8Array::new(b)
    } else if let Some(view) = v.dyn_ref::<js_sys::DataView>() {
        Uint8Array::new_with_byte_offset_and_length(
            &view.buffer(),
            view.byte_offset() as u32,
            view.byte_length() as u32,
        )
    } else if js_sys::ArrayBuffer::is_view(v) {
        let view: &js_sys::Uint8Array = v.unchecked_ref();
        // Any typed array: reinterpret its bytes.
        let buf = Reflect::get(v, &"buffer".into())
            .ok()
            .and_then(|b| b.dyn_into::<js_sys::ArrayBuffer>().ok());
        match buf {
            Some(b) => Uint8Array::new_with_byte_offset_and_length(
                &b,
                view.byte_offset(),
                view.byte_length(),
            ),
            None => return Err(wrong(field, "a string, Uint8Array or ArrayBuffer", v)),
        }
    } else {
        return Err(wrong(field, "a string, Uint8Array or ArrayBuffer", v));
    };
    if arr.length() as usize > max {
        return Err(too_long());
    }
    Ok(arr.to_vec())
}

/// Seconds since the Unix epoch from the JS clock: the only clock the library reads.
pub fn now_seconds() -> u64 {
    (js_sys::Date::now() / 1000.0).floor().max(0.0) as u64
}
