use ravyn::{delete, Json};
use serde_json::{json, Value};

#[delete("/items/{id}")]
async fn remove(id: u64) -> Json<Value> {
    Json(json!({"deleted": id}))
}

fn main() {}
