use ravyn::route;

#[route("/items", methods = ["GET", "FETCH"])]
async fn items() {}

fn main() {}
