//! [`KeyRing`]: key rotation, the one rule shared by session cookies and tokens.
//!
//! A ring holds the keys for one purpose, **primary first, then the fallbacks** in the order they
//! were configured. The rule every user of it follows:
//!
//! - only the [primary](KeyRing::primary) signs or seals anything new;
//! - every key verifies, tried in ring order (or picked by a key id that selects from the ring,
//!   never supplies a key), and the caller learns *which* one verified (index 0 = primary) so it
//!   can move the data to the primary key (session cookies are re-issued; tokens are refreshed).
//!
//! Rotating a secret is then: make the new secret primary, keep the old one as the first fallback
//! for as long as things signed with it may still arrive, then drop it.
//!
//! Session cookies use it through `SessionConfig::fallback_secrets` (each cookie format, and the
//! store's signed ids, derive their own keys from the secrets), and the JWT crate through
//! `JWTConfig::fallback_keys`.
//!
//! ```
//! use ravyn_session::KeyRing;
//!
//! let ring = KeyRing::new("new-secret", ["old-secret", "older-secret"]);
//! assert_eq!(*ring.primary(), "new-secret");
//! // A message signed with the old secret verifies with the first fallback, index 1.
//! assert_eq!(ring.position(|secret| *secret == "old-secret"), Some(1));
//! assert_eq!(ring.position(|secret| *secret == "unknown"), None);
//! ```

use std::fmt;

/// Keys for one purpose, primary first: the primary signs, every key verifies. Never empty.
///
/// `Debug` prints how many keys the ring holds, never the keys.
///
/// ```
/// use ravyn_session::KeyRing;
///
/// let secrets = KeyRing::new("primary", ["fallback"]);
/// let lengths = secrets.map(|s| s.len());
/// assert_eq!(lengths.iter().copied().collect::<Vec<_>>(), [7, 8]);
/// assert_eq!(format!("{secrets:?}"), "KeyRing { keys: 2 }");
/// ```
#[derive(Clone)]
pub struct KeyRing<K> {
    /// Primary at index 0; never empty.
    keys: Box<[K]>,
}

impl<K> fmt::Debug for KeyRing<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing").field("keys", &self.keys.len()).finish()
    }
}

impl<K> KeyRing<K> {
    /// A ring of `primary` followed by `fallbacks`, in that order.
    ///
    /// ```
    /// let ring = ravyn_session::KeyRing::new(1, [2, 3]);
    /// assert_eq!(ring.len(), 3);
    /// ```
    pub fn new(primary: K, fallbacks: impl IntoIterator<Item = K>) -> Self {
        let keys: Vec<K> = std::iter::once(primary).chain(fallbacks).collect();
        KeyRing { keys: keys.into_boxed_slice() }
    }

    /// The key that signs everything new.
    ///
    /// ```
    /// assert_eq!(*ravyn_session::KeyRing::new("a", ["b"]).primary(), "a");
    /// ```
    pub fn primary(&self) -> &K {
        // `new` always puts the primary first, and nothing removes keys.
        &self.keys[0]
    }

    /// The key at `index` (0 = primary, `i` = the `i`-th fallback), if there is one.
    ///
    /// ```
    /// let ring = ravyn_session::KeyRing::new("a", ["b"]);
    /// assert_eq!(ring.get(1), Some(&"b"));
    /// assert_eq!(ring.get(2), None);
    /// ```
    pub fn get(&self, index: usize) -> Option<&K> {
        self.keys.get(index)
    }

    /// How many keys the ring holds (at least 1).
    ///
    /// ```
    /// assert_eq!(ravyn_session::KeyRing::new("a", Vec::<&str>::new()).len(), 1);
    /// ```
    #[allow(clippy::len_without_is_empty)] // never empty
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Every key in ring order: the primary, then the fallbacks.
    ///
    /// ```
    /// let ring = ravyn_session::KeyRing::new("a", ["b"]);
    /// assert_eq!(ring.iter().copied().collect::<Vec<_>>(), ["a", "b"]);
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, K> {
        self.keys.iter()
    }

    /// The index of the first key, in ring order, that `verifies`: how a signature made with any
    /// configured key is checked. `None` when no key does.
    ///
    /// ```
    /// let ring = ravyn_session::KeyRing::new(10, [20, 30]);
    /// assert_eq!(ring.position(|k| *k > 15), Some(1));
    /// ```
    pub fn position(&self, verifies: impl FnMut(&K) -> bool) -> Option<usize> {
        self.keys.iter().position(verifies)
    }

    /// A ring of the same shape holding `derive(key)` for each key: e.g. per-format keys derived
    /// from configured secrets.
    ///
    /// ```
    /// let secrets = ravyn_session::KeyRing::new("new", ["old"]);
    /// let upper = secrets.map(|s| s.to_uppercase());
    /// assert_eq!(upper.primary(), "NEW");
    /// ```
    pub fn map<L>(&self, derive: impl FnMut(&K) -> L) -> KeyRing<L> {
        KeyRing { keys: self.keys.iter().map(derive).collect() }
    }

    /// Like [`map`](Self::map), for a derivation that can fail; `derive` also gets each key's index,
    /// so its error can say which one (0 = primary, `i` = the `i`-th fallback).
    ///
    /// ```
    /// let ring = ravyn_session::KeyRing::new("42", ["x"]);
    /// let parsed = ring.try_map(|i, s| s.parse::<u32>().map_err(|_| i));
    /// assert_eq!(parsed.unwrap_err(), 1);
    /// ```
    pub fn try_map<L, E>(&self, mut derive: impl FnMut(usize, &K) -> Result<L, E>) -> Result<KeyRing<L>, E> {
        let keys = self.keys.iter().enumerate().map(|(i, k)| derive(i, k)).collect::<Result<Box<[L]>, E>>()?;
        Ok(KeyRing { keys })
    }
}

impl<'a, K> IntoIterator for &'a KeyRing<K> {
    type Item = &'a K;
    type IntoIter = std::slice::Iter<'a, K>;

    fn into_iter(self) -> Self::IntoIter {
        self.keys.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::KeyRing;

    #[test]
    fn primary_first_then_fallbacks_in_order() {
        let ring = KeyRing::new("p", ["f1", "f2"]);
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), ["p", "f1", "f2"]);
        assert_eq!(ring.position(|k| k.starts_with('f')), Some(1), "first match in ring order wins");
        assert_eq!(ring.try_map(|i, k| Ok::<_, ()>((i, k.len()))).unwrap().get(2), Some(&(2, 2)));
    }
}
