//! The route table: matchit for paths, a short method list per path. It only matches: what runs
//! for a match (the route's endpoint) is the app's business, so the table is generic over it.

use crate::error::ConfigError;
use crate::request::PathParams;
use crate::response::{IntoResponse, Response};
use crate::{HTTPException, Redirect};
use http::header::{HeaderValue, ALLOW};
use http::{Method, StatusCode};

/// The routes of an app, by path and method.
pub(crate) struct Router<E> {
    matcher: matchit::Router<usize>,
    paths: Vec<PathEntry<E>>,
    redirect_slashes: bool,
}

struct PathEntry<E> {
    template: String,
    methods: Vec<(Method, RouteEntry<E>)>,
    allow: HeaderValue,
}

struct RouteEntry<E> {
    name: &'static str,
    endpoint: E,
}

/// Why [`Router::route`] found no endpoint: small, so the hot path carries no answer around.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Miss {
    /// No path matches.
    Path,
    /// The path at this index matches, not the method.
    Method(usize),
}

/// Why a request has no route, and the answer it gets instead (through the app's middleware,
/// like any answer). Clonable, so a middleware that calls `next` twice gets it twice.
#[derive(Debug, Clone)]
pub(crate) enum Refusal {
    /// 404, 405 with `Allow`, or a refusal made before routing (413, 431, an unreadable body).
    Exception(HTTPException),
    /// The same path with or without its trailing slash exists (`redirect_slashes`).
    Redirect(Redirect),
}

impl Refusal {
    pub(crate) fn response(&self) -> Response {
        match self {
            Refusal::Exception(error) => error.clone().into_response(),
            Refusal::Redirect(redirect) => redirect.clone().into_response(),
        }
    }
}

impl<E> Router<E> {
    pub(crate) fn new(redirect_slashes: bool) -> Self {
        Router { matcher: matchit::Router::new(), paths: Vec::new(), redirect_slashes }
    }

    /// Registers `endpoint` for `methods` at `path`; `name` names the handler in errors.
    pub(crate) fn add(
        &mut self,
        path: &str,
        methods: &[&str],
        name: &'static str,
        endpoint: impl Fn() -> E,
    ) -> Result<(), ConfigError> {
        validate_path(path, name)?;
        if methods.is_empty() {
            return Err(ConfigError::InvalidRoute {
                route: format!("{name} ({path})"),
                reason: "no HTTP method".to_owned(),
            });
        }
        let index = match self.paths.iter().position(|p| p.template == path) {
            Some(index) => index,
            None => {
                let index = self.paths.len();
                self.matcher.insert(path.to_owned(), index).map_err(|error| match error {
                    matchit::InsertError::Conflict { with } => {
                        ConfigError::RouteConflict { first: self.describe(&with), second: format!("{name} ({path})") }
                    }
                    other => ConfigError::InvalidRoute { route: format!("{name} ({path})"), reason: other.to_string() },
                })?;
                self.paths.push(PathEntry {
                    template: path.to_owned(),
                    methods: Vec::new(),
                    allow: HeaderValue::from_static(""),
                });
                index
            }
        };
        for method in methods {
            let method =
                Method::from_bytes(method.to_ascii_uppercase().as_bytes()).map_err(|_| ConfigError::InvalidRoute {
                    route: format!("{name} ({path})"),
                    reason: format!("{method:?} is not an HTTP method"),
                })?;
            let entry = &mut self.paths[index];
            if let Some((_, existing)) = entry.methods.iter().find(|(m, _)| *m == method) {
                return Err(ConfigError::RouteConflict {
                    first: format!("{} ({} {})", existing.name, method, entry.template),
                    second: format!("{name} ({} {})", method, path),
                });
            }
            entry.methods.push((method, RouteEntry { name, endpoint: endpoint() }));
            entry.allow = allow_header(&entry.methods);
        }
        Ok(())
    }

    fn describe(&self, template: &str) -> String {
        match self.paths.iter().find(|p| p.template == template) {
            Some(entry) => {
                let names: Vec<&str> = entry.methods.iter().map(|(_, e)| e.name).collect();
                format!("{} ({})", names.join(", "), entry.template)
            }
            None => template.to_owned(),
        }
    }

    /// How many distinct paths are registered.
    pub(crate) fn len(&self) -> usize {
        self.paths.len()
    }

    /// The endpoint for `method` at `path`, with the path parameters it captured (percent-decoded),
    /// or why there is none ([`refusal`](Self::refusal) makes the answer). A pure lookup: it reads
    /// the request head only, so the app resolves the route before the body is read.
    pub(crate) fn route(&self, method: &Method, path: &str) -> Result<(&E, PathParams), Miss> {
        let Ok(found) = self.matcher.at(path) else { return Err(Miss::Path) };
        let entry = &self.paths[*found.value];
        let endpoint = entry.methods.iter().find(|(m, _)| m == method).or_else(|| {
            (*method == Method::HEAD).then(|| entry.methods.iter().find(|(m, _)| *m == Method::GET)).flatten()
        });
        let Some((_, endpoint)) = endpoint else { return Err(Miss::Method(*found.value)) };
        let mut params = PathParams::default();
        for (name, raw) in found.params.iter() {
            let value = percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned();
            params.push(name, value);
        }
        Ok((&endpoint.endpoint, params))
    }

    /// The answer for a request [`route`](Self::route) found no endpoint for: 404, 405 with
    /// `Allow`, or a redirect to the path with or without its trailing slash.
    #[cold]
    pub(crate) fn refusal(&self, miss: Miss, method: &Method, path: &str, query: Option<&str>) -> Refusal {
        match miss {
            Miss::Path => self.not_found(path, query),
            Miss::Method(index) => Refusal::Exception(
                HTTPException::new(StatusCode::METHOD_NOT_ALLOWED, format!("Method {method} not allowed."))
                    .with_header(ALLOW, self.paths[index].allow.clone()),
            ),
        }
    }

    fn not_found(&self, path: &str, query: Option<&str>) -> Refusal {
        if self.redirect_slashes {
            let alternative = match path.strip_suffix('/') {
                Some(trimmed) if !trimmed.is_empty() => trimmed.to_owned(),
                Some(_) => String::new(),
                None => format!("{path}/"),
            };
            if is_same_origin_path(&alternative) && self.matcher.at(&alternative).is_ok() {
                let location = match query {
                    Some(query) => format!("{alternative}?{query}"),
                    None => alternative,
                };
                return Refusal::Redirect(Redirect::to(location));
            }
        }
        Refusal::Exception(HTTPException::new(StatusCode::NOT_FOUND, "Not Found"))
    }
}

/// Whether `path` can only be read as a path on this origin when sent as `Location`: it starts
/// with one `/`, and has no `\` (browsers read `/\evil.com` as `//evil.com`, another host;
/// security review L4). Anything else is answered 404 rather than redirected.
fn is_same_origin_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.contains('\\')
}

fn allow_header<E>(methods: &[(Method, RouteEntry<E>)]) -> HeaderValue {
    let mut names: Vec<&str> = methods.iter().map(|(m, _)| m.as_str()).collect();
    if names.contains(&"GET") && !names.contains(&"HEAD") {
        names.push("HEAD");
    }
    names.sort_unstable();
    HeaderValue::try_from(names.join(", ")).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn validate_path(path: &str, name: &str) -> Result<(), ConfigError> {
    let invalid =
        |reason: &str| ConfigError::InvalidRoute { route: format!("{name} ({path})"), reason: reason.to_owned() };
    if !path.starts_with('/') {
        return Err(invalid("a path must start with '/'"));
    }
    if path.contains("//") {
        return Err(invalid("a path must not contain '//'"));
    }
    Ok(())
}
