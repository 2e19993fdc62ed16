use ravyn::get;

#[get("/users/{}")]
async fn user() {}

fn main() {}
