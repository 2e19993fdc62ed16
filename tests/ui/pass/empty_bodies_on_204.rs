//! Return types without a body are accepted on 204 routes; so is `impl Trait`, which is not checked.

use ravyn::http::StatusCode;
use ravyn::{delete, post, route, HTTPException, IntoResponse};

#[delete("/unit")]
async fn unit() {}

#[delete("/explicit-unit")]
async fn explicit_unit() -> () {}

#[delete("/result")]
async fn result() -> Result<(), HTTPException> {
    Ok(())
}

#[delete("/status")]
async fn status() -> StatusCode {
    StatusCode::NO_CONTENT
}

#[post("/no-content", status_code = 204)]
async fn no_content() -> Result<(), HTTPException> {
    Err(HTTPException::new(409, "conflict"))
}

#[route("/opaque", methods = ["DELETE"], status_code = 204)]
async fn opaque() -> impl IntoResponse {}

fn main() {
    let _ = (unit, explicit_unit, result, status, no_content, opaque);
}
