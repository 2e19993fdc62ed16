use ravyn::get;

#[get("users")]
async fn users() {}

fn main() {}
