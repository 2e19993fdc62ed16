use ravyn::get;

#[get("/users/id}")]
async fn user() {}

fn main() {}
