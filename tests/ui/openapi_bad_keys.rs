use ravyn::get;

#[get("/a", tags = "users")]
async fn a() {}

#[get("/b", include_in_schema = "no")]
async fn b() {}

#[get("/c", responses(99 = String))]
async fn c() {}

#[get("/d", summary = 1)]
async fn d() {}

#[get("/e", summary = "x", summary = "y")]
async fn e() {}

fn main() {}
