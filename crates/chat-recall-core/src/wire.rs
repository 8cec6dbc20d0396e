//! Reading JSON bodies into derived serde types: the leaf types the service's JSON needs
//! beyond serde's own, and one entry point that says *which* field was wrong.
//!
//! Every body the core reads (answers, webhook bodies, UserSig documents) is parsed by
//! serde_json straight into a `#[derive(Deserialize)]` struct of that body: unknown fields are
//! skipped, strings borrow from the input where they can (`Cow<str>`), duplicate members are
//! refused (serde's derive does so: two `ErrorCode`s or `Sign`-like tricks get no second
//! reading), and no integer goes through `f64` (serde_json hands integers over as exact
//! `u64`/`i64`; see [`Int`]).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, value::MapAccessDeserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// An exact integer as the service writes it: a JSON integer (`7`, `-3`) or a decimal string
/// (`"7"`; some answers and callbacks quote their numbers). Fractions, exponents and anything
/// beyond the u64/i64 range are refused: they are never rounded through `f64`.
///
/// The range is checked by the reader ([`Int::as_u64`], [`Int::as_i64`]), so a field's error
/// can say what that field must be ("must be a positive integer").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Int(i128);

/// Longest decimal text accepted for an [`Int`]: a sign and the 20 digits of `u64::MAX`.
const MAX_INT_TEXT: usize = 21;

impl Int {
    /// The value when it is a non-negative integer that fits a u64.
    pub fn as_u64(self) -> Option<u64> {
        u64::try_from(self.0).ok()
    }

    /// The value when it fits an i64.
    pub fn as_i64(self) -> Option<i64> {
        i64::try_from(self.0).ok()
    }

    fn from_text(s: &str) -> Option<Int> {
        let digits = s.strip_prefix('-').unwrap_or(s);
        if s.len() > MAX_INT_TEXT
            || digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        s.parse::<i128>().ok().map(Int)
    }
}

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Int, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Int;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer (a JSON integer or a string of decimal digits)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
                Ok(Int(i128::from(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
                Ok(Int(i128::from(v)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Int, E> {
                Int::from_text(s).ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
            }
        }
        d.deserialize_any(V)
    }
}

/// A 0/1 flag the service may also send as a JSON bool or a quoted number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Flag, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a flag (a bool or a non-negative integer)")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Flag, E> {
                Ok(Flag(v != 0))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Flag, E> {
                match Int::from_text(s).and_then(Int::as_u64) {
                    Some(n) => Ok(Flag(n != 0)),
                    None => Err(E::invalid_value(de::Unexpected::Str(s), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// `T` read from a JSON object, and only from one. (A derived struct would also read a JSON
/// array positionally, `[5, 0]` as `{"MsgSeq":5,"RetCode":0}`; no body of this service is
/// written that way, so it is refused.)
#[derive(Clone, Debug, PartialEq)]
pub struct Object<T>(pub T);

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Object<T>, D::Error> {
        d.deserialize_map(ObjectVisitor(PhantomData)).map(Object)
    }
}

/// `T` when the value is a JSON object, `None` for any other value (which is skipped whole):
/// for list entries whose own fields report the problem with a better name
/// (`MsgSeqList[0].MsgSeq: must be a positive integer` rather than "expected an object").
#[derive(Clone, Debug, PartialEq)]
pub struct IfObject<T>(pub Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for IfObject<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<IfObject<T>, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = IfObject<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|t| IfObject(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(IfObject(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(IfObject(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(IfObject(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(IfObject(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(IfObject(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(IfObject(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(IfObject(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Why a body could not be read into its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyError {
    /// The input ended before the document did (empty, or cut short): a transport fault.
    Truncated,
    /// Not JSON at all (an HTML page from a proxy, trailing garbage).
    Syntax,
    /// JSON, but not a JSON object.
    NotObject,
    /// A member had the wrong type (or was given twice): `path` names it the way JS would
    /// (`RecallRetList[2].MsgSeq`), `problem` is serde's description with the position.
    Field {
        /// Where, like `MsgSeqList[0].MsgSeq`.
        path: String,
        /// What was wrong.
        problem: String,
    },
}

impl BodyError {
    /// `"<path>: <problem>"` for field errors, with `the body` for the document itself.
    pub fn describe(&self) -> String {
        match self {
            BodyError::Truncated => "the body is empty or truncated".into(),
            BodyError::Syntax => "the body is not valid JSON".into(),
            BodyError::NotObject => "the body is not a JSON object".into(),
            BodyError::Field { path, problem } => format!("{path}: {problem}"),
        }
    }
}

/// Parse `body`, a JSON object, into `T` (which borrows from it where it can).
pub fn from_body<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, BodyError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let read = serde_path_to_error::deserialize::<_, Object<T>>(&mut de);
    let err = match read {
        Ok(Object(v)) => match de.end() {
            Ok(()) => return Ok(v),
            Err(_) => return Err(BodyError::Syntax),
        },
        Err(e) => e,
    };
    let is_root = err.path().iter().next().is_none();
    let path = err.path().to_string();
    let inner = err.into_inner();
    // The document's own verdict comes first: a body cut short is "truncated" even when a
    // member before the cut already had the wrong type, and serde_json's skipping of unknown
    // members reports some cut-short numbers as malformed. So on any failure the whole body
    // is read once more as plain JSON (the cold path only).
    match serde_json::from_slice::<serde_json::Value>(body).map_err(|e| e.classify()) {
        Err(serde_json::error::Category::Eof) => return Err(BodyError::Truncated),
        Err(_) => return Err(BodyError::Syntax),
        Ok(_) if inner.is_eof() => return Err(BodyError::Truncated),
        Ok(_) if !inner.is_data() => return Err(BodyError::Syntax),
        Ok(_) => {}
    }
    // A root-level data error is either "not an object" or a duplicated top-level member.
    if is_root && serde_json::from_slice::<Object<IgnoredAny>>(body).is_err() {
        return Err(BodyError::NotObject);
    }
    Err(BodyError::Field {
        path: if is_root { "the body".into() } else { path },
        problem: inner.to_string(),
    })
}

/// A borrowed-or-owned string field (borrowed unless it had escapes).
pub type Text<'a> = Cow<'a, str>;

/// The JSON text of a request body. serde_json fails only on maps with non-string keys or a
/// `Serialize` impl that errors; the body types are plain structs of strings and integers, so
/// this does not fail. Should it ever, the empty body makes the service answer 90001 (bad
/// JSON), a reported error rather than a panic.
pub(crate) fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}
