use ravyn::post;

#[post("/hook", default_content_type = "text/plain")]
async fn hook(payload: String) -> String {
    payload
}

fn main() {}
