//! OpenAPI 3.1 (feature `openapi`): the document of every route, built once at `build()` from
//! what the route attributes read (the path and method they route, the arguments they bind, the
//! status they answer), served at `/openapi.json` with the docs pages beside it.
//!
//! Configure it with [`OpenAPIConfig`] (Ravyn's fields and defaults); turn it off with
//! `enable_openapi(false)` (builder or settings). Types of arguments bound by name and of `Json<T>`
//! bodies describe themselves with schemars' `JsonSchema` derive (JSON Schema 2020-12, the
//! dialect OpenAPI 3.1 uses). The guide is `docs/openapi.md`.

mod config;
pub(crate) mod docs;
pub(crate) mod document;

pub use crate::operation::{
    probe, schema_of, ApiSchema, DescribeResponse, ExtraResponse, OperationSpec, ResponseBody, ResponseFn, SchemaFn,
};
pub use config::{Contact, License, OpenAPIConfig, SecurityScheme, Server, Tag};
pub use docs::DocsAssets;
pub use document::{BEARER_SCHEME, OPENAPI_VERSION, SESSION_SCHEME};
pub use schemars;
