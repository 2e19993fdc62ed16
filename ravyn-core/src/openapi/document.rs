//! The OpenAPI 3.1 document, assembled once at `build()` from the routes the router is built
//! from ([`flatten`](crate::routing::flatten)): the same full paths, methods and default statuses.

use super::config::{OpenAPIConfig, SecurityScheme};
use crate::auth::{ArcPermission, MayRefuse};
use crate::operation::{OperationSpec, ResponseBody, SchemaFn};
use crate::routing::{FlatRoute, RouteDocs};
use crate::spec::{ArgSource, ArgSpec, RouteSpec};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{json, Map, Value};

/// The OpenAPI version written.
pub const OPENAPI_VERSION: &str = "3.1.0";

/// The 400 every operation with bound arguments may answer: Ravyn's validation shape, as
/// `validation::failure` builds it.
#[derive(JsonSchema)]
#[schemars(rename = "ValidationError")]
#[allow(dead_code)] // only its schema is used
struct ValidationErrorBody {
    /// `Validation failed for <url> with method <M>.`
    detail: String,
    /// One entry per argument that did not bind.
    errors: Vec<crate::validation::FieldError>,
}

/// What the document is built from, besides the routes.
pub(crate) struct Sources<'a> {
    pub(crate) config: &'a OpenAPIConfig,
    /// The app's own tags, `include_in_schema` and security.
    pub(crate) app: &'a RouteDocs,
    /// The session cookie's name, when the app has sessions: the `session` security scheme.
    pub(crate) session_cookie: Option<&'a str>,
    /// How the app reads bearer tokens, when it has a `jwt_config`: the `bearer` security scheme.
    pub(crate) jwt: Option<SecurityScheme>,
    /// Whether the app has a user loader, which is what turns a session into a caller.
    pub(crate) user_loader: bool,
}

/// The name of the security scheme a `jwt_config` declares.
pub const BEARER_SCHEME: &str = "bearer";
/// The name of the security scheme a `session_config` declares.
pub const SESSION_SCHEME: &str = "session";

impl Sources<'_> {
    /// The schemes that can authenticate a caller, any one of which a route that needs one
    /// accepts: a bearer token (`jwt_config`), the session (`session_config` with a user loader,
    /// which is what turns a session into a user). Empty: nobody can be authenticated.
    fn authentication(&self) -> Vec<String> {
        let mut schemes = Vec::new();
        if self.jwt.is_some() {
            schemes.push(BEARER_SCHEME.to_owned());
        }
        if self.session_cookie.is_some() && self.user_loader {
            schemes.push(SESSION_SCHEME.to_owned());
        }
        schemes
    }
}

/// Builds the document for `routes` (in the router's order).
pub(crate) fn build(sources: &Sources<'_>, routes: &[FlatRoute]) -> Value {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
    });
    let mut generator = SchemaGenerator::new(settings);
    let mut paths = Map::new();
    let mut used_tags: Vec<String> = Vec::new();
    let mut used_ids: Vec<String> = Vec::new();
    let authentication = Authentication {
        schemes: sources.authentication(),
        challenge: sources.jwt.is_some(),
        app_wide_security: !sources.config.security.is_empty(),
    };
    for route in routes {
        let docs = route.docs.within(sources.app);
        let spec = route.handler.spec();
        let operation = spec.openapi();
        if docs.hidden || operation.is_some_and(|op| !op.include_in_schema) {
            continue;
        }
        let path = openapi_path(&route.path);
        let methods: Vec<&str> = spec.methods().to_vec();
        for method in &methods {
            let op = operation_object(
                &spec,
                operation,
                &docs,
                &route.permissions,
                &authentication,
                &route.path,
                method,
                methods.len(),
                &mut generator,
                &mut used_ids,
            );
            if let Some(tags) = op.get("tags").and_then(Value::as_array) {
                for tag in tags.iter().filter_map(Value::as_str) {
                    if !used_tags.iter().any(|t| t == tag) {
                        used_tags.push(tag.to_owned());
                    }
                }
            }
            let item = paths.entry(path.clone()).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(item) = item {
                item.insert(method.to_ascii_lowercase(), op);
            }
        }
    }

    let mut schemas = generator.take_definitions(true);
    schemas.insert("HTTPException".into(), HTTPException_schema());
    let mut components = Map::new();
    components.insert("schemas".into(), Value::Object(sorted(schemas)));
    let mut schemes = Map::new();
    if let Some(cookie) = sources.session_cookie {
        schemes.insert(SESSION_SCHEME.into(), SecurityScheme::api_key_cookie(cookie).to_json().clone());
    }
    if let Some(jwt) = &sources.jwt {
        schemes.insert(BEARER_SCHEME.into(), jwt.to_json().clone());
    }
    for (name, scheme) in &sources.config.security_schemes {
        schemes.insert(name.clone(), scheme.to_json().clone());
    }
    if !schemes.is_empty() {
        components.insert("securitySchemes".into(), Value::Object(schemes));
    }

    let mut tags: Vec<Value> = sources.config.tags.iter().map(|t| t.to_json()).collect();
    for tag in used_tags {
        if !sources.config.tags.iter().any(|t| t.name() == tag) {
            tags.push(json!({"name": tag}));
        }
    }

    let mut document = Map::new();
    document.insert("openapi".into(), json!(OPENAPI_VERSION));
    document.insert("info".into(), sources.config.info());
    if !sources.config.servers.is_empty() {
        document.insert("servers".into(), sources.config.servers.iter().map(|s| s.to_json()).collect());
    }
    document.insert("paths".into(), Value::Object(paths));
    document.insert("components".into(), Value::Object(components));
    if !sources.config.security.is_empty() {
        document.insert("security".into(), requirements(&sources.config.security));
    }
    if !tags.is_empty() {
        document.insert("tags".into(), Value::Array(tags));
    }
    Value::Object(document)
}

#[allow(non_snake_case)]
fn HTTPException_schema() -> Value {
    let mut generator = SchemaGenerator::default();
    crate::HTTPException::json_schema(&mut generator).to_value()
}

/// A schema as JSON; the always-true schema (`serde_json::Value`'s) as `{}`, which every tool
/// reads the same way.
fn schema_json(schema: schemars::Schema) -> Value {
    match schema.to_value() {
        Value::Bool(true) => json!({}),
        other => other,
    }
}

fn sorted(map: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

/// `/files/{*rest}` (matchit's catch-all) is `/files/{rest}` in OpenAPI.
pub(crate) fn openapi_path(path: &str) -> String {
    path.replace("{*", "{")
}

/// Ravyn's default summary: the handler's name with `_` as spaces, title-cased as Python's
/// `str.title()` does (`get_user_by_id` → "Get User By Id").
pub(crate) fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut previous_cased = false;
    for c in name.chars() {
        let c = if c == '_' { ' ' } else { c };
        if c.is_alphabetic() {
            if previous_cased {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            previous_cased = true;
        } else {
            out.push(c);
            previous_cased = false;
        }
    }
    out
}

/// Ravyn's default operation id: `<name><path>_<method>` with the handler's own path (not the
/// prefixes), every non-word character as `_`. The document falls back to the full path where
/// that would repeat an id (one handler mounted twice).
pub(crate) fn operation_id(name: &str, path: &str, method: &str) -> String {
    let raw = format!("{name}{path}_{}", method.to_ascii_lowercase());
    raw.chars().map(|c| if c.is_alphanumeric() || c == '_' { c } else { '_' }).collect()
}

fn requirements(names: &[String]) -> Value {
    names.iter().map(|name| json!({ name.as_str(): [] })).collect()
}

/// Methods whose request body has no defined meaning: their binder still reads body keys, but
/// the document offers no body (as Ravyn for GET; deliberate for DELETE).
fn bodyless(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "DELETE" | "OPTIONS" | "TRACE")
}

fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Response")
}

/// What the app can authenticate callers with, for the operations that need one.
struct Authentication {
    /// The scheme names (see [`Sources::authentication`]).
    schemes: Vec<String>,
    /// Whether a 401 carries the RFC 6750 `WWW-Authenticate` challenge (the app reads tokens).
    challenge: bool,
    /// `OpenAPIConfig::security` is set: the app said which schemes apply everywhere.
    app_wide_security: bool,
}

/// Whom the route refuses before its handler runs: its permissions (every level's) for this
/// method, and its typed arguments that exist only for an authenticated caller.
fn refusal(permissions: &[ArcPermission], operation: Option<&OperationSpec>, method: &str) -> MayRefuse {
    let by_permissions = permissions.iter().map(|p| p.may_refuse(method)).max().unwrap_or(MayRefuse::Nobody);
    if operation.is_some_and(|o| o.authenticated) {
        by_permissions.max(MayRefuse::Anonymous)
    } else {
        by_permissions
    }
}

#[allow(clippy::too_many_arguments)]
fn operation_object(
    spec: &RouteSpec,
    operation: Option<&OperationSpec>,
    docs: &RouteDocs,
    permissions: &[ArcPermission],
    authentication: &Authentication,
    full_path: &str,
    method: &str,
    method_count: usize,
    generator: &mut SchemaGenerator,
    used_ids: &mut Vec<String>,
) -> Value {
    let mut op = Map::new();
    let mut tags = docs.tags.clone();
    let mut security = docs.security.clone();
    if let Some(operation) = operation {
        for tag in operation.tags {
            if !tags.iter().any(|t| t == tag) {
                tags.push((*tag).to_owned());
            }
        }
        for scheme in operation.security {
            if !security.iter().any(|s| s == scheme) {
                security.push((*scheme).to_owned());
            }
        }
    }
    if !tags.is_empty() {
        op.insert("tags".into(), json!(tags));
    }
    let summary = operation.and_then(|o| o.summary).map_or_else(|| title_case(spec.name()), str::to_owned);
    op.insert("summary".into(), json!(summary));
    if let Some(description) = operation.and_then(|o| o.description).or(spec.description()) {
        op.insert("description".into(), json!(description));
    }
    let id = match operation.and_then(|o| o.operation_id) {
        Some(id) if method_count == 1 => id.to_owned(),
        Some(id) => format!("{id}_{}", method.to_ascii_lowercase()),
        None => {
            let id = operation_id(spec.name(), spec.path(), method);
            if used_ids.contains(&id) {
                operation_id(spec.name(), full_path, method)
            } else {
                id
            }
        }
    };
    used_ids.push(id.clone());
    op.insert("operationId".into(), json!(id));

    // Parameters and bodies, from the arguments the binder reads.
    let schemas: Vec<Option<SchemaFn>> = match operation {
        Some(operation) => operation.args.clone(),
        None => vec![None; spec.args().len()],
    };
    let mut parameters = Vec::new();
    let mut body: Option<(&ArgSpec, Option<SchemaFn>)> = None;
    let mut body_keys: Vec<(&ArgSpec, Option<SchemaFn>)> = Vec::new();
    let mut binds = false;
    for (arg, schema) in spec.args().iter().zip(schemas.iter().copied().chain(std::iter::repeat(None))) {
        let documented = operation.is_none() || schema.is_some();
        let location = match arg.source() {
            ArgSource::Path => "path",
            ArgSource::Query | ArgSource::QueryOrBody => "query",
            ArgSource::Body => {
                if documented {
                    body = Some((arg, schema));
                    binds = true;
                }
                continue;
            }
            _ => continue,
        };
        if !documented {
            continue;
        }
        binds = true;
        if arg.source() == ArgSource::QueryOrBody {
            body_keys.push((arg, schema));
        }
        let schema = schema.map_or_else(|| json!({}), |f| schema_json(f(generator)));
        let required = location == "path" || arg.required();
        parameters.push(json!({"name": arg.name(), "in": location, "required": required, "schema": schema}));
    }
    if !parameters.is_empty() {
        op.insert("parameters".into(), Value::Array(parameters));
    }
    if let Some((arg, schema)) = body {
        let schema = schema.map_or_else(|| json!({}), |f| schema_json(f(generator)));
        op.insert("requestBody".into(), request_body(&schema, arg.required()));
    } else if !body_keys.is_empty() && !bodyless(method) {
        // Each of these may come from the same key of a JSON or form body instead of the query.
        let mut properties = Map::new();
        for (arg, schema) in &body_keys {
            let schema = schema.map_or_else(|| json!({}), |f| schema_json(f(generator)));
            properties.insert(arg.name().to_owned(), schema);
        }
        let mut body = request_body(&json!({"type": "object", "properties": properties}), false);
        if let Value::Object(body) = &mut body {
            body.insert(
                "description".into(),
                json!("The query parameters may be sent as the same keys of a JSON or form body instead, which wins."),
            );
        }
        op.insert("requestBody".into(), body);
    }

    // Responses: the default status from the same `RouteSpec` the runtime applies, the 400 of
    // the binder, then what the attribute lists.
    let status = spec.status_code();
    let mut responses = Map::new();
    let described = operation.map_or(ResponseBody::Unknown, |o| (o.response)(generator));
    let description = operation.and_then(|o| o.response_description).unwrap_or("Successful response").to_owned();
    let mut ok = Map::new();
    ok.insert("description".into(), json!(description));
    if let ResponseBody::Content { media_type, schema } = described {
        if status != 204 && status != 304 {
            ok.insert("content".into(), json!({ media_type: {"schema": schema_json(schema)} }));
        }
    }
    responses.insert(status.to_string(), Value::Object(ok));
    if binds {
        let schema = generator.subschema_for::<ValidationErrorBody>().to_value();
        responses.insert(
            "400".into(),
            json!({"description": "Validation error", "content": {"application/json": {"schema": schema}}}),
        );
    }
    if body.is_some() {
        responses.insert(
            "415".into(),
            json!({"description": "Unsupported media type (the body must be JSON or an urlencoded form)",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPException"}}}}),
        );
    }
    // Refusals before the handler, in Ravyn's error shape (`permission::refusal`): 401 for a
    // caller that is not authenticated, 403 for one that is but is not allowed.
    let refuses = refusal(permissions, operation, method);
    if refuses >= MayRefuse::Anonymous {
        let mut unauthorized = json!({
            "description": "Not authenticated",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPException"}}}
        });
        if authentication.challenge {
            unauthorized["headers"] = json!({"WWW-Authenticate": {
                "description": "The RFC 6750 challenge: `Bearer`, or `Bearer error=\"invalid_token\"` for a bad token",
                "schema": {"type": "string"}
            }});
        }
        responses.insert("401".into(), unauthorized);
        // Without a way to authenticate, every caller is anonymous: only ever 401.
        if refuses == MayRefuse::Anyone && !authentication.schemes.is_empty() {
            responses.insert(
                "403".into(),
                json!({"description": "You do not have permission to perform this action.",
                       "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPException"}}}}),
            );
        }
        // Needs a caller, and says nothing of how: any scheme that can authenticate one.
        if security.is_empty() && !authentication.app_wide_security {
            security = authentication.schemes.clone();
        }
    }
    if let Some(operation) = operation {
        for extra in operation.responses {
            let mut response = Map::new();
            response.insert("description".into(), json!(extra.description.unwrap_or(reason(extra.status))));
            if let Some(schema) = extra.schema {
                response
                    .insert("content".into(), json!({"application/json": {"schema": schema_json(schema(generator))}}));
            }
            responses.insert(extra.status.to_string(), Value::Object(response));
        }
    }
    op.insert("responses".into(), Value::Object(responses));
    if operation.is_some_and(|o| o.deprecated) {
        op.insert("deprecated".into(), json!(true));
    }
    if !security.is_empty() {
        op.insert("security".into(), requirements(&security));
    }
    Value::Object(op)
}

/// A body the binder reads as JSON or as an urlencoded form.
fn request_body(schema: &Value, required: bool) -> Value {
    json!({
        "required": required,
        "content": {
            "application/json": {"schema": schema},
            "application/x-www-form-urlencoded": {"schema": schema},
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{openapi_path, operation_id, title_case};

    #[test]
    fn summaries_follow_pythons_title() {
        assert_eq!(title_case("get_user_by_id"), "Get User By Id");
        assert_eq!(title_case("login"), "Login");
        assert_eq!(title_case("v2_items"), "V2 Items");
        assert_eq!(title_case("html5page"), "Html5Page");
    }

    #[test]
    fn operation_ids_are_words() {
        assert_eq!(operation_id("user", "/users/{id}", "GET"), "user_users__id__get");
        assert_eq!(operation_id("login", "/api/login", "POST"), "login_api_login_post");
    }

    #[test]
    fn catch_alls_become_plain_parameters() {
        assert_eq!(openapi_path("/files/{*rest}"), "/files/{rest}");
        assert_eq!(openapi_path("/users/{id}"), "/users/{id}");
    }
}
