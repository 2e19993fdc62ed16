use ravyn::get;

#[get("/sync")]
fn sync() -> &'static str {
    "blocking"
}

fn main() {}
