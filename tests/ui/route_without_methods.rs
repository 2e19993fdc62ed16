use ravyn::route;

#[route("/items")]
async fn items() {}

fn main() {}
