//! [`IncomingCookie`]: what a request's `Cookie` headers hold under the session cookie's name.
//!
//! ```
//! use ravyn_session::IncomingCookie;
//!
//! let headers = ["a=1; session=xyz", "b=2"];
//! assert_eq!(IncomingCookie::from_cookie_headers("session", headers), IncomingCookie::One("xyz".into()));
//! ```

/// The session cookie as found in one request's `Cookie` headers, before any decoding.
///
/// Two or more cookies of the session's name (in one header or several) are [`Ambiguous`]: browsers
/// send that when cookies of one name were set for different `Path`s or `Domain`s, and nothing says
/// which one is ours. The session then starts empty and neither cookie is deleted (a deletion could
/// hit the other application's cookie); a debug log says so.
///
/// [`Ambiguous`]: IncomingCookie::Ambiguous
///
/// ```
/// use ravyn_session::IncomingCookie;
///
/// let incoming = IncomingCookie::from_cookie_headers("session", ["theme=dark; session=abc"]);
/// assert_eq!(incoming, IncomingCookie::One("abc".to_owned()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum IncomingCookie {
    /// No cookie of the session's name.
    #[default]
    Absent,
    /// Exactly one cookie of the session's name, with its raw value (quotes, if any, kept).
    One(String),
    /// Two or more cookies of the session's name.
    Ambiguous,
}

impl IncomingCookie {
    /// Finds the cookie `name` in the values of a request's `Cookie` headers (`a=1; b=2` each),
    /// as text or as the headers' bytes.
    ///
    /// Values are taken as they are (no percent-decoding, quotes kept): session cookie values only
    /// use characters that need neither. The headers are scanned as bytes ([`pairs_bytes`]), so a
    /// pair of another cookie with bytes a header may not hold as text (`junk=café`, set by a
    /// sibling subdomain) hides only itself, not the session cookie beside it.
    ///
    /// ```
    /// use ravyn_session::IncomingCookie;
    ///
    /// assert_eq!(IncomingCookie::from_cookie_headers("sid", ["a=1"]), IncomingCookie::Absent);
    /// assert_eq!(IncomingCookie::from_cookie_headers("sid", ["sid=1", "sid=2"]), IncomingCookie::Ambiguous);
    /// assert_eq!(IncomingCookie::from_cookie_headers("sid", ["sid=1; sid=2"]), IncomingCookie::Ambiguous);
    /// let raw: &[u8] = b"junk=caf\xc3\xa9; sid=1";
    /// assert_eq!(IncomingCookie::from_cookie_headers("sid", [raw]), IncomingCookie::One("1".into()));
    /// ```
    pub fn from_cookie_headers<I>(name: &str, headers: I) -> IncomingCookie
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut found: Option<String> = None;
        for header in headers {
            for (cookie_name, value) in pairs_bytes(header.as_ref()) {
                if cookie_name != name.as_bytes() {
                    continue;
                }
                if found.is_some() {
                    return IncomingCookie::Ambiguous;
                }
                // The raw value keeps any quotes (the Ravyn format's values are quoted). A value
                // that is not text cannot verify; kept (lossily) so that it still counts as one.
                // `from_utf8` first: its ASCII fast path checks a word at a time, where the lossy
                // conversion walks byte by byte (~870 instructions on a 150-byte session cookie).
                found = Some(match std::str::from_utf8(value) {
                    Ok(text) => text.to_owned(),
                    Err(_) => String::from_utf8_lossy(value).into_owned(),
                });
            }
        }
        found.map_or(IncomingCookie::Absent, IncomingCookie::One)
    }
}

/// The `(name, raw value)` pairs of one `Cookie` header (text or bytes) that are text:
/// [`pairs_bytes`] (the one
/// cookie scanner of the workspace) without the pairs that are not UTF-8. For a header of
/// visible ASCII (all `HeaderValue::to_str` accepts) these are exactly the pairs of the cookie
/// crate's `Cookie::split_parse`, without percent-decoding (the `matches_the_cookie_crate` tests).
///
/// ```
/// let pairs: Vec<_> = ravyn_session::incoming::pairs("a=1; b = 2;;c").collect();
/// assert_eq!(pairs, [("a", "1"), ("b", "2")]);
/// ```
pub fn pairs<H: AsRef<[u8]> + ?Sized>(header: &H) -> impl Iterator<Item = (&str, &str)> {
    pairs_bytes(header.as_ref())
        .filter_map(|(name, value)| Some((std::str::from_utf8(name).ok()?, std::str::from_utf8(value).ok()?)))
}

/// The `(name, raw value)` pairs of one `Cookie` header's bytes: split on `;`, the first `=` of a
/// piece separates name and value, both trimmed of spaces and tabs (RFC 6265's optional
/// whitespace); a piece without `=` or with an empty name is skipped. Works on bytes, so a pair
/// with bytes a header value may not hold as text (a sibling subdomain's `junk=café`) hides only
/// itself. For a header of visible ASCII (what `HeaderValue::to_str` accepts) it finds exactly
/// the pairs the cookie crate finds. Scanned by hand because building a `cookie::Cookie` per pair
/// (with all its attribute fields) cost several times the scan on every request carrying cookies.
/// Every cookie the framework reads is found with it: the session's, the CSRF token's, and
/// `Request::cookies`.
///
/// ```
/// let pairs: Vec<_> = ravyn_session::incoming::pairs_bytes(b"a=1; junk=caf\xc3\xa9 ;b = 2").collect();
/// assert_eq!(pairs, [(&b"a"[..], &b"1"[..]), (b"junk", b"caf\xc3\xa9"), (b"b", b"2")]);
/// ```
pub fn pairs_bytes(header: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    // memchr's vectorised search: this runs on every request that carries cookies.
    let mut rest = Some(header);
    std::iter::from_fn(move || loop {
        let remaining = rest?;
        let piece = match memchr::memchr(b';', remaining) {
            Some(end) => {
                rest = Some(&remaining[end + 1..]);
                &remaining[..end]
            }
            None => {
                rest = None;
                remaining
            }
        };
        let Some(eq) = memchr::memchr(b'=', piece) else { continue };
        let name = trim_ows(&piece[..eq]);
        if !name.is_empty() {
            return Some((name, trim_ows(&piece[eq + 1..])));
        }
    })
}

/// `bytes` without leading and trailing spaces and tabs.
fn trim_ows(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::IncomingCookie;

    /// Security review L2: one pair that is not text (a sibling subdomain's cookie) used to hide
    /// the whole header, logging the user out.
    #[test]
    fn a_pair_that_is_not_text_hides_only_itself() {
        let header: &[u8] = b"junk=caf\xc3\xa9; session=x; other=\xff";
        assert_eq!(IncomingCookie::from_cookie_headers("session", [header]), IncomingCookie::One("x".to_owned()));
        let text: Vec<_> = super::pairs(&b"a=1; b=caf\xc3\xa9; c=\xff; d=4"[..]).collect();
        assert_eq!(text, [("a", "1"), ("b", "café"), ("d", "4")]);
    }

    #[test]
    fn finds_the_named_cookie() {
        let one = |v: &str| IncomingCookie::One(v.to_owned());
        assert_eq!(IncomingCookie::from_cookie_headers("session", [""; 0]), IncomingCookie::Absent);
        assert_eq!(IncomingCookie::from_cookie_headers("session", ["session=x"]), one("x"));
        assert_eq!(IncomingCookie::from_cookie_headers("session", ["a=1;session=x ;b=2"]), one("x"));
        assert_eq!(IncomingCookie::from_cookie_headers("session", ["a=1", " session = \"q.r=\" "]), one("\"q.r=\""));
        assert_eq!(IncomingCookie::from_cookie_headers("session", ["session="]), one(""));
        assert_eq!(
            IncomingCookie::from_cookie_headers("session", ["sessions=x; xsession=y; session"]),
            IncomingCookie::Absent
        );
        assert_eq!(
            IncomingCookie::from_cookie_headers("session", ["session=x", "session=x"]),
            IncomingCookie::Ambiguous
        );
        assert_eq!(IncomingCookie::from_cookie_headers("session", ["session=x;session=y"]), IncomingCookie::Ambiguous);
    }

    /// The hand scan finds the same pairs as the cookie crate's parser.
    #[test]
    fn matches_the_cookie_crate() {
        let crate_pairs = |header: &str| -> Vec<(String, String)> {
            cookie::Cookie::split_parse(header)
                .flatten()
                .map(|c| (c.name().to_owned(), c.value_raw().unwrap_or_default().to_owned()))
                .collect()
        };
        let headers = [
            "",
            " ",
            ";;",
            "a=1",
            "a=1; b=2",
            "a=1;b=2;",
            " a = 1 ; b= \"q.r=\" ",
            "=x; a=1",
            " = x ;a",
            "a; b=; =; c==d",
            "session=x=y; session",
            " \tb\t=\t2",
            "n=v;;; ;m=w",
            "a=\"\"; b=\"x;y\"",
        ];
        for header in headers {
            let ours: Vec<(String, String)> = super::pairs(header).map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
            assert_eq!(ours, crate_pairs(header), "header {header:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn matches_the_cookie_crate_on_any_visible_ascii_header(header in "[a-c=; \t\"!~]{0,24}") {
            let ours: Vec<(&str, &str)> = super::pairs(&header).collect();
            let theirs: Vec<(String, String)> = cookie::Cookie::split_parse(header.as_str())
                .flatten()
                .map(|c| (c.name().to_owned(), c.value_raw().unwrap_or_default().to_owned()))
                .collect();
            let theirs: Vec<(&str, &str)> = theirs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            proptest::prop_assert_eq!(ours, theirs);
        }
    }
}
