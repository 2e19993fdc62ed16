use ravyn::post;

#[post("/items", status_code = 1000)]
async fn create() {}

fn main() {}
