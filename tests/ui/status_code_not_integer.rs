use ravyn::post;

#[post("/items", status_code = ravyn::http::StatusCode::ACCEPTED)]
async fn create() {}

fn main() {}
