//! The CORS step and the policy it applies, compiled once from a [`CORSConfig`]: every
//! header value it sends is built at start-up, so answering costs lookups and reference-count
//! bumps, not formatting.

use super::CORSConfig;
use crate::error::ConfigError;
use crate::pipeline::{Flow, Rest, Step};
use crate::request::Request;
use crate::response::{IntoResponse, Response};
use crate::HTTPException;
use http::header::{
    HeaderName, HeaderValue, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use http::{HeaderMap, Method, StatusCode};
use regex_lite::Regex;

const ANY: &str = "*";
/// What `allow_methods(["*"])` announces in a preflight answer (Starlette's list). A method
/// outside it is still allowed, and echoed.
const ALL_METHODS: &str = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";
/// Request headers a browser sends cross-origin without asking (the CORS-safelisted ones).
const SAFELISTED_HEADERS: [&str; 4] = ["accept", "accept-language", "content-language", "content-type"];
const REQUEST_PRIVATE_NETWORK: HeaderName = HeaderName::from_static("access-control-request-private-network");
const ALLOW_PRIVATE_NETWORK: HeaderName = HeaderName::from_static("access-control-allow-private-network");
const TRUE: HeaderValue = HeaderValue::from_static("true");
const STAR: HeaderValue = HeaderValue::from_static("*");
const VARY_ORIGIN: HeaderValue = HeaderValue::from_static("Origin");
/// A preflight's answer depends on what it asks for (allowed, refused, or echoed with `*`), so a
/// cache must key it on those too (security review I5).
const VARY_PREFLIGHT: HeaderValue =
    HeaderValue::from_static("Access-Control-Request-Method, Access-Control-Request-Headers");

/// A [`CORSConfig`] checked and turned into ready-made header values.
#[derive(Debug)]
pub(crate) struct CorsPolicy {
    any_origin: bool,
    origins: Box<[Box<str>]>,
    origin_regex: Option<Regex>,
    any_method: bool,
    methods: Box<[Method]>,
    allow_methods: HeaderValue,
    any_header: bool,
    /// Lower-case, safelisted ones included.
    headers: Box<[HeaderName]>,
    allow_headers: HeaderValue,
    credentials: bool,
    expose_headers: Option<HeaderValue>,
    max_age: HeaderValue,
    private_networks: bool,
    /// Whether the answer depends on `Origin` (anything but "any origin"), so caches must key
    /// on it.
    vary_origin: bool,
}

fn cors_error(field: &'static str, reason: String) -> ConfigError {
    ConfigError::Cors { field, reason }
}

fn join_header(
    values: impl IntoIterator<Item = impl AsRef<str>>,
    field: &'static str,
) -> Result<HeaderValue, ConfigError> {
    let joined = values.into_iter().map(|v| v.as_ref().to_owned()).collect::<Vec<_>>().join(", ");
    HeaderValue::try_from(joined).map_err(|_| cors_error(field, "not a valid header value".to_owned()))
}

/// `scheme://host[:port]`, as browsers send it in `Origin`.
fn check_origin(origin: &str) -> Result<(), String> {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return Err(format!("{origin:?} is not an origin: write scheme://host[:port], e.g. \"https://app.example\""));
    };
    if rest.ends_with('/') {
        return Err(format!(
            "{origin:?} has a trailing '/', which browsers never send in Origin: write {:?}",
            origin.trim_end_matches('/')
        ));
    }
    let scheme_ok = !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    if !scheme_ok || rest.is_empty() || rest.bytes().any(|b| b"/?#".contains(&b) || !b.is_ascii_graphic()) {
        return Err(format!("{origin:?} is not an origin: write scheme://host[:port], with no path"));
    }
    Ok(())
}

impl CorsPolicy {
    pub(crate) fn compile(config: &CORSConfig) -> Result<Self, ConfigError> {
        let any_origin = config.allow_origins.iter().any(|o| o == ANY);
        if any_origin && config.allow_credentials {
            return Err(cors_error(
                "allow_origins",
                "`*` cannot be combined with allow_credentials(true): browsers reject \
                 `Access-Control-Allow-Origin: *` on credentialed requests; list the origins (or use \
                 allow_origin_regex) and the matching origin is echoed back"
                    .to_owned(),
            ));
        }
        let mut origins = Vec::with_capacity(config.allow_origins.len());
        for origin in config.allow_origins.iter().filter(|o| *o != ANY) {
            check_origin(origin).map_err(|r| cors_error("allow_origins", r))?;
            origins.push(Box::from(origin.as_str()));
        }
        let origin_regex = match &config.allow_origin_regex {
            Some(pattern) => Some(
                Regex::new(&format!("^(?:{pattern})$"))
                    .map_err(|e| cors_error("allow_origin_regex", format!("{pattern:?} is not a valid regex: {e}")))?,
            ),
            None => None,
        };

        let any_method = config.allow_methods.iter().any(|m| m == ANY);
        let mut methods = Vec::with_capacity(config.allow_methods.len());
        for method in config.allow_methods.iter().filter(|m| *m != ANY) {
            let upper = method.trim().to_ascii_uppercase();
            let parsed = Method::from_bytes(upper.as_bytes())
                .map_err(|_| cors_error("allow_methods", format!("{method:?} is not a valid method")))?;
            if !methods.contains(&parsed) {
                methods.push(parsed);
            }
        }
        let allow_methods = if any_method {
            HeaderValue::from_static(ALL_METHODS)
        } else {
            join_header(methods.iter().map(Method::as_str), "allow_methods")?
        };

        let any_header = config.allow_headers.iter().any(|h| h == ANY);
        let mut headers: Vec<HeaderName> = SAFELISTED_HEADERS.iter().map(|h| HeaderName::from_static(h)).collect();
        for header in config.allow_headers.iter().filter(|h| *h != ANY) {
            let name = HeaderName::from_bytes(header.trim().as_bytes())
                .map_err(|_| cors_error("allow_headers", format!("{header:?} is not a valid header name")))?;
            if !headers.contains(&name) {
                headers.push(name);
            }
        }
        headers.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        let allow_headers = join_header(headers.iter().map(HeaderName::as_str), "allow_headers")?;

        let expose_any = config.expose_headers.iter().any(|h| h == ANY);
        if expose_any && config.allow_credentials {
            return Err(cors_error(
                "expose_headers",
                "`*` means a header literally named \"*\" on credentialed requests; list the headers to \
                 expose"
                    .to_owned(),
            ));
        }
        for header in config.expose_headers.iter().filter(|h| *h != ANY) {
            HeaderName::from_bytes(header.trim().as_bytes())
                .map_err(|_| cors_error("expose_headers", format!("{header:?} is not a valid header name")))?;
        }
        let expose_headers = if config.expose_headers.is_empty() {
            None
        } else {
            Some(join_header(config.expose_headers.iter().map(|h| h.trim()), "expose_headers")?)
        };

        Ok(CorsPolicy {
            any_origin,
            origins: origins.into_boxed_slice(),
            origin_regex,
            any_method,
            methods: methods.into_boxed_slice(),
            allow_methods,
            any_header,
            headers: headers.into_boxed_slice(),
            allow_headers,
            credentials: config.allow_credentials,
            expose_headers,
            max_age: HeaderValue::from(config.max_age),
            private_networks: config.allow_private_networks,
            vary_origin: !any_origin,
        })
    }

    fn allows_origin(&self, origin: &HeaderValue) -> bool {
        if self.any_origin {
            return true;
        }
        let Ok(origin) = origin.to_str() else { return false };
        self.origins.iter().any(|o| &**o == origin) || self.origin_regex.as_ref().is_some_and(|r| r.is_match(origin))
    }

    /// `Access-Control-Allow-Origin` (and `Vary`, `-Allow-Credentials`) for an allowed origin.
    fn allow_origin(&self, origin: &HeaderValue, headers: &mut HeaderMap) {
        if self.any_origin {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, STAR);
        } else {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        }
        if self.credentials {
            headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
        }
    }

    fn add_vary(&self, headers: &mut HeaderMap) {
        if self.vary_origin {
            headers.append(VARY, VARY_ORIGIN);
        }
    }

    /// The answer to a preflight: 200 with what is allowed, or 400 naming what is not.
    fn preflight(&self, request: &Request, origin: &HeaderValue) -> Response {
        let asked = request.headers();
        let mut refused: Vec<String> = Vec::new();
        if !self.allows_origin(origin) {
            refused.push(format!("origin '{}'", String::from_utf8_lossy(origin.as_bytes())));
        }
        let method = asked.get(ACCESS_CONTROL_REQUEST_METHOD).and_then(|m| Method::from_bytes(m.as_bytes()).ok());
        let method_ok = method.as_ref().is_some_and(|m| self.any_method || self.methods.contains(m));
        if !method_ok {
            let shown = asked.get(ACCESS_CONTROL_REQUEST_METHOD).map(|m| String::from_utf8_lossy(m.as_bytes()));
            refused.push(format!("method '{}'", shown.unwrap_or_default()));
        }
        let requested_headers = asked.get(ACCESS_CONTROL_REQUEST_HEADERS);
        if !self.any_header {
            if let Some(requested) = requested_headers {
                let disallowed: Vec<String> = String::from_utf8_lossy(requested.as_bytes())
                    .split(',')
                    .map(|h| h.trim().to_ascii_lowercase())
                    .filter(|h| !h.is_empty() && !self.headers.iter().any(|allowed| allowed.as_str() == h))
                    .collect();
                if !disallowed.is_empty() {
                    refused.push(format!("headers '{}'", disallowed.join(", ")));
                }
            }
        }
        let private_network = asked.get(REQUEST_PRIVATE_NETWORK).is_some_and(|v| v.as_bytes() == b"true");
        if private_network && !self.private_networks {
            refused.push("private network access".to_owned());
        }

        if !refused.is_empty() {
            let mut response =
                HTTPException::new(StatusCode::BAD_REQUEST, format!("Disallowed CORS {}.", refused.join(", ")))
                    .into_response();
            self.add_vary(response.headers_mut());
            response.headers_mut().append(VARY, VARY_PREFLIGHT);
            return response;
        }

        let mut response = Response::text("OK").status(StatusCode::OK);
        let headers = response.headers_mut();
        self.allow_origin(origin, headers);
        self.add_vary(headers);
        headers.append(VARY, VARY_PREFLIGHT);
        let method_listed = method.as_ref().is_some_and(|m| !self.any_method || ALL_METHODS.contains(m.as_str()));
        match &method {
            Some(m) if !method_listed => {
                // `*` allows any method; announce the unusual one asked for.
                if let Ok(value) = HeaderValue::from_str(m.as_str()) {
                    headers.insert(ACCESS_CONTROL_ALLOW_METHODS, value);
                }
            }
            _ => {
                headers.insert(ACCESS_CONTROL_ALLOW_METHODS, self.allow_methods.clone());
            }
        }
        match requested_headers {
            Some(requested) if self.any_header => {
                headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
            }
            _ if !self.any_header => {
                headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, self.allow_headers.clone());
            }
            _ => {}
        }
        headers.insert(ACCESS_CONTROL_MAX_AGE, self.max_age.clone());
        if private_network {
            headers.insert(ALLOW_PRIVATE_NETWORK, TRUE);
        }
        response
    }
}

/// Installed by `cors_config(...)`; the outermost step of the pipeline, so a request without
/// `Origin` costs one header lookup; and since the pipeline has already turned panics into 500s
/// inside it, those get CORS headers too.
pub(crate) struct CorsStep {
    policy: CorsPolicy,
}

impl CorsStep {
    pub(crate) fn new(config: &CORSConfig) -> Result<Self, ConfigError> {
        Ok(CorsStep { policy: CorsPolicy::compile(config)? })
    }
}

impl Step for CorsStep {
    /// Answers a preflight, or runs `inner` (the rest of the app) and adds the CORS headers.
    async fn around(&self, _flow: &Flow<'_>, request: Request, rest: impl Rest) -> Response {
        let policy = &self.policy;
        let origin = match request.headers().get(ORIGIN) {
            Some(origin) => origin.clone(),
            // Not a CORS request: one lookup, and a static Vary when answers depend on Origin.
            None => {
                let mut response = rest.run(request).await;
                policy.add_vary(response.headers_mut());
                return response;
            }
        };
        if request.method() == Method::OPTIONS && request.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD) {
            return policy.preflight(&request, &origin);
        }
        let allowed = policy.allows_origin(&origin);
        let mut response = rest.run(request).await;
        let headers = response.headers_mut();
        policy.add_vary(headers);
        // Another origin is still served; without CORS headers the browser hides the answer.
        if allowed {
            policy.allow_origin(&origin, headers);
            if let Some(expose) = &policy.expose_headers {
                headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone());
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestClient;
    use crate::{BoxFuture, Gateway, Handler, Ravyn, RouteSpec};

    #[derive(Clone)]
    struct Hello;
    impl Handler for Hello {
        fn spec(&self) -> RouteSpec {
            RouteSpec::new("hello", "/hello", &["GET", "POST"], 200)
        }
        fn call(&self, _request: Request) -> BoxFuture<'static, Response> {
            Box::pin(async { Response::text("hello") })
        }
    }

    fn client(config: CORSConfig) -> TestClient {
        TestClient::new(Ravyn::builder().cors_config(config).routes([Gateway::new(Hello)]).build().unwrap())
    }

    #[tokio::test]
    async fn no_origin_no_cors_headers() {
        let response = client(CORSConfig::new()).get("/hello").send().await;
        assert_eq!(response.status(), 200);
        assert!(response.header("access-control-allow-origin").is_none());
        assert!(response.header("vary").is_none());
        let listed = client(CORSConfig::new().allow_origins(["https://a.example"])).get("/hello").send().await;
        assert_eq!(listed.header("vary"), Some("Origin"));
        assert!(listed.header("access-control-allow-origin").is_none());
    }

    #[tokio::test]
    async fn any_origin_gets_a_star() {
        let response = client(CORSConfig::new()).get("/hello").header("origin", "https://x.example").send().await;
        assert_eq!(response.header("access-control-allow-origin"), Some("*"));
        assert!(response.header("access-control-allow-credentials").is_none());
        assert!(response.header("vary").is_none());
    }

    #[tokio::test]
    async fn preflight_with_star_headers_echoes_the_request() {
        let response = client(CORSConfig::new())
            .request(Method::OPTIONS, "/hello")
            .header("origin", "https://x.example")
            .header("access-control-request-method", "PROPFIND")
            .header("access-control-request-headers", "X-One, x-two")
            .send()
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.header("access-control-allow-methods"), Some("PROPFIND"));
        assert_eq!(response.header("access-control-allow-headers"), Some("X-One, x-two"));
        assert_eq!(response.header("access-control-max-age"), Some("600"));
        // The answer echoes what was asked: caches must key on it (security review I5).
        assert_eq!(response.header("vary"), Some("Access-Control-Request-Method, Access-Control-Request-Headers"));
    }

    #[tokio::test]
    async fn private_network_preflights() {
        let ask = |client: TestClient| async move {
            client
                .request(Method::OPTIONS, "/hello")
                .header("origin", "https://x.example")
                .header("access-control-request-method", "GET")
                .header("access-control-request-private-network", "true")
                .send()
                .await
        };
        let refused = ask(client(CORSConfig::new())).await;
        assert_eq!(refused.status(), 400);
        assert!(refused.text().contains("private network"), "{}", refused.text());
        let allowed = ask(client(CORSConfig::new().allow_private_networks(true))).await;
        assert_eq!(allowed.status(), 200);
        assert_eq!(allowed.header("access-control-allow-private-network"), Some("true"));
    }

    #[test]
    fn listed_headers_include_the_safelisted_ones_sorted() {
        let policy = CorsPolicy::compile(&CORSConfig::new().allow_headers(["X-CSRFToken", "Content-Type"])).unwrap();
        assert_eq!(policy.allow_headers, "accept, accept-language, content-language, content-type, x-csrftoken");
        let policy = CorsPolicy::compile(&CORSConfig::new().allow_methods(["get", "POST", "GET"])).unwrap();
        assert_eq!(policy.allow_methods, "GET, POST");
    }
}
