use ravyn::get;

#[get("/range/{from}-{to}")]
async fn range(from: u32, to: u32) -> String {
    format!("{from}..{to}")
}

fn main() {}
