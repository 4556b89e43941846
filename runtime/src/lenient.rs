//! Leniencies a spec may declare (`accept: [string]`): a value that arrives as a
//! JSON string holding it. Used through `deserialize_with` in generated code.

use std::fmt::Display;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum ValueOrText<T> {
    Value(T),
    Text(String),
}

/// A value a provider may send as text: what counts as a valid one.
pub trait Lenient: FromStr + Sized {
    /// Whether a parsed value is one the claim can hold (`"NaN"` parses as an f64,
    /// but no provider means it).
    fn acceptable(&self) -> bool {
        true
    }
}

impl Lenient for f64 {
    fn acceptable(&self) -> bool {
        self.is_finite()
    }
}
impl Lenient for f32 {
    fn acceptable(&self) -> bool {
        self.is_finite()
    }
}
impl Lenient for i64 {}
impl Lenient for i32 {}
impl Lenient for u64 {}
impl Lenient for u32 {}
impl Lenient for bool {}

impl<T: Lenient> ValueOrText<T>
where
    T::Err: Display,
{
    fn into_value<E: serde::de::Error>(self) -> Result<T, E> {
        let value = match self {
            Self::Value(value) => value,
            Self::Text(text) => text.trim().parse().map_err(|error| {
                E::custom(format_args!("`{text}` is not a valid value: {error}"))
            })?,
        };
        if value.acceptable() {
            Ok(value)
        } else {
            Err(E::custom("the value is not a finite number"))
        }
    }
}

/// A `T`, or a string that parses as one (`"1.0"` for `1.0`).
pub fn from_str_or_value<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Lenient + Deserialize<'de>,
    T::Err: Display,
{
    ValueOrText::<T>::deserialize(deserializer)?.into_value()
}

/// An optional `T`, or a string that parses as one.
pub fn option_from_str_or_value<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Lenient + Deserialize<'de>,
    T::Err: Display,
{
    Option::<ValueOrText<T>>::deserialize(deserializer)?
        .map(ValueOrText::into_value)
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Claims {
        #[serde(default, deserialize_with = "option_from_str_or_value")]
        confidence: Option<f64>,
        #[serde(deserialize_with = "from_str_or_value")]
        expires_in: u64,
    }

    #[test]
    fn accepts_both_forms() {
        let c: Claims = serde_json::from_str(r#"{"confidence":"1.0","expires_in":"300"}"#).unwrap();
        assert_eq!((c.confidence, c.expires_in), (Some(1.0), 300));
        let c: Claims = serde_json::from_str(r#"{"confidence":0.7,"expires_in":60}"#).unwrap();
        assert_eq!((c.confidence, c.expires_in), (Some(0.7), 60));
        let c: Claims = serde_json::from_str(r#"{"expires_in":1}"#).unwrap();
        assert_eq!(c.confidence, None);
        assert!(serde_json::from_str::<Claims>(r#"{"confidence":"high","expires_in":1}"#).is_err());
        for not_finite in ["NaN", "inf", "-infinity", "1e400"] {
            let body = format!(r#"{{"confidence":"{not_finite}","expires_in":1}}"#);
            assert!(
                serde_json::from_str::<Claims>(&body).is_err(),
                "{not_finite}"
            );
        }
    }
}
