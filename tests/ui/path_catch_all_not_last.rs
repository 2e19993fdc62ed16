use ravyn::get;

#[get("/files/{*rest}/meta")]
async fn meta(rest: String) -> String {
    rest
}

fn main() {}
