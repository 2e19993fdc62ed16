use ravyn::auth::IsAuthenticated;
use ravyn::get;

struct NotAPermission;

#[get("/items", permissions = [IsAuthenticated, NotAPermission])]
async fn items() {}

fn main() {}
