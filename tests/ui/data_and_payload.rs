use ravyn::post;

#[post("/items")]
async fn create(data: String, payload: String) -> String {
    data + &payload
}

fn main() {}
