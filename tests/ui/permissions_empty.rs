use ravyn::get;

#[get("/items", permissions = [])]
async fn items() {}

fn main() {}
