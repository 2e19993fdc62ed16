//! [`OpenAPIConfig`]: Ravyn's `OpenAPIConfig`, the document's info and where it and the docs pages
//! are served.

use serde_json::{json, Map, Value};

/// Ravyn's `OpenAPIConfig`: the document's `info`, servers, tags and security, and the URLs of
/// `/openapi.json` and of the docs pages. Every field has Ravyn's default; pass it to
/// [`RavynBuilder::openapi_config`](crate::RavynBuilder::openapi_config) or return it from
/// [`Settings::openapi_config`](crate::Settings::openapi_config).
///
/// ```
/// use ravyn_core::openapi::{Contact, OpenAPIConfig, Tag};
/// let config = OpenAPIConfig::new()
///     .title("Users API")
///     .version("1.2.0")
///     .contact(Contact::new().name("API team").email("api@example.com"))
///     .tags([Tag::new("users").description("Accounts and profiles")]);
/// assert_eq!(config.get_openapi_url(), Some("/openapi.json"));
/// assert_eq!(config.get_docs_url(), Some("/docs/swagger"));
/// ```
#[derive(Debug, Clone)]
pub struct OpenAPIConfig {
    pub(crate) title: String,
    pub(crate) version: String,
    pub(crate) summary: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) contact: Option<Contact>,
    pub(crate) license: Option<License>,
    pub(crate) terms_of_service: Option<String>,
    pub(crate) servers: Vec<Server>,
    pub(crate) tags: Vec<Tag>,
    pub(crate) security: Vec<String>,
    pub(crate) security_schemes: Vec<(String, SecurityScheme)>,
    pub(crate) openapi_url: Option<String>,
    pub(crate) docs_url: Option<String>,
    pub(crate) redoc_url: Option<String>,
    pub(crate) stoplight_url: Option<String>,
    pub(crate) rapidoc_url: Option<String>,
    pub(crate) scalar_url: Option<String>,
    pub(crate) assets: super::docs::Assets,
}

impl Default for OpenAPIConfig {
    fn default() -> Self {
        OpenAPIConfig {
            title: "Ravyn".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            summary: Some("Ravyn application".to_owned()),
            description: Some("Highly scalable, performant, easy to learn and for every application.".to_owned()),
            contact: Some(Contact::new().name("admin").email("admin@myapp.com")),
            license: None,
            terms_of_service: None,
            servers: vec![Server::new("/")],
            tags: Vec::new(),
            security: Vec::new(),
            security_schemes: Vec::new(),
            openapi_url: Some("/openapi.json".to_owned()),
            docs_url: Some("/docs/swagger".to_owned()),
            redoc_url: Some("/docs/redoc".to_owned()),
            stoplight_url: Some("/docs/elements".to_owned()),
            rapidoc_url: Some("/docs/rapidoc".to_owned()),
            scalar_url: Some("/docs/scalar".to_owned()),
            assets: super::docs::Assets::default(),
        }
    }
}

macro_rules! url_setter {
    ($(#[$doc:meta])* $field:ident, $getter:ident) => {
        $(#[$doc])*
        pub fn $field(mut self, url: impl Into<Option<&'static str>>) -> Self {
            self.$field = url.into().map(str::to_owned);
            self
        }

        #[doc = concat!("The `", stringify!($field), "`, if served.")]
        pub fn $getter(&self) -> Option<&str> {
            self.$field.as_deref()
        }
    };
}

impl OpenAPIConfig {
    /// Ravyn's defaults: title "Ravyn", the framework's version, `/openapi.json` and every docs
    /// page at `/docs/...`.
    pub fn new() -> Self {
        Self::default()
    }

    /// `info.title` (default "Ravyn").
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// `info.version`: your API's version (default: the framework's).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// `info.summary` (default "Ravyn application"; an empty string leaves it out).
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into()).filter(|s| !s.is_empty());
        self
    }

    /// `info.description`, Markdown (an empty string leaves it out).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into()).filter(|s| !s.is_empty());
        self
    }

    /// `info.contact` (default name "admin", email "admin@myapp.com", as Ravyn).
    pub fn contact(mut self, contact: Contact) -> Self {
        self.contact = Some(contact);
        self
    }

    /// Leaves `info.contact` out.
    pub fn no_contact(mut self) -> Self {
        self.contact = None;
        self
    }

    /// `info.license`.
    pub fn license(mut self, license: License) -> Self {
        self.license = Some(license);
        self
    }

    /// `info.termsOfService`, a URL.
    pub fn terms_of_service(mut self, url: impl Into<String>) -> Self {
        self.terms_of_service = Some(url.into());
        self
    }

    /// `servers` (default one server, `/`).
    pub fn servers(mut self, servers: impl IntoIterator<Item = Server>) -> Self {
        self.servers = servers.into_iter().collect();
        self
    }

    /// Descriptions of the tags operations use, written as the document's top-level Tag Objects
    /// in this order (tags used but not listed here follow, by name only).
    pub fn tags(mut self, tags: impl IntoIterator<Item = Tag>) -> Self {
        self.tags = tags.into_iter().collect();
        self
    }

    /// The document's top-level `security`: every operation needs one of these schemes unless it
    /// says otherwise (names from [`security_scheme`](Self::security_scheme)).
    pub fn security<S: Into<String>>(mut self, schemes: impl IntoIterator<Item = S>) -> Self {
        self.security = schemes.into_iter().map(Into::into).collect();
        self
    }

    /// Declares a security scheme under `name` in `components.securitySchemes`, for
    /// `security = ["name"]` on routes and [`security`](Self::security). Sessions declare theirs
    /// (`"session"`, an API key in the session cookie) without being asked.
    pub fn security_scheme(mut self, name: impl Into<String>, scheme: SecurityScheme) -> Self {
        let name = name.into();
        self.security_schemes.retain(|(existing, _)| *existing != name);
        self.security_schemes.push((name, scheme));
        self
    }

    url_setter!(
        /// Where the document is served (default `/openapi.json`); `None` serves neither it nor
        /// the docs pages (the document is still built: see `Ravyn::openapi_json`).
        openapi_url,
        get_openapi_url
    );
    url_setter!(
        /// Swagger UI (default `/docs/swagger`); `None` leaves it out.
        docs_url,
        get_docs_url
    );
    url_setter!(
        /// ReDoc (default `/docs/redoc`); `None` leaves it out.
        redoc_url,
        get_redoc_url
    );
    url_setter!(
        /// Stoplight Elements (default `/docs/elements`); `None` leaves it out.
        stoplight_url,
        get_stoplight_url
    );
    url_setter!(
        /// RapiDoc (default `/docs/rapidoc`); `None` leaves it out.
        rapidoc_url,
        get_rapidoc_url
    );
    url_setter!(
        /// Scalar (default `/docs/scalar`); `None` leaves it out.
        scalar_url,
        get_scalar_url
    );

    /// The document's `info` object.
    pub(crate) fn info(&self) -> Value {
        let mut info = Map::new();
        info.insert("title".into(), json!(self.title));
        info.insert("version".into(), json!(self.version));
        if let Some(summary) = &self.summary {
            info.insert("summary".into(), json!(summary));
        }
        if let Some(description) = &self.description {
            info.insert("description".into(), json!(description));
        }
        if let Some(terms) = &self.terms_of_service {
            info.insert("termsOfService".into(), json!(terms));
        }
        if let Some(contact) = &self.contact {
            info.insert("contact".into(), contact.to_json());
        }
        if let Some(license) = &self.license {
            info.insert("license".into(), license.to_json());
        }
        Value::Object(info)
    }
}

/// `info.contact`.
///
/// ```
/// let contact = ravyn_core::openapi::Contact::new().name("API team").url("https://example.com");
/// # let _ = contact;
/// ```
#[derive(Debug, Clone, Default)]
pub struct Contact {
    name: Option<String>,
    url: Option<String>,
    email: Option<String>,
}

impl Contact {
    /// An empty contact.
    pub fn new() -> Self {
        Self::default()
    }
    /// Who.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// A URL.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }
    /// An email address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }
    fn to_json(&self) -> Value {
        let mut out = Map::new();
        for (key, value) in [("name", &self.name), ("url", &self.url), ("email", &self.email)] {
            if let Some(value) = value {
                out.insert(key.into(), json!(value));
            }
        }
        Value::Object(out)
    }
}

/// `info.license`: a name and an SPDX identifier or a URL.
///
/// ```
/// let license = ravyn_core::openapi::License::new("MIT").identifier("MIT");
/// # let _ = license;
/// ```
#[derive(Debug, Clone)]
pub struct License {
    name: String,
    identifier: Option<String>,
    url: Option<String>,
}

impl License {
    /// A license called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        License { name: name.into(), identifier: None, url: None }
    }
    /// Its SPDX identifier (OpenAPI 3.1: exclusive with `url`).
    pub fn identifier(mut self, identifier: impl Into<String>) -> Self {
        self.identifier = Some(identifier.into());
        self.url = None;
        self
    }
    /// Where to read it (exclusive with `identifier`).
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self.identifier = None;
        self
    }
    fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("name".into(), json!(self.name));
        if let Some(identifier) = &self.identifier {
            out.insert("identifier".into(), json!(identifier));
        }
        if let Some(url) = &self.url {
            out.insert("url".into(), json!(url));
        }
        Value::Object(out)
    }
}

/// One entry of `servers`.
///
/// ```
/// let server = ravyn_core::openapi::Server::new("https://api.example.com").description("production");
/// # let _ = server;
/// ```
#[derive(Debug, Clone)]
pub struct Server {
    url: String,
    description: Option<String>,
}

impl Server {
    /// A server at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Server { url: url.into(), description: None }
    }
    /// What it is.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    pub(crate) fn to_json(&self) -> Value {
        match &self.description {
            Some(description) => json!({"url": self.url, "description": description}),
            None => json!({"url": self.url}),
        }
    }
}

/// A Tag Object: a tag's name, description and external docs. (Ravyn writes the top-level tags
/// as plain strings, which OpenAPI does not allow; these are objects.)
///
/// ```
/// let tag = ravyn_core::openapi::Tag::new("users").description("Accounts");
/// assert_eq!(tag.name(), "users");
/// ```
#[derive(Debug, Clone)]
pub struct Tag {
    name: String,
    description: Option<String>,
    external_docs: Option<String>,
}

impl Tag {
    /// The tag `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Tag { name: name.into(), description: None, external_docs: None }
    }
    /// What the tagged operations are about.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// A URL with more.
    pub fn external_docs(mut self, url: impl Into<String>) -> Self {
        self.external_docs = Some(url.into());
        self
    }
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }
    pub(crate) fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("name".into(), json!(self.name));
        if let Some(description) = &self.description {
            out.insert("description".into(), json!(description));
        }
        if let Some(url) = &self.external_docs {
            out.insert("externalDocs".into(), json!({"url": url}));
        }
        Value::Object(out)
    }
}

/// A Security Scheme Object (`components.securitySchemes`).
///
/// ```
/// use ravyn_core::openapi::{OpenAPIConfig, SecurityScheme};
/// let config = OpenAPIConfig::new()
///     .security_scheme("bearer", SecurityScheme::http_bearer(Some("JWT")))
///     .security_scheme("key", SecurityScheme::api_key_header("X-API-Key"));
/// # let _ = config;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityScheme(Value);

impl SecurityScheme {
    /// `Authorization: Bearer <token>`, with an optional format hint (`"JWT"`).
    pub fn http_bearer(format: Option<&str>) -> Self {
        match format {
            Some(format) => SecurityScheme(json!({"type": "http", "scheme": "bearer", "bearerFormat": format})),
            None => SecurityScheme(json!({"type": "http", "scheme": "bearer"})),
        }
    }
    /// HTTP Basic.
    pub fn http_basic() -> Self {
        SecurityScheme(json!({"type": "http", "scheme": "basic"}))
    }
    /// An API key in the header `name`.
    pub fn api_key_header(name: &str) -> Self {
        SecurityScheme(json!({"type": "apiKey", "in": "header", "name": name}))
    }
    /// An API key in the cookie `name` (how a session cookie is described).
    pub fn api_key_cookie(name: &str) -> Self {
        SecurityScheme(json!({"type": "apiKey", "in": "cookie", "name": name}))
    }
    /// An API key in the query parameter `name`.
    pub fn api_key_query(name: &str) -> Self {
        SecurityScheme(json!({"type": "apiKey", "in": "query", "name": name}))
    }
    /// Any Security Scheme Object, as JSON.
    pub fn raw(scheme: Value) -> Self {
        SecurityScheme(scheme)
    }

    /// How an app with a `jwt_config` reads tokens: HTTP bearer (format JWT) from
    /// `Authorization: Bearer ...`, as configured by default; an API key in the configured header,
    /// described, for another header or other schemes (`auth_header_types`).
    #[cfg(feature = "jwt")]
    pub(crate) fn for_jwt(header: &str, types: &[String]) -> Self {
        if header.eq_ignore_ascii_case("authorization") && types.iter().any(|t| t.eq_ignore_ascii_case("bearer")) {
            return SecurityScheme::http_bearer(Some("JWT"));
        }
        let example = types.first().map_or("Bearer", String::as_str);
        SecurityScheme(json!({
            "type": "apiKey",
            "in": "header",
            "name": header,
            "description": format!("A JWT access token: `{header}: {example} <token>` (schemes: {}).", types.join(", ")),
        }))
    }
    pub(crate) fn to_json(&self) -> &Value {
        &self.0
    }
}

#[cfg(all(test, feature = "jwt"))]
mod tests {
    use super::SecurityScheme;
    use serde_json::json;

    #[test]
    fn a_jwt_config_is_http_bearer_when_it_reads_authorization_bearer() {
        let types = |t: &[&str]| t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let bearer = json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"});
        assert_eq!(SecurityScheme::for_jwt("Authorization", &types(&["Bearer"])).to_json(), &bearer);
        assert_eq!(SecurityScheme::for_jwt("authorization", &types(&["JWT", "bearer"])).to_json(), &bearer);
        let other = SecurityScheme::for_jwt("Authorization", &types(&["JWT"]));
        assert_eq!(other.to_json()["type"], "apiKey");
        assert_eq!(other.to_json()["name"], "Authorization");
        assert!(other.to_json()["description"].as_str().unwrap().contains("Authorization: JWT <token>"));
        let header = SecurityScheme::for_jwt("X-Access-Token", &types(&["Bearer"]));
        assert_eq!((&header.to_json()["in"], &header.to_json()["name"]), (&json!("header"), &json!("X-Access-Token")));
    }
}
