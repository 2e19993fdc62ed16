//! The docs pages (Swagger UI, ReDoc, Stoplight Elements, RapiDoc, Scalar) and the handler that
//! serves the document and them as bytes made once at `build()`.

use super::config::OpenAPIConfig;
use crate::handler::{BoxFuture, Handler};
use crate::request::Request;
use crate::response::Response;
use crate::spec::{Needs, RouteSpec};
use bytes::Bytes;
use http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};

/// Where the docs pages load their JavaScript and CSS from.
///
/// ```
/// use ravyn_core::openapi::{DocsAssets, OpenAPIConfig};
/// // As Ravyn: from a CDN (jsDelivr), pinned by major version.
/// let config = OpenAPIConfig::new();
/// // Docs without the internet: from the app itself, under `/docs/assets/`
/// // (needs the `embedded-docs` feature, which vendors the files; nothing is downloaded at build).
/// let offline = OpenAPIConfig::new().assets(DocsAssets::Served { prefix: "/docs/assets" });
/// # let _ = (config, offline);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DocsAssets {
    /// From jsDelivr (the default, as Ravyn).
    #[default]
    Cdn,
    /// From the app itself, at `prefix` (feature `embedded-docs`).
    Served {
        /// The URL prefix the files are served under (e.g. `/docs/assets`).
        prefix: &'static str,
    },
}

pub(crate) type Assets = DocsAssets;

impl OpenAPIConfig {
    /// Where the docs pages load their scripts and styles from (default: a CDN).
    pub fn assets(mut self, assets: DocsAssets) -> Self {
        self.assets = assets;
        self
    }
}

/// One asset file of a docs page: its name, the CDN URL, its content type.
struct Asset {
    file: &'static str,
    cdn: &'static str,
}

const SWAGGER_JS: Asset =
    Asset { file: "swagger-ui-bundle.js", cdn: "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js" };
const SWAGGER_CSS: Asset =
    Asset { file: "swagger-ui.css", cdn: "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css" };
const REDOC_JS: Asset =
    Asset { file: "redoc.standalone.js", cdn: "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js" };
const ELEMENTS_JS: Asset = Asset {
    file: "elements-web-components.min.js",
    cdn: "https://cdn.jsdelivr.net/npm/@stoplight/elements@8/web-components.min.js",
};
const ELEMENTS_CSS: Asset =
    Asset { file: "elements-styles.min.css", cdn: "https://cdn.jsdelivr.net/npm/@stoplight/elements@8/styles.min.css" };
const RAPIDOC_JS: Asset =
    Asset { file: "rapidoc-min.js", cdn: "https://cdn.jsdelivr.net/npm/rapidoc@9/dist/rapidoc-min.js" };
const SCALAR_JS: Asset = Asset {
    file: "scalar-standalone.js",
    cdn: "https://cdn.jsdelivr.net/npm/@scalar/api-reference@1/dist/browser/standalone.js",
};

fn url(asset: &Asset, assets: &DocsAssets) -> String {
    match assets {
        DocsAssets::Cdn => asset.cdn.to_owned(),
        DocsAssets::Served { prefix } => format!("{}/{}", prefix.trim_end_matches('/'), asset.file),
    }
}

/// HTML-escapes text for an attribute or element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// A JSON string literal safe inside a `<script>` (no `</script>` can close it).
fn js_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default().replace('<', "\\u003c")
}

fn page(title: &str, head: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n{head}</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

pub(crate) fn swagger(config: &OpenAPIConfig, spec_url: &str) -> String {
    let assets = &config.assets;
    page(
        &format!("{} - Swagger UI", config.title),
        &format!("<link rel=\"stylesheet\" href=\"{}\">\n", escape(&url(&SWAGGER_CSS, assets))),
        &format!(
            "<div id=\"swagger-ui\"></div>\n<script src=\"{}\"></script>\n<script>\n\
             window.ui = SwaggerUIBundle({{url: {}, dom_id: '#swagger-ui', deepLinking: true, \
             presets: [SwaggerUIBundle.presets.apis], \
             layout: 'BaseLayout', showExtensions: true, showCommonExtensions: true}});\n</script>\n",
            escape(&url(&SWAGGER_JS, assets)),
            js_string(spec_url)
        ),
    )
}

pub(crate) fn redoc(config: &OpenAPIConfig, spec_url: &str) -> String {
    page(
        &format!("{} - ReDoc", config.title),
        "<style>body { margin: 0; padding: 0; }</style>\n",
        &format!(
            "<redoc spec-url=\"{}\"></redoc>\n<script src=\"{}\"></script>\n",
            escape(spec_url),
            escape(&url(&REDOC_JS, &config.assets))
        ),
    )
}

pub(crate) fn elements(config: &OpenAPIConfig, spec_url: &str) -> String {
    let assets = &config.assets;
    page(
        &format!("{} - Elements", config.title),
        &format!(
            "<script src=\"{}\"></script>\n<link rel=\"stylesheet\" href=\"{}\">\n",
            escape(&url(&ELEMENTS_JS, assets)),
            escape(&url(&ELEMENTS_CSS, assets))
        ),
        &format!(
            "<elements-api apiDescriptionUrl=\"{}\" router=\"hash\" layout=\"sidebar\"></elements-api>\n",
            escape(spec_url)
        ),
    )
}

pub(crate) fn rapidoc(config: &OpenAPIConfig, spec_url: &str) -> String {
    page(
        &format!("{} - RapiDoc", config.title),
        &format!("<script type=\"module\" src=\"{}\"></script>\n", escape(&url(&RAPIDOC_JS, &config.assets))),
        &format!("<rapi-doc spec-url=\"{}\" render-style=\"read\"></rapi-doc>\n", escape(spec_url)),
    )
}

pub(crate) fn scalar(config: &OpenAPIConfig, spec_url: &str) -> String {
    page(
        &format!("{} - Scalar", config.title),
        "",
        &format!(
            "<script id=\"api-reference\" data-url=\"{}\"></script>\n<script src=\"{}\"></script>\n",
            escape(spec_url),
            escape(&url(&SCALAR_JS, &config.assets))
        ),
    )
}

/// The vendored asset files (feature `embedded-docs`): name, content type, bytes.
#[cfg(feature = "embedded-docs")]
pub(crate) fn embedded() -> Vec<(&'static str, &'static str, &'static [u8])> {
    const JS: &str = "text/javascript; charset=utf-8";
    const CSS: &str = "text/css; charset=utf-8";
    macro_rules! file {
        ($asset:expr, $path:literal, $ty:expr) => {
            ($asset.file, $ty, &include_bytes!(concat!("../../assets/docs/", $path))[..])
        };
    }
    vec![
        file!(SWAGGER_JS, "swagger-ui-bundle.js", JS),
        file!(SWAGGER_CSS, "swagger-ui.css", CSS),
        file!(REDOC_JS, "redoc.standalone.js", JS),
        file!(ELEMENTS_JS, "elements-web-components.min.js", JS),
        file!(ELEMENTS_CSS, "elements-styles.min.css", CSS),
        file!(RAPIDOC_JS, "rapidoc-min.js", JS),
        file!(SCALAR_JS, "scalar-standalone.js", JS),
    ]
}

/// The routes that serve the document (`bytes`) and the docs pages `config` asks for, and the
/// asset files when they are served from the app.
pub(crate) fn routes(config: &OpenAPIConfig, document: &Bytes) -> Vec<(String, StaticBytes)> {
    let Some(spec_url) = config.get_openapi_url() else { return Vec::new() };
    let mut routes = vec![(spec_url.to_owned(), StaticBytes::new("openapi", "application/json", document.clone()))];
    type Render = fn(&OpenAPIConfig, &str) -> String;
    let pages: [(Option<&str>, &'static str, Render); 5] = [
        (config.get_docs_url(), "swagger", swagger),
        (config.get_redoc_url(), "redoc", redoc),
        (config.get_stoplight_url(), "elements", elements),
        (config.get_rapidoc_url(), "rapidoc", rapidoc),
        (config.get_scalar_url(), "scalar", scalar),
    ];
    for (url, name, render) in pages {
        if let Some(url) = url {
            routes.push((url.to_owned(), StaticBytes::new(name, "text/html; charset=utf-8", render(config, spec_url))));
        }
    }
    #[cfg(feature = "embedded-docs")]
    if let DocsAssets::Served { prefix } = &config.assets {
        for (file, content_type, bytes) in embedded() {
            let path = format!("{}/{file}", prefix.trim_end_matches('/'));
            routes.push((path, StaticBytes::new("docs_asset", content_type, Bytes::from_static(bytes))));
        }
    }
    routes
}

/// A `GET` route answering bytes made once: the document, a docs page, an asset.
pub(crate) struct StaticBytes {
    pub(crate) name: &'static str,
    pub(crate) content_type: HeaderValue,
    pub(crate) bytes: Bytes,
}

impl StaticBytes {
    pub(crate) fn new(name: &'static str, content_type: &'static str, bytes: impl Into<Bytes>) -> Self {
        StaticBytes { name, content_type: HeaderValue::from_static(content_type), bytes: bytes.into() }
    }
}

impl Handler for StaticBytes {
    fn spec(&self) -> RouteSpec {
        // The path is the Gateway's prefix (the configured URL).
        RouteSpec::new(self.name, "/", &["GET"], 200).with_needs(Needs::NONE)
    }

    fn call(&self, _request: Request) -> BoxFuture<'static, Response> {
        let response = Response::with_body(self.bytes.clone())
            .header(CONTENT_TYPE, self.content_type.clone())
            .header(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        Box::pin(async move { response })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_point_at_the_document_and_their_assets() {
        let config = OpenAPIConfig::new().title("A <b>");
        let html = swagger(&config, "/openapi.json");
        assert!(html.contains("url: \"/openapi.json\""), "{html}");
        assert!(html.contains("<title>A &lt;b&gt; - Swagger UI</title>"));
        assert!(html.contains(SWAGGER_JS.cdn));
        let local = config.assets(DocsAssets::Served { prefix: "/docs/assets/" });
        let html = redoc(&local, "/openapi.json");
        assert!(html.contains("src=\"/docs/assets/redoc.standalone.js\""), "{html}");
        assert!(html.contains("spec-url=\"/openapi.json\""));
        for html in [elements(&local, "/o.json"), rapidoc(&local, "/o.json"), scalar(&local, "/o.json")] {
            assert!(html.contains("/o.json") && html.contains("/docs/assets/"), "{html}");
        }
    }

    #[test]
    fn a_url_cannot_close_the_script() {
        assert_eq!(js_string("</script>"), "\"\\u003c/script>\"");
    }
}
