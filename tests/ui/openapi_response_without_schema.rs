use ravyn::{get, HTTPException, Json};
use serde::Serialize;

#[derive(Serialize)]
struct Profile {
    name: String,
}

#[get("/profile")]
async fn profile() -> Result<Json<Profile>, HTTPException> {
    Ok(Json(Profile { name: "a".into() }))
}

#[derive(Serialize)]
struct Gone;

#[get("/gone", responses(410 = Gone))]
async fn gone() {}

fn main() {}
