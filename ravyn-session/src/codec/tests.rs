use proptest::prelude::*;
use serde_json::json;

use super::*;

const SECRET: &str = "test-secret-that-is-long-enough-32b";
const T: u64 = 1_700_000_000;
const FORMATS: [CookieFormat; 3] = [CookieFormat::Signed, CookieFormat::Ravyn, CookieFormat::Private];

const VECTOR_SECRET: &str = "demo-secret-key-change-me";
const VECTOR_TIME: u64 = 1_795_627_472;
const VECTOR: &str = "eyJ1c2VyX2lkIjoxLCJlbWFpbCI6ImRlbW9AZXhhbXBsZS5jb20ifQ==.awcZ0A.JR25SXSXM17jaP9mAbP-234qiKY";

fn codec(format: CookieFormat) -> Codec {
    Codec::new(&SessionConfig::new(SECRET).cookie_format(format))
}

fn map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn sample() -> Map<String, Value> {
    map(json!({"user_id": 1, "email": "alice@example.com", "admin": false, "name": "Zoë ✓"}))
}

#[test]
fn round_trip_every_format() {
    for format in FORMATS {
        let codec = codec(format);
        let value = codec.encode(&sample(), T, T - 10).unwrap();
        let decoded = codec.decode(&value, T + 5).unwrap();
        assert_eq!(decoded.data, sample(), "{format}");
        assert_eq!(decoded.issued_at, T, "{format}");
        assert_eq!(decoded.key_index, 0, "{format}");
        let expected_created = if format == CookieFormat::Ravyn { None } else { Some(T - 10) };
        assert_eq!(decoded.created_at, expected_created, "{format}");
        // Insertion order survives, like a Python dict.
        assert_eq!(decoded.data.keys().collect::<Vec<_>>(), ["user_id", "email", "admin", "name"]);
        // Cookie-safe: no characters that would need quoting or percent-encoding.
        let inner = value.trim_matches('"');
        assert!(inner.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.+/=".contains(&b)), "{format}: {value}");
    }
}

#[test]
fn payloads_on_both_sides_of_the_stack_buffer_round_trip() {
    // The signed format's JSON is decoded onto a 512-byte stack buffer when it fits and onto the
    // heap past it; `{"k":"…"}` is 8 bytes of JSON around the filler.
    for json_len in [9, 510, 511, 512, 513, 514, 1_000, 2_900] {
        let data = map(json!({"k": "x".repeat(json_len - 8)}));
        assert_eq!(serde_json::to_vec(&data).unwrap().len(), json_len);
        for format in FORMATS {
            let codec = codec(format);
            let value = codec.encode(&data, T, T).unwrap();
            let decoded = codec.decode(&value, T).unwrap_or_else(|e| panic!("{format}, {json_len} bytes: {e}"));
            assert_eq!(decoded.data, data, "{format}, {json_len} bytes");
        }
    }
}

#[test]
fn empty_and_oversized_values_are_rejected() {
    for format in FORMATS {
        assert_eq!(codec(format).decode("", T), Err(DecodeError::Empty));
        let long = "a".repeat(MAX_COOKIE_VALUE_LEN + 1);
        assert_eq!(codec(format).decode(&long, T), Err(DecodeError::TooLong { len: long.len() }));
    }
}

/// Found by the `session_cookie` fuzz target: a session whose value came out over
/// MAX_COOKIE_VALUE_LEN was encoded, then refused by decode. What encode makes, decode reads.
#[test]
fn a_value_too_long_to_read_back_is_not_made() {
    for format in FORMATS {
        let codec = codec(format);
        let fits = map(json!({"k": "a".repeat(MAX_COOKIE_VALUE_LEN / 2)}));
        let value = codec.encode(&fits, T, T).unwrap();
        assert!(codec.decode(&value, T).is_ok(), "{format:?}");
        let over = map(json!({"k": "a".repeat(MAX_COOKIE_VALUE_LEN)}));
        match codec.encode(&over, T, T) {
            Err(EncodeError::TooLong { len }) => assert!(len > MAX_COOKIE_VALUE_LEN, "{format:?}: {len}"),
            other => panic!("{format:?}: {other:?}"),
        }
    }
}

#[test]
fn signed_layout_is_payload_issued_created_sig() {
    let value = codec(CookieFormat::Signed).encode(&map(json!({"user_id": 1})), T, T - 5).unwrap();
    let parts: Vec<&str> = value.split('.').collect();
    assert_eq!(parts.len(), 4, "{value}");
    assert_eq!(b64url_decode(parts[0]), br#"{"user_id":1}"#);
    assert_eq!(parts[1], T.to_string());
    assert_eq!(parts[2], (T - 5).to_string());
    assert_eq!(parts[3].len(), 43, "HMAC-SHA256 in base64url");
}

fn b64url_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).unwrap()
}

#[test]
fn ravyn_test_vector_encodes() {
    let codec = Codec::new(&SessionConfig::new(VECTOR_SECRET).cookie_format(CookieFormat::Ravyn));
    let data = map(json!({"user_id": 1, "email": "demo@example.com"}));
    assert_eq!(codec.encode(&data, VECTOR_TIME, VECTOR_TIME).unwrap(), format!("\"{VECTOR}\""));
}

#[test]
fn ravyn_test_vector_decodes_quoted_or_not() {
    let codec = Codec::new(&SessionConfig::new(VECTOR_SECRET).cookie_format(CookieFormat::Ravyn));
    for value in [VECTOR.to_owned(), format!("\"{VECTOR}\"")] {
        let decoded = codec.decode(&value, VECTOR_TIME + 10).unwrap();
        assert_eq!(decoded.data, map(json!({"user_id": 1, "email": "demo@example.com"})));
        assert_eq!(decoded.issued_at, VECTOR_TIME);
        assert_eq!(decoded.created_at, None);
    }
    // Half-quoted is not a quoted value: the quote is part of the signed text and breaks it.
    assert!(codec.decode(&format!("\"{VECTOR}"), VECTOR_TIME).is_err());
}

#[test]
fn ravyn_reads_python_style_json_and_writes_utf8() {
    // Python's json.dumps writes ", " / ": " separators and \u escapes.
    let f = ravyn::RavynFormat::new(&crate::KeyRing::new(SECRET, []));
    let value = f.encode(br#"{"user_id": 1, "name": "Zo\u00eb"}"#, T);
    let decoded = codec(CookieFormat::Ravyn).decode(&value, T).unwrap();
    assert_eq!(decoded.data, map(json!({"user_id": 1, "name": "Zoë"})));

    use base64::Engine;
    let ours = codec(CookieFormat::Ravyn).encode(&map(json!({"name": "Zoë"})), T, T).unwrap();
    let payload = ours.trim_matches('"').split('.').next().unwrap();
    let json = base64::engine::general_purpose::STANDARD.decode(payload).unwrap();
    assert_eq!(json, "{\"name\":\"Zoë\"}".as_bytes());
}

#[test]
fn ravyn_timestamp_is_minimal_big_endian() {
    let value = codec(CookieFormat::Ravyn).encode(&Map::new(), 255, 255).unwrap();
    assert_eq!(value.trim_matches('"').split('.').nth(1), Some("_w")); // [0xff]
    let value = codec(CookieFormat::Ravyn).encode(&Map::new(), 256, 256).unwrap();
    assert_eq!(value.trim_matches('"').split('.').nth(1), Some("AQA")); // [0x01, 0x00]
}

#[test]
fn private_hides_the_data_and_uses_fresh_nonces() {
    let codec = codec(CookieFormat::Private);
    let data = map(json!({"secret_note": "launch codes"}));
    let a = codec.encode(&data, T, T).unwrap();
    let b = codec.encode(&data, T, T).unwrap();
    assert_ne!(a, b, "fresh nonce per cookie");
    for value in [&a, &b] {
        let bytes = b64url_decode(value);
        assert!(!bytes.windows(6).any(|w| w == b"launch"), "plaintext leaked");
        assert!(!bytes.windows(8).any(|w| w == T.to_be_bytes()), "timestamp in clear");
        assert_eq!(codec.decode(value, T).unwrap().data, data);
    }
}

#[test]
fn expired_cookies_are_rejected() {
    for format in FORMATS {
        let config = SessionConfig::new(SECRET).cookie_format(format).max_age(100);
        let codec = Codec::new(&config);
        let value = codec.encode(&sample(), T, T).unwrap();
        assert!(codec.decode(&value, T + 100).is_ok(), "{format}");
        assert_eq!(codec.decode(&value, T + 101), Err(DecodeError::Expired { age: 101, max_age: 100 }), "{format}");
        // max_age None: no idle expiry at all.
        let forever = Codec::new(&config.max_age(None));
        assert!(forever.decode(&value, T + 10 * 365 * 86_400).is_ok(), "{format}");
    }
}

#[test]
fn future_dated_cookies_are_rejected() {
    for format in FORMATS {
        let codec = codec(format);
        let value = codec.encode(&sample(), T, T).unwrap();
        assert!(codec.decode(&value, T - MAX_FUTURE_SKEW).is_ok(), "{format}");
        assert_eq!(
            codec.decode(&value, T - MAX_FUTURE_SKEW - 1),
            Err(DecodeError::FutureDated { issued_at: T, now: T - MAX_FUTURE_SKEW - 1 }),
            "{format}"
        );
    }
}

#[test]
fn absolute_lifetime_counts_from_creation() {
    for format in [CookieFormat::Signed, CookieFormat::Private] {
        let codec = Codec::new(&SessionConfig::new(SECRET).cookie_format(format).absolute_max_age(1000));
        // Rolling kept the cookie fresh (issued recently) but the session is old.
        let value = codec.encode(&sample(), T + 900, T).unwrap();
        assert!(codec.decode(&value, T + 1000).is_ok(), "{format}");
        assert_eq!(
            codec.decode(&value, T + 1001),
            Err(DecodeError::AbsoluteExpired { age: 1001, absolute_max_age: 1000 }),
            "{format}"
        );
    }
}

#[test]
fn creation_after_issue_is_malformed() {
    for format in [CookieFormat::Signed, CookieFormat::Private] {
        let codec = codec(format);
        let value = codec.encode(&sample(), T, T + 1).unwrap();
        assert_eq!(codec.decode(&value, T), Err(DecodeError::Malformed("created after it was issued")));
    }
}

#[test]
fn fallback_secrets_verify_and_report_their_index() {
    for format in FORMATS {
        let old = Codec::new(&SessionConfig::new("old-secret").cookie_format(format));
        let value = old.encode(&sample(), T, T).unwrap();
        let rotated = Codec::new(
            &SessionConfig::new("new-secret").fallback_secrets(["older", "old-secret"]).cookie_format(format),
        );
        let decoded = rotated.decode(&value, T).unwrap();
        assert_eq!(decoded.key_index, 2, "{format}");
        assert_eq!(decoded.data, sample());
        let fresh = rotated.encode(&sample(), T, T).unwrap();
        assert_eq!(rotated.decode(&fresh, T).unwrap().key_index, 0, "new cookies use the primary ({format})");
        assert_eq!(old.decode(&fresh, T), Err(DecodeError::BadSignature), "{format}");
        let dropped = Codec::new(&SessionConfig::new("new-secret").cookie_format(format));
        assert_eq!(dropped.decode(&value, T), Err(DecodeError::BadSignature), "{format}");
    }
}

#[test]
fn wrong_format_is_rejected_and_named() {
    for found in FORMATS {
        let value = codec(found).encode(&sample(), T, T).unwrap();
        for expected in FORMATS.into_iter().filter(|&f| f != found) {
            assert_eq!(codec(expected).decode(&value, T), Err(DecodeError::WrongFormat { found, expected }));
        }
    }
}

#[test]
fn cookie_name_is_bound_for_signed_and_private() {
    for format in [CookieFormat::Signed, CookieFormat::Private] {
        let a = Codec::new(&SessionConfig::new(SECRET).cookie_format(format).session_cookie("a"));
        let b = Codec::new(&SessionConfig::new(SECRET).cookie_format(format).session_cookie("b"));
        let value = a.encode(&sample(), T, T).unwrap();
        assert!(a.decode(&value, T).is_ok());
        assert_eq!(b.decode(&value, T), Err(DecodeError::BadSignature), "{format}");
    }
    // The Ravyn format signs no name (itsdangerous compatibility), so it cannot bind it.
    let a = Codec::new(&SessionConfig::new(SECRET).cookie_format(CookieFormat::Ravyn).session_cookie("a"));
    let b = Codec::new(&SessionConfig::new(SECRET).cookie_format(CookieFormat::Ravyn).session_cookie("b"));
    assert!(b.decode(&a.encode(&sample(), T, T).unwrap(), T).is_ok());
}

#[test]
fn one_secret_keys_each_format_differently() {
    // Re-sign a Signed cookie's text the way a naive HMAC-SHA256(secret) would: must not verify.
    let value = codec(CookieFormat::Signed).encode(&sample(), T, T).unwrap();
    let (signed, _) = value.rsplit_once('.').unwrap();
    let naive = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET.as_bytes());
    let tag = ring::hmac::sign(&naive, format!("session={signed}").as_bytes());
    use base64::Engine;
    let forged = format!("{signed}.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag));
    assert_eq!(codec(CookieFormat::Signed).decode(&forged, T), Err(DecodeError::BadSignature));
}

#[test]
fn malformed_values_are_rejected_without_panicking() {
    let inputs = [
        ".",
        "..",
        "...",
        "....",
        "\"\"",
        "\"",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "e30.1.1.",
        "e30..1.x",
        "e30.-1.1.x",
        "e30.+1.1.x",
        "e30.99999999999999999999999.1.x",
        "=.=.=",
        "AAAA",
        "null",
        "\u{1F600}",
        "a\0b",
    ];
    for format in FORMATS {
        for input in inputs {
            assert!(codec(format).decode(input, T).is_err(), "{format}: {input:?}");
        }
    }
}

fn arb_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
    ]
}

fn arb_map() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((any::<String>(), arb_value()), 0..8).prop_map(|pairs| pairs.into_iter().collect())
}

fn arb_format() -> impl Strategy<Value = CookieFormat> {
    prop::sample::select(FORMATS.to_vec())
}

proptest! {
    #[test]
    fn decode_inverts_encode(format in arb_format(), data in arb_map(), issued in 0..=u64::MAX / 2, back in 0..1_000_000u64) {
        let codec = Codec::new(&SessionConfig::new(SECRET).cookie_format(format).max_age(None));
        let created = issued.saturating_sub(back);
        let value = codec.encode(&data, issued, created).unwrap();
        let decoded = codec.decode(&value, issued).unwrap();
        prop_assert_eq!(&decoded.data, &data);
        prop_assert_eq!(decoded.issued_at, issued);
        prop_assert_eq!(decoded.key_index, 0);
    }

    #[test]
    fn flipping_any_byte_invalidates(format in arb_format(), data in arb_map(), mask in 1u8..=255) {
        let codec = codec(format);
        let value = codec.encode(&data, T, T).unwrap();
        prop_assert!(codec.decode(&value, T).is_ok());
        for i in 0..value.len() {
            let mut bytes = value.clone().into_bytes();
            bytes[i] ^= mask;
            let flipped = String::from_utf8_lossy(&bytes);
            prop_assert!(codec.decode(&flipped, T).is_err(), "{} accepted a flip of byte {} in {}", format, i, value);
        }
    }
}

#[test]
fn parse_decimal_takes_plain_digits_only() {
    assert_eq!(parse_decimal("0"), Some(0));
    assert_eq!(parse_decimal("1700000000"), Some(T));
    assert_eq!(parse_decimal("007"), Some(7));
    assert_eq!(parse_decimal("18446744073709551615"), Some(u64::MAX));
    for rejected in [
        "",
        "18446744073709551616",
        "99999999999999999999",
        "000000000000000000001",
        "+1",
        "-1",
        " 1",
        "1 ",
        "1_0",
        "١",
        "1.5",
        "/",
        ":",
    ] {
        assert_eq!(parse_decimal(rejected), None, "{rejected:?}");
    }
}

proptest! {
    #[test]
    fn parse_decimal_agrees_with_str_parse_on_digit_strings(s in "[0-9]{1,22}") {
        let expected = if s.len() > 20 { None } else { s.parse::<u64>().ok() };
        prop_assert_eq!(parse_decimal(&s), expected);
    }

    #[test]
    fn parse_decimal_rejects_any_non_digit(prefix in "[0-9]{0,5}", bad in any::<char>().prop_filter("not a digit", |c| !c.is_ascii_digit()), suffix in "[0-9]{0,5}") {
        let s = format!("{prefix}{bad}{suffix}");
        prop_assert_eq!(parse_decimal(&s), None);
    }
}

#[test]
fn a_signed_value_with_a_dot_in_its_payload_is_malformed_before_its_mac_is_checked() {
    // The layout is cut from the right (SIG, CREATED, ISSUED), so a fifth part would otherwise
    // ride along in the payload; it must be refused as a layout error, as splitting on every dot did.
    let codec = codec(CookieFormat::Signed);
    let valid = codec.encode(&sample(), T, T).unwrap();
    let extra = format!("e30.{valid}");
    assert_eq!(codec.decode(&extra, T), Err(DecodeError::Malformed("expected PAYLOAD.ISSUED.CREATED.SIG")));
    let sig = "A".repeat(43);
    assert_eq!(
        codec.decode(&format!("a.b.1.1.{sig}"), T),
        Err(DecodeError::Malformed("expected PAYLOAD.ISSUED.CREATED.SIG"))
    );
    assert!(codec.decode(&valid, T).is_ok());
}
