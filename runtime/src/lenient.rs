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

impl<T: FromStr> ValueOrText<T>
where
    T::Err: Display,
{
    fn into_value<E: serde::de::Error>(self) -> Result<T, E> {
        match self {
            Self::Value(value) => Ok(value),
            Self::Text(text) => text
                .trim()
                .parse()
                .map_err(|error| E::custom(format_args!("`{text}` is not a valid value: {error}"))),
        }
    }
}

/// A `T`, or a string that parses as one (`"1.0"` for `1.0`).
pub fn from_str_or_value<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + Deserialize<'de>,
    T::Err: Display,
{
    ValueOrText::<T>::deserialize(deserializer)?.into_value()
}

/// An optional `T`, or a string that parses as one.
pub fn option_from_str_or_value<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + Deserialize<'de>,
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
    }
}
