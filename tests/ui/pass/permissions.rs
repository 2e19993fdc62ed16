use ravyn::auth::{IsAuthenticated, IsAuthenticatedOrReadOnly, Permission};
use ravyn::{get, route, Request};

struct HasRole(&'static str);

impl Permission for HasRole {
    async fn has_permission(&self, request: &Request) -> bool {
        request.identity().is_some_and(|identity| identity.is_authenticated()) && !self.0.is_empty()
    }
}

mod perms {
    pub struct Staff;
    impl ravyn::auth::Permission for Staff {
        async fn has_permission(&self, _request: &ravyn::Request) -> bool {
            true
        }
    }
}

#[get("/a", permissions = [IsAuthenticated])]
async fn a() {}

#[get("/b", status_code = 202, permissions = [IsAuthenticated, HasRole("admin"), perms::Staff])]
async fn b() {}

#[route("/c", methods = ["GET", "POST"], permissions = [IsAuthenticatedOrReadOnly])]
async fn c(request: Request) -> String {
    request.path().to_owned()
}

fn main() {
    use ravyn::Handler;
    assert_eq!(b.spec().permissions(), ["IsAuthenticated", "HasRole", "perms::Staff"]);
    assert_eq!(a.permissions().len(), 1);
    assert!(c.spec().needs().contains(ravyn::Needs::REQUEST));
}
