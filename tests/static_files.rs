//! `StaticFilesConfig` over real HTTP: GET and HEAD, content types, `ETag`/`Last-Modified` and
//! their 304s, ranges (206, 416), precompressed siblings, html mode's `index.html`, several
//! configurations and packages, and every way out of the directory refused with Ravyn's 404.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;
#[path = "../examples/login/app.rs"]
mod login_app;

use common::{client, init_logs, TestServer};
use ravyn::config::StaticFilesConfig;
use ravyn::Ravyn;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// A fresh directory tree for one test, removed when dropped.
struct Tree(PathBuf);

impl Tree {
    fn new(name: &str) -> Self {
        let root = std::env::temp_dir().join(format!("ravyn-static-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("public/css")).unwrap();
        std::fs::create_dir_all(root.join("public/docs")).unwrap();
        std::fs::create_dir_all(root.join("package")).unwrap();
        std::fs::write(root.join("public/index.html"), "<h1>home</h1>").unwrap();
        std::fs::write(root.join("public/css/site.css"), "body { color: red }").unwrap();
        std::fs::write(root.join("public/docs/index.html"), "<h1>docs</h1>").unwrap();
        std::fs::write(root.join("public/data.json"), r#"{"n":1}"#).unwrap();
        std::fs::write(root.join("public/digits.txt"), "0123456789").unwrap();
        std::fs::write(root.join("public/app.js"), "console.log('plain')").unwrap();
        std::fs::write(root.join("public/app.js.gz"), b"\x1f\x8bpretend-gzip").unwrap();
        std::fs::write(root.join("public/app.js.br"), b"pretend-brotli").unwrap();
        std::fs::write(root.join("package/extra.txt"), "from a package").unwrap();
        std::fs::write(root.join("secret.txt"), "outside the directory").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("secret.txt"), root.join("public/escape.txt")).unwrap();
            std::os::unix::fs::symlink(root.join("package"), root.join("public/linked-dir")).unwrap();
            std::os::unix::fs::symlink(root.join("public/digits.txt"), root.join("public/inside.txt")).unwrap();
        }
        Tree(root)
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn server(tree: &Tree, html: bool) -> TestServer {
    init_logs();
    let app = Ravyn::builder()
        .static_files_config(
            StaticFilesConfig::new("/static", tree.path("public")).html(html).packages([tree.path("package")]),
        )
        .static_files_config(StaticFilesConfig::new("/assets/v1", tree.path("package")))
        .build()
        .unwrap();
    TestServer::start(app).await
}

async fn assert_ravyn_404(response: reqwest::Response, what: &str) {
    assert_eq!(response.status(), 404, "{what}");
    assert_eq!(response.headers()["content-type"], "application/json", "{what}");
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"detail": "Not Found"}), "{what}");
}

#[tokio::test]
async fn files_are_served_with_their_content_types_for_get_and_head() {
    let tree = Tree::new("types");
    let server = server(&tree, false).await;
    let http = client();
    for (path, content_type, body) in [
        ("/static/css/site.css", "text/css", "body { color: red }"),
        ("/static/data.json", "application/json", r#"{"n":1}"#),
        ("/static/index.html", "text/html", "<h1>home</h1>"),
        ("/assets/v1/extra.txt", "text/plain", "from a package"),
    ] {
        let response = http.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with(content_type), "{path}");
        assert_eq!(response.text().await.unwrap(), body, "{path}");
        let head = http.head(server.url(path)).send().await.unwrap();
        assert_eq!(head.status(), 200, "{path}");
        assert_eq!(head.headers()["content-length"], body.len().to_string().as_str(), "{path}");
        assert!(head.text().await.unwrap().is_empty(), "{path}");
    }
    // Packages are searched after the directory.
    assert_eq!(http.get(server.url("/static/extra.txt")).send().await.unwrap().text().await.unwrap(), "from a package");
    // Other methods: 405 with Allow, like any route.
    let post = http.post(server.url("/static/data.json")).send().await.unwrap();
    assert_eq!(post.status(), 405);
    assert_eq!(post.headers()["allow"], "GET, HEAD");
}

#[tokio::test]
async fn etag_and_last_modified_answer_304() {
    let tree = Tree::new("etag");
    let server = server(&tree, false).await;
    let http = client();
    let first = http.get(server.url("/static/data.json")).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let modified = first.headers()["last-modified"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    let by_etag = http.get(server.url("/static/data.json")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(by_etag.status(), 304);
    assert_eq!(by_etag.headers()["etag"], etag.as_str());
    assert!(by_etag.bytes().await.unwrap().is_empty());
    let weak = http
        .get(server.url("/static/data.json"))
        .header("if-none-match", format!("\"x\", W/{etag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 304);
    let other = http.get(server.url("/static/data.json")).header("if-none-match", "\"other\"").send().await.unwrap();
    assert_eq!(other.status(), 200);
    // If-None-Match wins over If-Modified-Since.
    let both = http
        .get(server.url("/static/data.json"))
        .header("if-none-match", "\"other\"")
        .header("if-modified-since", &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(both.status(), 200);
    let by_date =
        http.get(server.url("/static/data.json")).header("if-modified-since", &modified).send().await.unwrap();
    assert_eq!(by_date.status(), 304);
    // A changed file gets a new tag.
    std::fs::write(tree.path("public/data.json"), r#"{"n":22}"#).unwrap();
    let changed = http.get(server.url("/static/data.json")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"], etag.as_str());
}

#[tokio::test]
async fn ranges_answer_206_and_unsatisfiable_ones_416() {
    let tree = Tree::new("ranges");
    let server = server(&tree, false).await;
    let http = client();
    let part = http.get(server.url("/static/digits.txt")).header("range", "bytes=2-5").send().await.unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-range"], "bytes 2-5/10");
    let whole_etag = http.get(server.url("/static/digits.txt")).send().await.unwrap().headers()["etag"].clone();
    assert_eq!(part.headers()["etag"], whole_etag, "a range has the whole file's tag");
    assert_eq!(part.text().await.unwrap(), "2345");
    let suffix = http.get(server.url("/static/digits.txt")).header("range", "bytes=-3").send().await.unwrap();
    assert_eq!(suffix.text().await.unwrap(), "789");
    let outside = http.get(server.url("/static/digits.txt")).header("range", "bytes=50-60").send().await.unwrap();
    assert_eq!(outside.status(), 416);
    assert_eq!(outside.headers()["content-range"], "bytes */10");
}

#[tokio::test]
async fn precompressed_siblings_are_served_to_clients_that_accept_them() {
    let tree = Tree::new("precompressed");
    let server = server(&tree, false).await;
    let http = client();
    let gzip = http.get(server.url("/static/app.js")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    assert!(gzip.headers()["content-type"].to_str().unwrap().contains("javascript"));
    let gzip_etag = gzip.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(gzip.bytes().await.unwrap().as_ref(), b"\x1f\x8bpretend-gzip");
    let br = http.get(server.url("/static/app.js")).header("accept-encoding", "br, gzip").send().await.unwrap();
    assert_eq!(br.headers()["content-encoding"], "br");
    let plain = http.get(server.url("/static/app.js")).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_ne!(plain.headers()["etag"].to_str().unwrap(), gzip_etag, "each encoding has its own tag");
    assert_eq!(plain.text().await.unwrap(), "console.log('plain')");
}

#[tokio::test]
async fn html_mode_serves_index_html_for_directories() {
    let tree = Tree::new("html");
    let server = server(&tree, true).await;
    let http = client();
    assert_eq!(http.get(server.url("/static/")).send().await.unwrap().text().await.unwrap(), "<h1>home</h1>");
    assert_eq!(http.get(server.url("/static/index.html")).send().await.unwrap().text().await.unwrap(), "<h1>home</h1>");
    assert_eq!(http.get(server.url("/static/docs/")).send().await.unwrap().text().await.unwrap(), "<h1>docs</h1>");
    let bare = http.get(server.url("/static")).send().await.unwrap();
    assert!(bare.status().is_redirection());
    assert_eq!(bare.headers()["location"], "/static/");
    let directory = http.get(server.url("/static/docs")).send().await.unwrap();
    assert!(directory.status().is_redirection());
    assert_eq!(directory.headers()["location"], "/static/docs/");
    // Without html mode, a directory is not a file.
    let tree = Tree::new("no-html");
    let server = self::server(&tree, false).await;
    assert_ravyn_404(http.get(server.url("/static/")).send().await.unwrap(), "directory without html").await;
    assert_ravyn_404(http.get(server.url("/static/docs/")).send().await.unwrap(), "subdirectory without html").await;
}

#[tokio::test]
async fn missing_files_and_every_way_out_answer_ravyns_404() {
    let tree = Tree::new("traversal");
    let server = server(&tree, true).await;
    let addr = server.addr;
    for path in [
        "/static/missing.txt",
        "/static/css/missing.css",
        "/static/%2e%2e/secret.txt",
        "/static/%2E%2E/secret.txt",
        "/static/css/%2e%2e/%2e%2e/secret.txt",
        "/static/..%2fsecret.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/..%5csecret.txt",
        "/static/c:%5cwindows",
        "/static/a%00b",
        "/static/escape.txt",
        "/static/linked-dir/extra.txt",
    ] {
        // Raw over TCP: a client would normalise `..` away before sending.
        let (status, body) = raw_get(addr, path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body, r#"{"detail":"Not Found"}"#, "{path}");
    }
    for path in ["/static/../secret.txt", "/static/css/../../secret.txt"] {
        let (status, body) = raw_get(addr, path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body, r#"{"detail":"Not Found"}"#, "{path}");
    }
    // A symbolic link that stays inside the directory is served.
    #[cfg(unix)]
    assert_eq!(
        client().get(server.url("/static/inside.txt")).send().await.unwrap().text().await.unwrap(),
        "0123456789"
    );
}

#[test]
fn check_dir_refuses_a_missing_directory_unless_turned_off() {
    let missing = Path::new("/no/such/ravyn/directory");
    let error = Ravyn::builder().static_files_config(StaticFilesConfig::new("/static", missing)).build().unwrap_err();
    assert!(error.to_string().contains("static_files_config.directory"), "{error}");
    assert!(Ravyn::builder()
        .static_files_config(StaticFilesConfig::new("/static", missing).check_dir(false))
        .build()
        .is_ok());
    let error = Ravyn::builder().static_files_config(StaticFilesConfig::new("static", "/tmp")).build().unwrap_err();
    assert!(error.to_string().contains("static_files_config.path"), "{error}");
}

/// A GET written byte for byte on a socket, so the path reaches the server as it is.
async fn raw_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

#[tokio::test]
async fn login_example_serves_its_page_and_compresses_with_compression_1() {
    init_logs();
    let secret = "static-files-secret-of-at-least-32-bytes";
    let options = login_app::Options::for_tests(secret);
    let server = TestServer::start(login_app::build(&options).unwrap()).await;
    let http = client();
    let page_file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/login/static/index.html")).unwrap();
    for path in ["/static/", "/static/index.html"] {
        let page = http.get(server.url(path)).header("accept-encoding", "gzip").send().await.unwrap();
        assert_eq!(page.status(), 200, "{path}");
        assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
        assert!(page.headers().get("content-encoding").is_none(), "{path}: no compression without COMPRESSION=1");
        let text = page.text().await.unwrap();
        assert_eq!(text, page_file, "{path}");
        assert!(text.contains("fetch(\"/profile\")") && text.contains("\"/login\""), "the page uses the JSON API");
    }
    let hello = http.get(server.url("/hello")).header("accept-encoding", "gzip").send().await.unwrap();
    assert!(hello.headers().get("content-encoding").is_none());

    let options = login_app::Options { compression: true, ..login_app::Options::for_tests(secret) };
    let server = TestServer::start(login_app::build(&options).unwrap()).await;
    for encoding in ["gzip", "deflate", "br", "zstd"] {
        let page = http.get(server.url("/static/")).header("accept-encoding", encoding).send().await.unwrap();
        assert_eq!(page.status(), 200, "{encoding}");
        assert_eq!(page.headers()["content-encoding"], encoding, "the page, {encoding}");
        assert!(page.bytes().await.unwrap().len() < page_file.len(), "{encoding}");
    }
    // The JSON API too, and the session still works through the layer.
    let login = http
        .post(server.url("/login"))
        .header("accept-encoding", "gzip")
        .json(&json!({"email": "alice@example.com", "password": "wonderland"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 201);
    assert!(login.headers()["set-cookie"].to_str().unwrap().starts_with("session="));
    let profile = http.get(server.url("/profile")).send().await.unwrap();
    assert_eq!(profile.status(), 200, "identity is kept: no accept-encoding, plain JSON");
    assert!(profile.headers().get("content-encoding").is_none());
    assert_eq!(profile.json::<Value>().await.unwrap()["user"]["email"], "alice@example.com");
}

#[tokio::test]
async fn settings_static_files_serve_and_no_static_path_is_an_openapi_operation() {
    init_logs();
    let tree = Tree::new("settings");
    struct AppSettings(PathBuf);
    impl ravyn::Settings for AppSettings {
        fn static_files_config(&self) -> Vec<StaticFilesConfig> {
            vec![StaticFilesConfig::new("/static", self.0.clone())]
        }
    }
    let app = Ravyn::builder().settings_module(AppSettings(tree.path("public"))).build().unwrap();
    #[cfg(feature = "openapi")]
    {
        let document: Value = serde_json::from_str(app.openapi_json().unwrap()).unwrap();
        assert_eq!(document["paths"], json!({}), "static files are not operations");
    }
    let server = TestServer::start(app).await;
    let css = client().get(server.url("/static/css/site.css")).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(css.text().await.unwrap(), "body { color: red }");
}
