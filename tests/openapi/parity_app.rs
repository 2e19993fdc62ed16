//! The small app of the OpenAPI parity test (`tests/openapi/run.sh`), written the same way as
//! `parity.py` writes it for Python Ravyn 0.4.3: prints our document for it on stdout.

use ravyn::{delete, get, post, put, Gateway, HTTPException, Include, Json, Ravyn};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Deserialize, Serialize, schemars::JsonSchema)]
struct Item {
    name: String,
    price: f64,
}

#[get("/items/{item_id}", tags = ["items"])]
async fn read_item(item_id: i64, q: Option<String>) -> Json<Value> {
    Json(json!({"item_id": item_id, "q": q}))
}

#[get("/items", tags = ["items"])]
async fn list_items(limit: i64) -> Json<Value> {
    Json(json!({"limit": limit}))
}

#[post("/items", tags = ["items"])]
async fn create_item(data: Item) -> Json<Item> {
    Json(data)
}

#[put("/items/{item_id}", tags = ["items"])]
async fn update_item(item_id: i64, data: Item) -> Json<Value> {
    Json(json!({"item_id": item_id, "name": data.name}))
}

#[delete("/items/{item_id}", tags = ["items"])]
async fn delete_item(item_id: i64) -> Result<(), HTTPException> {
    let _ = item_id;
    Ok(())
}

#[get("/health")]
async fn health() -> Json<Value> {
    Json(json!({"ok": true}))
}

#[get("/secret", include_in_schema = false)]
async fn secret() -> Json<Value> {
    Json(json!({}))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app = Ravyn::builder()
        .routes(vec![
            Include::new(
                "/api",
                vec![
                    Gateway::new(read_item),
                    Gateway::new(list_items),
                    Gateway::new(create_item),
                    Gateway::new(update_item),
                    Gateway::new(delete_item),
                ],
            ),
            Gateway::new(health),
            Gateway::new(secret),
        ])
        .build()?;
    println!("{}", app.openapi_json().ok_or("the openapi feature is off")?);
    Ok(())
}
