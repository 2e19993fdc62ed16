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
    /// Finds the cookie `name` in the values of a request's `Cookie` headers (`a=1; b=2` each).
    ///
    /// Values are taken as they are (no percent-decoding, quotes kept): session cookie values only
    /// use characters that need neither.
    ///
    /// ```
    /// use ravyn_session::IncomingCookie;
    ///
    /// assert_eq!(IncomingCookie::from_cookie_headers("sid", ["a=1"]), IncomingCookie::Absent);
    /// assert_eq!(IncomingCookie::from_cookie_headers("sid", ["sid=1", "sid=2"]), IncomingCookie::Ambiguous);
    /// assert_eq!(IncomingCookie::from_cookie_headers("sid", ["sid=1; sid=2"]), IncomingCookie::Ambiguous);
    /// ```
    pub fn from_cookie_headers<'a, I>(name: &str, headers: I) -> IncomingCookie
    where
        I: IntoIterator<Item = &'a str>,
    {
        let mut found: Option<&str> = None;
        let cookies = headers.into_iter().flat_map(cookie::Cookie::split_parse).flatten();
        for cookie in cookies.filter(|c| c.name() == name) {
            if found.is_some() {
                return IncomingCookie::Ambiguous;
            }
            // The raw value keeps any quotes (the Ravyn format's values are quoted).
            found = Some(cookie.value_raw().unwrap_or_default());
        }
        found.map_or(IncomingCookie::Absent, |value| IncomingCookie::One(value.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::IncomingCookie;

    #[test]
    fn finds_the_named_cookie() {
        let one = |v: &str| IncomingCookie::One(v.to_owned());
        assert_eq!(IncomingCookie::from_cookie_headers("session", []), IncomingCookie::Absent);
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
}
