//! [`StaticFilesConfig`]: a directory of files served under a path (Ravyn's `StaticFilesConfig`),
//! on tower-http's `ServeDir`.

use crate::body::Body;
use crate::error::ConfigError;
use crate::handler::{BoxFuture, Handler};
use crate::request::Request;
use crate::response::{IntoResponse, Response};
use crate::spec::{Needs, RouteSpec};
use crate::HTTPException;
use http::header::{
    HeaderValue, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_RANGE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED, LOCATION,
};
use http::StatusCode;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use tower::Service;
use tower_http::services::ServeDir;

/// A directory of static files served under a path, as Ravyn's `StaticFilesConfig`. Add one or
/// more with [`RavynBuilder::static_files_config`](crate::RavynBuilder::static_files_config).
///
/// | field | default | meaning |
/// |---|---|---|
/// | `path` | (required) | the URL path the files are served under, e.g. `/static` |
/// | `directory` | (required) | the directory they are read from |
/// | `html` | `false` | html mode: a directory's `index.html` answers for it (`/static/` → `index.html`) |
/// | `check_dir` | `true` | `build()` fails when `directory` is not a directory |
/// | `packages` | none | more directories, searched in order after `directory` (Ravyn's packages' `statics`; in Rust, directories shipped with crates) |
///
/// Files are served for `GET` and `HEAD` with their content type, `Last-Modified` and `ETag`
/// (`If-Modified-Since` and `If-None-Match` answer `304`), byte ranges (`206`; `416` when
/// unsatisfiable), and a precompressed `.br` or `.gz` sibling when the client accepts it. A
/// missing file answers Ravyn's `404 {"detail":"Not Found"}`, and so does any path that would
/// leave the directory: `..` (encoded or not), absolute paths, and symbolic links that point
/// outside it.
///
/// ```
/// use ravyn_core::{Ravyn, StaticFilesConfig};
/// let directory = std::env::temp_dir();
/// let app = Ravyn::builder()
///     .static_files_config(StaticFilesConfig::new("/static", &directory).html(true))
///     .build()
///     .unwrap();
/// # let _ = app;
///
/// let error = Ravyn::builder()
///     .static_files_config(StaticFilesConfig::new("/static", "/no/such/directory"))
///     .build()
///     .unwrap_err();
/// assert!(error.to_string().contains("static_files_config.directory"));
/// ```
#[derive(Debug, Clone)]
pub struct StaticFilesConfig {
    path: String,
    directory: PathBuf,
    html: bool,
    check_dir: bool,
    packages: Vec<PathBuf>,
}

impl StaticFilesConfig {
    /// Files of `directory` under the URL path `path`.
    pub fn new(path: impl Into<String>, directory: impl Into<PathBuf>) -> Self {
        StaticFilesConfig {
            path: path.into(),
            directory: directory.into(),
            html: false,
            check_dir: true,
            packages: Vec::new(),
        }
    }

    /// Html mode (default off): a directory answers with its `index.html`.
    pub fn html(mut self, html: bool) -> Self {
        self.html = html;
        self
    }

    /// Whether `build()` checks that the directory exists (default on).
    pub fn check_dir(mut self, check: bool) -> Self {
        self.check_dir = check;
        self
    }

    /// More directories searched, in order, after `directory` (Ravyn's `packages`).
    pub fn packages(mut self, directories: impl IntoIterator<Item = impl Into<PathBuf>>) -> Self {
        self.packages.extend(directories.into_iter().map(Into::into));
        self
    }

    /// The URL path.
    pub fn get_path(&self) -> &str {
        &self.path
    }

    /// The directory.
    pub fn get_directory(&self) -> &Path {
        &self.directory
    }

    /// The handler that serves these files, checked.
    pub(crate) fn into_handler(self) -> Result<StaticFiles, ConfigError> {
        if !self.path.starts_with('/') {
            return Err(ConfigError::Invalid {
                field: "static_files_config.path",
                reason: format!("{:?} must start with '/'", self.path),
            });
        }
        let mut roots = Vec::new();
        for directory in std::iter::once(&self.directory).chain(&self.packages) {
            if self.check_dir && !directory.is_dir() {
                return Err(ConfigError::Invalid {
                    field: "static_files_config.directory",
                    reason: format!("{} is not a directory", directory.display()),
                });
            }
            // Canonical, so that a symbolic link is judged by where it really points.
            let canonical = std::fs::canonicalize(directory).unwrap_or_else(|_| directory.clone());
            let serve = ServeDir::new(&canonical)
                .append_index_html_on_directories(self.html)
                .precompressed_br()
                .precompressed_gzip();
            roots.push(Root { canonical, serve });
        }
        let segments = self.path.split('/').filter(|s| !s.is_empty()).count();
        Ok(StaticFiles {
            inner: Arc::new(Inner { roots, segments, prefix: self.path.trim_end_matches('/').to_owned() }),
        })
    }
}

/// The route paths that reach the files under `prefix`: its directory form and everything below.
/// `/static` itself redirects to `/static/` (`redirect_slashes`), so relative links work.
pub(crate) fn paths(prefix: &str) -> [String; 2] {
    let base = prefix.trim_end_matches('/');
    [format!("{base}/"), format!("{base}/{{*{}}}", crate::service::REST)]
}

struct Root {
    canonical: PathBuf,
    serve: ServeDir,
}

struct Inner {
    roots: Vec<Root>,
    /// Path segments in the URL prefix.
    segments: usize,
    prefix: String,
}

/// The route handler serving one [`StaticFilesConfig`].
#[derive(Clone)]
pub(crate) struct StaticFiles {
    inner: Arc<Inner>,
}

impl Handler for StaticFiles {
    fn spec(&self) -> RouteSpec {
        RouteSpec::new("static_files", "/", &["GET", "HEAD"], 200).with_needs(Needs::NONE)
    }

    fn call(&self, request: Request) -> BoxFuture<'static, Response> {
        let inner = self.inner.clone();
        Box::pin(async move { inner.serve(request).await })
    }
}

impl Inner {
    async fn serve(&self, request: Request) -> Response {
        let mut request = request.into_http();
        let raw = request.uri().path();
        let tail = raw.match_indices('/').nth(self.segments).map_or("/", |(at, _)| &raw[at..]).to_owned();
        let Some(relative) = safe_relative_path(&tail) else { return not_found() };
        *request.uri_mut() = match tail.parse() {
            Ok(uri) => uri,
            Err(_) => return not_found(),
        };
        // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2); ServeDir knows only the latter.
        let if_none_match = request.headers_mut().remove(IF_NONE_MATCH);
        if if_none_match.is_some() {
            request.headers_mut().remove(IF_MODIFIED_SINCE);
        }
        let (head, _) = request.into_parts();
        for root in &self.roots {
            if !stays_inside(&root.canonical, &relative) {
                return not_found();
            }
            let request = http::Request::from_parts(head.clone(), Body::empty());
            let Ok(response) = root.serve.clone().call(request).await;
            match response.status() {
                StatusCode::NOT_FOUND => continue,
                StatusCode::TEMPORARY_REDIRECT => return self.redirect(&response),
                _ => return with_etag(Response::from_http(response.map(Body::from_any_body)), if_none_match.as_ref()),
            }
        }
        not_found()
    }

    /// ServeDir's redirect of a directory to its `/` form, under our prefix.
    fn redirect(&self, response: &http::Response<impl Sized>) -> Response {
        let location = response.headers().get(LOCATION).and_then(|l| l.to_str().ok()).unwrap_or("/");
        match HeaderValue::try_from(format!("{}{location}", self.prefix)) {
            Ok(location) => Response::new().status(StatusCode::TEMPORARY_REDIRECT).header(LOCATION, location),
            Err(_) => not_found(),
        }
    }
}

fn not_found() -> Response {
    HTTPException::from_status(StatusCode::NOT_FOUND).into_response()
}

/// The request's path below the prefix as a relative path of plain names, percent-decoded; `None`
/// for anything else (`..`, `.`, an empty segment, a drive or root, a backslash, a NUL).
fn safe_relative_path(tail: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(tail).decode_utf8().ok()?;
    let mut path = PathBuf::new();
    let trimmed = decoded.strip_prefix('/').unwrap_or(&decoded);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Some(path);
    }
    for segment in trimmed.split('/') {
        if segment.is_empty() || segment.contains(['\\', '\0', ':']) {
            return None;
        }
        let mut components = Path::new(segment).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(name)), None) => path.push(name),
            _ => return None,
        }
    }
    Some(path)
}

/// Whether `relative` under `root` resolves (symbolic links followed) to a place inside `root`.
/// A path that does not exist is left for ServeDir to answer 404.
///
/// Resolved on the calling thread: it is the path walk `open` does anyway (a few cached lookups,
/// microseconds on a local disk), and a round trip through the blocking pool cost far more than
/// the call (`cargo bench --bench tower -- static`: 662 µs per 4 KiB file with
/// `tokio::fs::canonicalize`, 189 µs without; docs/benchmarks.md).
fn stays_inside(root: &Path, relative: &Path) -> bool {
    match std::fs::canonicalize(root.join(relative)) {
        Ok(real) => real.starts_with(root),
        Err(_) => true,
    }
}

/// Adds a strong `ETag` made from the file's modification time, its full length and its
/// encoding; answers `304` when `If-None-Match` names it.
fn with_etag(mut response: Response, if_none_match: Option<&HeaderValue>) -> Response {
    let status = response.status_code();
    if status != StatusCode::OK && status != StatusCode::PARTIAL_CONTENT {
        return response;
    }
    let headers = response.headers();
    let modified =
        headers.get(LAST_MODIFIED).and_then(|v| v.to_str().ok()).and_then(|v| httpdate::parse_http_date(v).ok());
    let length = match headers.get(CONTENT_RANGE).and_then(|v| v.to_str().ok()) {
        Some(range) => range.rsplit('/').next().and_then(|total| total.parse::<u64>().ok()),
        None => headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok()),
    };
    let (Some(modified), Some(length)) = (modified, length) else { return response };
    let seconds = modified.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let encoding =
        headers.get(CONTENT_ENCODING).and_then(|v| v.to_str().ok()).map(|e| format!("-{e}")).unwrap_or_default();
    let Ok(etag) = HeaderValue::try_from(format!("\"{seconds:x}-{length:x}{encoding}\"")) else { return response };
    if if_none_match.is_some_and(|tags| matches_etag(tags, &etag)) {
        let mut not_modified = Response::new().status(StatusCode::NOT_MODIFIED).header(ETAG, etag);
        for name in [LAST_MODIFIED, http::header::VARY] {
            if let Some(value) = response.headers().get(&name) {
                not_modified.headers_mut().insert(name, value.clone());
            }
        }
        return not_modified;
    }
    response.headers_mut().insert(ETAG, etag);
    response
}

/// Whether an `If-None-Match` list names `etag` (weak comparison) or is `*`.
fn matches_etag(list: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(list) = list.to_str() else { return false };
    let etag = etag.to_str().unwrap_or_default();
    list.split(',').map(str::trim).any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_make_a_relative_path() {
        assert_eq!(safe_relative_path("/css/site.css"), Some(PathBuf::from("css/site.css")));
        assert_eq!(safe_relative_path("/"), Some(PathBuf::new()));
        assert_eq!(safe_relative_path("/sub/"), Some(PathBuf::from("sub")));
        assert_eq!(safe_relative_path("/a%20b.txt"), Some(PathBuf::from("a b.txt")));
        for hostile in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/a/%2E%2E/%2e%2e/x",
            "/..%2fetc",
            "//etc/passwd",
            "/./x",
            "/a\\..\\b",
            "/c:/x",
            "/a%00b",
        ] {
            assert_eq!(safe_relative_path(hostile), None, "{hostile}");
        }
    }

    #[test]
    fn if_none_match_matches_weakly_and_star() {
        let etag = HeaderValue::from_static("\"1-2\"");
        assert!(matches_etag(&HeaderValue::from_static("\"0-0\", W/\"1-2\""), &etag));
        assert!(matches_etag(&HeaderValue::from_static("*"), &etag));
        assert!(!matches_etag(&HeaderValue::from_static("\"1-3\""), &etag));
    }
}
