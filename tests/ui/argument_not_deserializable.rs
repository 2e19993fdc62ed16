use ravyn::get;

struct Opaque;

#[get("/opaque")]
async fn opaque(value: Opaque) -> &'static str {
    let _ = value;
    "ok"
}

fn main() {}
