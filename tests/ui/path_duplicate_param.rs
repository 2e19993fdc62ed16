use ravyn::get;

#[get("/pairs/{id}/{id}")]
async fn pair(id: u64) -> String {
    id.to_string()
}

fn main() {}
