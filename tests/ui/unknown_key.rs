use ravyn::get;

#[get("/items", name = "items")]
async fn items() {}

fn main() {}
