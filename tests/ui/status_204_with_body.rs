use ravyn::post;

#[post("/ping", status_code = 204)]
async fn ping() -> String {
    "pong".to_owned()
}

fn main() {}
