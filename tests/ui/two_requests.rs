use ravyn::{get, Request};

#[get("/twice")]
async fn twice(first: Request, second: Request) -> String {
    format!("{} {}", first.path(), second.path())
}

fn main() {}
