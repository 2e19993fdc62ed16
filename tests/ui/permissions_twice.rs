use ravyn::get;

#[get("/items", permissions = [IsAuthenticated], permissions = [AllowAny])]
async fn items() {}

fn main() {}
