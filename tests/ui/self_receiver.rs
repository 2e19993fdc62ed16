use ravyn::get;

struct Api;

impl Api {
    #[get("/method")]
    async fn method(&self) {}
}

fn main() {}
