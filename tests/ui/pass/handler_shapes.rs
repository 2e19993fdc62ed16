//! Handler shapes that must keep compiling: docs, attributes, visibility, `mut` and raw names,
//! the request under any name and path, every optional attribute form.

use ravyn::{get, patch, post, put, route, Gateway, HTTPException, Json, Ravyn};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize, schemars::JsonSchema)]
struct Form {
    name: String,
}

mod api {
    /// Documented, public, in a module.
    #[ravyn::get("/api/status")]
    #[allow(clippy::unused_async)]
    pub async fn status() -> &'static str {
        "ok"
    }
}

/// The root path is the default.
#[get]
async fn root() -> &'static str {
    "root"
}

#[get(status_code = 203)]
async fn root_status() {}

#[post("/forms/{type}/{id}", status_code = 202)]
async fn form(r#type: String, id: u64, mut payload: Form, page: Option<u32>) -> Json<Value> {
    payload.name.push('!');
    Json(json!({"type": r#type, "id": id, "name": payload.name, "page": page}))
}

#[put("/request")]
async fn request(req: ravyn::Request) -> Result<String, HTTPException> {
    Ok(req.path().to_owned())
}

#[patch("/wild/{*rest}")]
async fn wild(rest: Vec<String>) -> String {
    rest.join("/")
}

#[route("/many", methods = ["get", "Post", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE"])]
async fn many() {}

#[cfg(any())]
#[get("/never")]
async fn never() {}

/// Handlers can be local items too; the 204 check then sits in the function body.
fn local_routes() -> Vec<ravyn::Route> {
    #[ravyn::delete("/local/{id}")]
    async fn local(id: u64) -> Result<(), HTTPException> {
        if id == 0 {
            return Err(HTTPException::new(404, "missing"));
        }
        Ok(())
    }
    vec![Gateway::new(local)]
}

fn main() {
    let _ = local_routes();
    let _app = Ravyn::builder()
        .routes(vec![
            Gateway::new(api::status),
            Gateway::new(root),
            Gateway::new(form),
            Gateway::new(request),
            Gateway::new(wild),
            Gateway::new(many),
        ])
        .build();
    let _ = root_status;
}
