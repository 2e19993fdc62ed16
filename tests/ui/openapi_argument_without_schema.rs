use ravyn::post;
use serde::Deserialize;

#[derive(Deserialize)]
struct Signup {
    email: String,
}

#[post("/signup")]
async fn signup(data: Signup, referrer: Option<Referrer>) -> String {
    let _ = referrer;
    data.email
}

#[derive(Deserialize)]
struct Referrer(String);

fn main() {}
