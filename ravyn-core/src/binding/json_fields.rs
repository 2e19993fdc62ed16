//! A JSON body's top-level fields, each kept as the raw JSON text of its value, borrowed from the
//! body: parsing checks the whole body's syntax once and builds no `Value` tree; an argument then
//! deserializes only its own field's text. (A `serde_json::Value` map of the body cost POST
//! /login about 3,000 instructions per request, most of it hashing keys and allocating the
//! tree, for two fields read once each.)

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The top-level fields of a JSON object body, in body order.
pub(super) struct JsonFields<'r> {
    fields: Vec<(Cow<'r, str>, &'r RawValue)>,
}

impl<'r> JsonFields<'r> {
    /// The fields of `body` when it is a JSON object, `None` when it is valid JSON of another kind,
    /// and serde_json's error when it is not valid JSON.
    pub(super) fn parse(body: &'r [u8]) -> Result<Option<Self>, serde_json::Error> {
        let is_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        if is_object {
            serde_json::from_slice::<JsonFields<'r>>(body).map(Some)
        } else {
            serde_json::from_slice::<&RawValue>(body).map(|_| None)
        }
    }

    /// The raw value of the field `name`; the last one when the body repeats the key, as
    /// `serde_json::Map` keeps it.
    pub(super) fn get(&self, name: &str) -> Option<&'r RawValue> {
        self.fields.iter().rev().find(|(key, _)| key == name).map(|&(_, value)| value)
    }
}

impl<'de> Deserialize<'de> for JsonFields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = JsonFields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(4).min(16));
        while let Some((Key(key), value)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
            fields.push((key, value));
        }
        Ok(JsonFields { fields })
    }
}

/// A key borrowed from the body, or owned when it had escapes to undo.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(key)))
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }
            fn visit_string<E: de::Error>(self, key: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::JsonFields;
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    /// Any JSON value, as text: scalars, and arrays and objects of them a few levels deep.
    fn json_text() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e9f64..1e9).prop_map(Value::from),
            "[a-z\"\\\\é\u{1F600}]{0,4}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                proptest::collection::vec(("[a-z]{1,3}", inner), 0..4)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
        .prop_map(|value| value.to_string())
    }

    fn fields(body: &str) -> Option<Vec<(String, String)>> {
        let parsed = JsonFields::parse(body.as_bytes()).expect("valid JSON")?;
        Some(parsed.fields.iter().map(|(k, v)| (k.to_string(), v.get().to_owned())).collect())
    }

    #[test]
    fn keeps_each_top_level_value_as_its_raw_text() {
        assert_eq!(
            fields(r#" {"email": "a@example.com", "n":[1, {"x":2}], "k\u00e9y":null} "#).unwrap(),
            [
                ("email".to_owned(), r#""a@example.com""#.to_owned()),
                ("n".to_owned(), r#"[1, {"x":2}]"#.to_owned()),
                ("kéy".to_owned(), "null".to_owned()),
            ]
        );
    }

    #[test]
    fn other_json_is_no_fields_and_broken_json_an_error() {
        assert!(fields("[1,2]").is_none());
        assert!(fields(" \"text\"").is_none());
        assert!(JsonFields::parse(b"{\"a\":1").is_err());
        assert!(JsonFields::parse(b"[1,").is_err());
        assert!(JsonFields::parse(b"{\"a\":1} x").is_err());
        assert!(JsonFields::parse(b"").is_err());
    }

    proptest! {
        /// Field by field, what an argument gets is what a `serde_json::Map` of the body held: the
        /// same values under the same keys (the last one for a repeated key), and the same bodies
        /// refused as invalid JSON.
        #[test]
        fn agrees_with_a_serde_json_map(
            pairs in proptest::collection::vec(("[a-c\"\\\\é]{0,3}", json_text()), 0..6),
            spaces in "[ \t\n]{0,2}",
        ) {
            let body = format!(
                "{spaces}{{{}}}",
                pairs.iter().map(|(k, v)| format!("{}{spaces}:{v}", Value::from(k.clone()))).collect::<Vec<_>>().join(",")
            );
            let map: Map<String, Value> = serde_json::from_str(&body).expect("built as JSON");
            let parsed = JsonFields::parse(body.as_bytes()).expect("valid JSON").expect("an object");
            for (key, _) in &pairs {
                let raw = parsed.get(key).expect("every key found");
                let value = serde_json::from_str::<Value>(raw.get()).ok();
                prop_assert_eq!(value.as_ref(), map.get(key));
            }
            prop_assert!(parsed.get("not a key of the body").is_none());
        }

        #[test]
        fn refuses_what_serde_json_refuses(body in "[{}\\[\\]\":, a1]{0,12}") {
            let reference = serde_json::from_str::<Value>(&body);
            let parsed = JsonFields::parse(body.as_bytes());
            prop_assert_eq!(parsed.is_ok(), reference.is_ok(), "{}", body);
            if let Ok(value) = reference {
                prop_assert_eq!(parsed.unwrap().is_some(), value.is_object());
            }
        }
    }
}
