use ravyn::get;

#[get("/point")]
async fn point((x, y): (i32, i32)) -> String {
    format!("{x},{y}")
}

fn main() {}
