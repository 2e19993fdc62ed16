use ravyn::{get, Request};

#[get("/path")]
async fn path(request: &Request) -> String {
    request.path().to_owned()
}

fn main() {}
