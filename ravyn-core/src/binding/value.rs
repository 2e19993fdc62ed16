//! Serde deserializers for values that arrive as text (path segments, query and form values)
//! or not at all.

use serde::de::{self, DeserializeSeed, IntoDeserializer, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use std::fmt;

/// Why a value could not be bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    /// No value was given and the argument is not an `Option`.
    Missing,
    /// The value was given but is not of the expected form.
    Invalid(String),
}

impl ValueError {
    pub(crate) fn custom_from(error: &dyn fmt::Display) -> Self {
        ValueError::Invalid(error.to_string())
    }

    pub(crate) fn describe(self) -> (&'static str, String) {
        match self {
            ValueError::Missing => ("missing", "Field required".to_owned()),
            ValueError::Invalid(message) => ("parsing", message),
        }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::Missing => f.write_str("Field required"),
            ValueError::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ValueError {}

impl de::Error for ValueError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ValueError::Invalid(msg.to_string())
    }
}

/// A value that was not given: `Option<T>` becomes `None`, anything else fails with
/// [`ValueError::Missing`].
#[derive(Debug, Clone, Copy)]
pub struct MissingValue;

impl<'de> de::Deserializer<'de> for MissingValue {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ValueError> {
        Err(ValueError::Missing)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_none()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// One value given as text, parsed into whatever type asks for it.
#[derive(Debug, Clone, Copy)]
pub struct StrValue<'a> {
    raw: &'a str,
}

impl<'a> StrValue<'a> {
    /// Wraps `raw`.
    pub fn new(raw: &'a str) -> Self {
        StrValue { raw }
    }

    fn parse<T: std::str::FromStr>(self, expected: &str) -> Result<T, ValueError>
    where
        T::Err: fmt::Display,
    {
        self.raw
            .parse::<T>()
            .map_err(|e| ValueError::Invalid(format!("Input should be a valid {expected}: {e} (got {:?})", self.raw)))
    }
}

macro_rules! parse_number {
    ($($method:ident => $ty:ty, $visit:ident, $expected:literal;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
                visitor.$visit(self.parse::<$ty>($expected)?)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for StrValue<'de> {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_borrowed_str(self.raw)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        // Ravyn (and HTML forms) spell booleans in several ways.
        match self.raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => visitor.visit_bool(true),
            "false" | "0" | "no" | "off" => visitor.visit_bool(false),
            _ => Err(ValueError::Invalid(format!("Input should be a valid boolean (got {:?})", self.raw))),
        }
    }

    parse_number! {
        deserialize_i8 => i8, visit_i8, "integer";
        deserialize_i16 => i16, visit_i16, "integer";
        deserialize_i32 => i32, visit_i32, "integer";
        deserialize_i64 => i64, visit_i64, "integer";
        deserialize_i128 => i128, visit_i128, "integer";
        deserialize_u8 => u8, visit_u8, "integer";
        deserialize_u16 => u16, visit_u16, "integer";
        deserialize_u32 => u32, visit_u32, "integer";
        deserialize_u64 => u64, visit_u64, "integer";
        deserialize_u128 => u128, visit_u128, "integer";
        deserialize_f32 => f32, visit_f32, "number";
        deserialize_f64 => f64, visit_f64, "number";
        deserialize_char => char, visit_char, "character";
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_seq(One { value: Some(self.raw) })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_enum(self.raw.into_deserializer())
    }

    forward_to_deserialize_any! {
        str string bytes byte_buf unit_struct tuple tuple_struct map struct identifier ignored_any
    }
}

/// Every value given for one name (a repeated query key): a sequence takes them all, anything
/// else takes the first.
#[derive(Debug, Clone, Copy)]
pub struct StrValues<'a> {
    values: &'a [&'a str],
}

impl<'a> StrValues<'a> {
    /// Wraps `values`; it should not be empty.
    pub fn new(values: &'a [&'a str]) -> Self {
        StrValues { values }
    }

    fn first(self) -> Result<StrValue<'a>, ValueError> {
        self.values.first().map(|raw| StrValue::new(raw)).ok_or(ValueError::Missing)
    }
}

macro_rules! forward_to_first {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
                self.first()?.$method(visitor)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for StrValues<'de> {
    type Error = ValueError;

    forward_to_first! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64 deserialize_char deserialize_str deserialize_string
        deserialize_bytes deserialize_byte_buf deserialize_unit deserialize_map
        deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_some(self)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, ValueError> {
        self.first()?.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_seq(Values { rest: self.values })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, ValueError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        self.first()?.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        self.first()?.deserialize_enum(name, variants, visitor)
    }
}

struct Values<'a> {
    rest: &'a [&'a str],
}

impl<'de> SeqAccess<'de> for Values<'de> {
    type Error = ValueError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, ValueError> {
        match self.rest.split_first() {
            Some((first, rest)) => {
                self.rest = rest;
                seed.deserialize(StrValue::new(first)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.rest.len())
    }
}

struct One<'a> {
    value: Option<&'a str>,
}

impl<'de> SeqAccess<'de> for One<'de> {
    type Error = ValueError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, ValueError> {
        self.value.take().map(|raw| seed.deserialize(StrValue::new(raw))).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Order {
        Asc,
        Desc,
    }

    #[test]
    fn parses_scalars_from_text() {
        assert_eq!(u64::deserialize(StrValue::new("42")), Ok(42));
        assert_eq!(i32::deserialize(StrValue::new("-7")), Ok(-7));
        assert_eq!(f64::deserialize(StrValue::new("1.5")), Ok(1.5));
        assert_eq!(bool::deserialize(StrValue::new("on")), Ok(true));
        assert_eq!(String::deserialize(StrValue::new("hi")), Ok("hi".to_owned()));
        assert_eq!(Order::deserialize(StrValue::new("desc")), Ok(Order::Desc));
        assert_eq!(Option::<u8>::deserialize(StrValue::new("3")), Ok(Some(3)));
    }

    #[test]
    fn rejects_bad_text_with_a_message() {
        let error = u8::deserialize(StrValue::new("300")).unwrap_err();
        assert!(matches!(&error, ValueError::Invalid(m) if m.contains("integer")), "{error}");
        assert!(bool::deserialize(StrValue::new("maybe")).is_err());
        assert!(Order::deserialize(StrValue::new("sideways")).is_err());
    }

    #[test]
    fn missing_is_none_for_options_and_an_error_otherwise() {
        assert_eq!(Option::<String>::deserialize(MissingValue), Ok(None));
        assert_eq!(String::deserialize(MissingValue), Err(ValueError::Missing));
    }

    #[test]
    fn repeated_values_fill_a_sequence_and_scalars_take_the_first() {
        let values = ["1", "2", "3"];
        assert_eq!(Vec::<u8>::deserialize(StrValues::new(&values)), Ok(vec![1, 2, 3]));
        assert_eq!(u8::deserialize(StrValues::new(&values)), Ok(1));
        assert_eq!(Vec::<u8>::deserialize(StrValue::new("5")), Ok(vec![5]));
        assert_eq!(Option::<Vec<u8>>::deserialize(StrValues::new(&values)), Ok(Some(vec![1, 2, 3])));
    }
}
