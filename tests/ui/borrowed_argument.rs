use ravyn::get;

#[get("/greet")]
async fn greet(name: &str) -> String {
    format!("hello {name}")
}

fn main() {}
