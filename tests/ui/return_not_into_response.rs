use ravyn::get;

struct Plain;

#[get("/plain")]
async fn plain() -> Plain {
    Plain
}

fn main() {}
