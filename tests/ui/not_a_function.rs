use ravyn::get;

#[get("/thing")]
struct Thing;

fn main() {}
