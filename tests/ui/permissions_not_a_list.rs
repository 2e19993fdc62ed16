use ravyn::get;

#[get("/items", permissions = IsAuthenticated)]
async fn items() {}

fn main() {}
