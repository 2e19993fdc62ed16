use ravyn::get;

#[get("/generic")]
async fn generic<T: Default + ToString>() -> String {
    T::default().to_string()
}

fn main() {}
