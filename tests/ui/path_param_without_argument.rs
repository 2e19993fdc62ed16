use ravyn::get;

#[get("/users/{id}")]
async fn user(name: String) -> String {
    name
}

fn main() {}
