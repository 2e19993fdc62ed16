use ravyn::get;

#[get("/users/{id")]
async fn user(id: u64) -> String {
    id.to_string()
}

fn main() {}
