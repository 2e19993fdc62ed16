use ravyn::get;

#[get("/items", methods = ["GET", "POST"])]
async fn items() {}

fn main() {}
