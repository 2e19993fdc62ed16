//! Verifying a token the way jsonwebtoken's `decode` does, at a fraction of its cost: the bearer
//! hot path (every request with a token goes through it).
//!
//! jsonwebtoken's `decode` decodes each base64 part into a fresh `Vec`, parses the header into its
//! full `Header` (every JOSE field, and the unknown ones into a map of `serde_json::Value`s),
//! builds a boxed verifier (for HMAC: the key's padded state, two hash blocks) for every call, and
//! parses the claims twice: once into the caller's type and once into its own validation struct
//! (with an untagged `aud`, buffered). Here the same token is checked with:
//!
//! - the header of a token this app minted compared as text with the one each key mints (no
//!   base64, no JSON); any other header decoded and parsed into three borrowed fields (`alg`,
//!   `kid`, `typ`);
//! - the signature checked by the key's [`PreparedVerifier`](crate::crypto::PreparedVerifier),
//!   made once at start-up (the same ring primitive the provider's verifier calls); for HMAC and
//!   a minted header, from the MAC's state after that header, kept at start-up (one hash block
//!   fewer: the header is 64 base64 characters);
//! - base64url decoded into stack buffers by a strict decoder (`URL_SAFE_NO_PAD`'s rules);
//! - the claims read once, into the typed [`Token<C>`]: compact JSON of registered claims (what
//!   this crate and Python Ravyn write) by a small reader ([`compact_claims`]), anything else by
//!   serde_json; the typed fields then answer jsonwebtoken's checks (`exp` present and numeric,
//!   `iss` and `aud` as configured) without allocating.
//!
//! **Exactness.** Whatever this path decides is what jsonwebtoken would decide: where a token
//! holds anything it does not model (a header field other than those three, an escaped string in
//! the header, a part that is not exactly three, a signature over 512 bytes), it answers
//! [`Fast::Defer`] and the caller runs jsonwebtoken's `decode` ([`Keys::decode_reference`]), so
//! unusual tokens are judged by jsonwebtoken itself. The differential property test
//! (`differential.rs`) checks that every decision taken here equals jsonwebtoken's, on random
//! and mutated tokens for every algorithm, with and without `iss`/`aud`, with rotated keys, and
//! that the tokens this crate and Python Ravyn mint are never deferred.
//!
//! Why the claims checks are jsonwebtoken's, given that `Token<C>` parsed: `Token<C>` refuses
//! what jsonwebtoken's validation struct would (a duplicate `exp`, `nbf`, `sub`, `iss` or `aud`, a
//! non-object payload), requires `exp` as a non-negative number below 2^64 (jsonwebtoken's
//! "required `exp`" is the same set: an integer from 0, or a finite float from 0 below 2^64), and
//! types `iss` as a string and `aud` as a string or an array of strings, so jsonwebtoken's
//! remaining checks reduce to those written in [`check_claims`].
//!
//! [`Keys::decode_reference`]: crate::keys::Keys::decode_reference

use serde::de::DeserializeOwned;
use serde::de::Visitor;
use serde::Deserialize;

use ravyn_session::base64url;

use crate::error::AuthError;
use crate::keys::Keys;
use crate::token::{Audience, Token, TokenType};

/// What the fast path decided.
#[derive(Debug)]
pub(crate) enum Fast<T> {
    /// Decided, exactly as jsonwebtoken would.
    Done(Result<T, AuthError>),
    /// The token holds something this path does not model: ask jsonwebtoken.
    Defer,
}

/// The header, if it holds nothing but these (unknown fields make the parse fail: deferred).
/// Borrowed strings: an escaped one fails the parse too (deferred), so nothing is allocated.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header<'a> {
    #[serde(borrow)]
    alg: &'a str,
    #[serde(default, borrow)]
    kid: Option<&'a str>,
    // Read only so that a header carrying it stays on this path; jsonwebtoken checks nothing
    // about it either.
    #[serde(default, borrow)]
    #[allow(dead_code)]
    typ: Option<&'a str>,
}

/// The longest header decoded on the stack (ours is 48 bytes, Python Ravyn's 36).
const HEADER_BUF: usize = 256;
/// The longest signature: RSA-4096.
const SIGNATURE_BUF: usize = 512;
/// The longest claims decoded on the stack; longer ones go to the heap.
const CLAIMS_BUF: usize = 1024;

fn refuse<T>(reason: &'static str) -> Fast<T> {
    Fast::Done(Err(AuthError::invalid_token(reason)))
}

/// Verifies `token` as `Keys::decode_reference` does (jsonwebtoken's `decode` with the pinned
/// algorithm, the `kid` rule and the config's `iss`/`aud`), or defers to it.
pub(crate) fn decode<C: DeserializeOwned>(keys: &Keys, token: &[u8]) -> Fast<Token<C>> {
    // Bytes, not text: a token this verifies is base64url and dots only (ASCII, and RFC 6750
    // `b64token` characters), so the identity step checks neither before it (`verify_bearer`).
    // The signature follows the last dot, as jsonwebtoken splits.
    let Some(last_dot) = token.iter().rposition(|&b| b == b'.') else { return Fast::Defer };
    let (message, signature) = (&token[..last_dot], &token[last_dot + 1..]);
    // The header of a token this app minted is one of a few known texts, one per key: it is
    // compared as it stands, not decoded and parsed. It names the pinned algorithm and that key's
    // kid, so the kid rule selects that key, as for any header.
    let minted = keys.ring.iter().find(|k| message.starts_with(k.minted_prefix.as_bytes()));
    let (header, payload) = match minted {
        Some(key) => (None, &message[key.minted_prefix.len()..]),
        None => match message.iter().position(|&b| b == b'.') {
            Some(dot) => (Some(&message[..dot]), &message[dot + 1..]),
            None => return Fast::Defer,
        },
    };
    // A dot left in the payload (more than three parts) fails its base64 below: refused, as
    // jsonwebtoken refuses it (it reads the text before that dot as the header's end).

    let Some(signature_len) = base64url::decoded_len(signature.len()) else { return refuse("malformed token") };
    let mut signature_buf = [0u8; SIGNATURE_BUF];
    let Some(signature_buf) = signature_buf.get_mut(..signature_len) else { return Fast::Defer };
    if base64url::decode(signature, signature_buf).is_none() {
        return refuse("malformed token");
    }
    let signature = &*signature_buf;

    let verified = match (minted, header) {
        (Some(key), _) => key.verifier.verifies_minted(message, signature),
        (None, Some(header)) => match verify_any_header(keys, header, message, signature) {
            Ok(verified) => verified,
            Err(fast) => return fast,
        },
        (None, None) => return Fast::Defer,
    };
    if !verified {
        return refuse("bad signature");
    }

    let Some(claims_len) = base64url::decoded_len(payload.len()) else { return refuse("malformed token") };
    let mut claims_buf = [0u8; CLAIMS_BUF];
    let mut heap = Vec::new();
    let claims: &mut [u8] = match claims_buf.get_mut(..claims_len) {
        Some(on_stack) => on_stack,
        None => {
            heap.resize(claims_len, 0);
            &mut heap
        }
    };
    if base64url::decode(payload, claims).is_none() {
        return refuse("malformed token");
    }
    let claims = &*claims;
    let parsed = match compact_claims::<C>(claims) {
        Some(parsed) => parsed,
        None => serde_json::from_slice::<Token<C>>(claims).map_err(drop),
    };
    let Ok(claims) = parsed else { return refuse("header or claims do not have the expected shape or types") };
    match check_claims(&claims, keys.issuer.as_deref(), keys.audience.as_deref()) {
        Ok(()) => Fast::Done(Ok(claims)),
        Err(reason) => refuse(reason),
    }
}

/// A header other than the minted ones: decoded and parsed (three known fields or deferred), the
/// algorithm checked against the pinned one, then the kid rule of `Keys::decode_reference`: a
/// kid selects a configured key or is refused; without one, every key in ring order.
fn verify_any_header<T>(keys: &Keys, header: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, Fast<T>> {
    let mut header_buf = [0u8; HEADER_BUF];
    let Some(header_buf) = base64url::decoded_len(header.len()).and_then(|len| header_buf.get_mut(..len)) else {
        return Err(Fast::Defer);
    };
    if base64url::decode(header, header_buf).is_none() {
        return Err(Fast::Defer);
    }
    let Ok(header) = serde_json::from_slice::<Header<'_>>(header_buf) else { return Err(Fast::Defer) };
    // jsonwebtoken: an `alg` that is not a JOSE name fails its header parse, another JOSE name
    // fails its allowed-algorithms check; both refuse, as here.
    if header.alg != keys.alg.as_str() {
        return Err(refuse("algorithm not allowed"));
    }
    Ok(match header.kid {
        Some(kid) => match keys.ring.iter().find(|k| k.kid.as_str() == kid) {
            Some(key) => key.verifier.verifies(message, signature),
            None => return Err(refuse("unknown kid")),
        },
        None => keys.ring.iter().any(|k| k.verifier.verifies(message, signature)),
    })
}

/// jsonwebtoken's `validate` with Ravyn's `Validation` (required `exp`, and `iss`/`aud` when
/// configured; times off, the manager checks them), on claims that already parsed as a
/// [`Token`] (so `exp` is there and numeric, `iss` a string, `aud` a string or strings).
fn check_claims<C>(claims: &Token<C>, issuer: Option<&str>, audience: Option<&str>) -> Result<(), &'static str> {
    if let Some(issuer) = issuer {
        match claims.iss.as_deref() {
            None => return Err("a required claim is missing or not of its type"),
            Some(iss) if iss != issuer => return Err("issuer mismatch"),
            Some(_) => {}
        }
    }
    match (&claims.aud, audience) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err("a required claim is missing or not of its type"),
        // Any `aud` when none is configured, an empty list included (jsonwebtoken's last arm for
        // a parsed audience without a configured one; the differential test found the list).
        (Some(_), None) => Err("audience mismatch"),
        (Some(aud), Some(expected)) if aud.contains(expected) => Ok(()),
        (Some(_), Some(_)) => Err("audience mismatch"),
    }
}

/// The claims of a token in the compact shape this crate and Python Ravyn write them (no
/// whitespace, only registered claims, integers for times, plain ASCII strings without escapes,
/// `aud` a single string), read without serde_json: `Some` is exactly what
/// `serde_json::from_slice::<Token<C>>(json)` answers, `None` means "not that shape, ask
/// serde_json" (an unknown or repeated key, a float, `null`, an array, an escape, non-ASCII...).
///
/// `C` sees no field of such a token (every key is a registered claim): it is built from
/// [`NoFields`], which does what serde's `flatten` does with no fields left over.
fn compact_claims<C: DeserializeOwned>(json: &[u8]) -> Option<Result<Token<C>, ()>> {
    // UTF-8 checked once for the whole text, so the strings need no check of their own.
    let json = std::str::from_utf8(json).ok()?;
    let mut reader = Compact { json, pos: 0 };
    reader.expect(b'{')?;
    let (mut exp, mut iat, mut nbf) = (None, None, None);
    let (mut sub, mut iss, mut aud, mut jti, mut fam, mut token_type) = (None, None, None, None, None, None);
    if reader.peek()? == b'}' {
        reader.pos += 1;
    } else {
        loop {
            let key = reader.string()?;
            reader.expect(b':')?;
            match key {
                "exp" => once(&mut exp, reader.integer()?)?,
                "iat" => once(&mut iat, reader.integer()?)?,
                "nbf" => once(&mut nbf, reader.integer()?)?,
                "sub" => once(&mut sub, reader.string()?.to_owned())?,
                "iss" => once(&mut iss, reader.string()?.to_owned())?,
                "aud" => once(&mut aud, Audience::One(reader.string()?.to_owned()))?,
                "jti" => once(&mut jti, reader.string()?.to_owned())?,
                "fam" => once(&mut fam, reader.string()?.to_owned())?,
                "token_type" => once(
                    &mut token_type,
                    match reader.string()? {
                        "access" => TokenType::Access,
                        "refresh" => TokenType::Refresh,
                        _ => return None,
                    },
                )?,
                _ => return None,
            }
            match reader.next()? {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
    }
    if reader.pos != json.len() {
        return None;
    }
    let exp = exp?;
    let claims = match C::deserialize(NoFields) {
        Ok(claims) => claims,
        Err(NoFieldsError::Defer) => return None,
        Err(NoFieldsError::Refused) => return Some(Err(())),
    };
    Some(Ok(Token { exp, iat, nbf, sub, iss, aud, jti, token_type: token_type.unwrap_or_default(), fam, claims }))
}

/// Sets a claim read for the first time; a repeated key is `None` (serde refuses it).
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value);
            Some(())
        }
    }
}

/// A cursor over compact JSON of printable ASCII: each method reads one token of the shape
/// `compact_claims` takes, or answers `None`.
struct Compact<'a> {
    json: &'a str,
    pos: usize,
}

impl<'a> Compact<'a> {
    fn peek(&self) -> Option<u8> {
        self.json.as_bytes().get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// A string without escapes: what serde_json reads as it stands (any UTF-8, the whole text
    /// having been checked, but no control character and no backslash).
    #[inline]
    fn string(&mut self) -> Option<&'a str> {
        let bytes = self.json.as_bytes();
        if bytes.get(self.pos) != Some(&b'"') {
            return None;
        }
        let start = self.pos + 1;
        let end = start + bytes.get(start..)?.iter().position(|&b| STRING_STOP[usize::from(b)])?;
        if bytes[end] != b'"' {
            return None;
        }
        self.pos = end + 1;
        self.json.get(start..end)
    }

    /// A non-negative integer of at most 19 digits (below 2^64), without a leading zero. A
    /// fraction or an exponent after it is refused by the caller, which wants `,` or `}` next.
    fn integer(&mut self) -> Option<u64> {
        let bytes = self.json.as_bytes();
        let start = self.pos;
        let mut value = 0u64;
        while let Some(&digit) = bytes.get(self.pos).filter(|b| b.is_ascii_digit()) {
            value = value.wrapping_mul(10).wrapping_add(u64::from(digit - b'0'));
            self.pos += 1;
        }
        let digits = self.pos - start;
        (digits > 0 && digits <= 19 && (digits == 1 || bytes[start] != b'0')).then_some(value)
    }
}

/// The bytes that end a plain JSON string: its closing quote, or what serde_json would have to
/// unescape or refuse (a backslash, a control character).
const STRING_STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b < 0x20 || b == b'"' as usize || b == b'\\' as usize;
        b += 1;
    }
    table
};

/// What serde's `flatten` hands the application's claims when a token has no field besides the
/// registered claims: a map with no entries for a struct, a map or `serde_json::Value`; `()`
/// for a unit; the same again inside a newtype. Anything else (an `Option`, an enum...), whose
/// handling by serde's flatten this does not mirror, is [`NoFieldsError::Defer`]: serde_json
/// parses the claims then.
struct NoFields;

#[derive(Debug)]
enum NoFieldsError {
    /// Not a case mirrored here.
    Defer,
    /// The claims type refused (a required field is missing): serde refuses the token too.
    Refused,
}

impl std::fmt::Display for NoFieldsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("application claims from no fields")
    }
}

impl std::error::Error for NoFieldsError {}

impl serde::de::Error for NoFieldsError {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        NoFieldsError::Refused
    }
}

impl<'de> serde::de::MapAccess<'de> for NoFields {
    type Error = NoFieldsError;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(&mut self, _: K) -> Result<Option<K::Value>, NoFieldsError> {
        Ok(None)
    }

    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(&mut self, _: V) -> Result<V::Value, NoFieldsError> {
        // Never called after `next_key` answered no key.
        Err(NoFieldsError::Defer)
    }
}

macro_rules! defer {
    ($($method:ident($($arg:ty),*))*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $(_: $arg,)* _: V) -> Result<V::Value, NoFieldsError> {
                Err(NoFieldsError::Defer)
            }
        )*
    };
}

impl<'de> serde::Deserializer<'de> for NoFields {
    type Error = NoFieldsError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NoFieldsError> {
        visitor.visit_map(NoFields)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NoFieldsError> {
        visitor.visit_map(NoFields)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, NoFieldsError> {
        visitor.visit_map(NoFields)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, NoFieldsError> {
        visitor.visit_newtype_struct(NoFields)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NoFieldsError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, NoFieldsError> {
        visitor.visit_unit()
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NoFieldsError> {
        visitor.visit_unit()
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, NoFieldsError> {
        Err(NoFieldsError::Defer)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        _: V,
    ) -> Result<V::Value, NoFieldsError> {
        Err(NoFieldsError::Defer)
    }

    defer! {
        deserialize_bool() deserialize_i8() deserialize_i16() deserialize_i32() deserialize_i64()
        deserialize_u8() deserialize_u16() deserialize_u32() deserialize_u64() deserialize_f32()
        deserialize_f64() deserialize_char() deserialize_str() deserialize_string() deserialize_bytes()
        deserialize_byte_buf() deserialize_option() deserialize_seq() deserialize_tuple(usize)
        deserialize_identifier() deserialize_i128() deserialize_u128()
    }
}

/// The claims of `token` (its middle part) through [`compact_claims`], for the tests.
#[cfg(test)]
pub(crate) fn compact_claims_for_test<C: DeserializeOwned>(token: &str) -> Option<Result<Token<C>, ()>> {
    let payload = token.split('.').nth(1)?;
    compact_claims(&base64url::decode_to_vec(payload.as_bytes())?)
}
