//! The route path: its `{name}` and `{*name}` parameters, checked against the router's syntax
//! (matchit's) so a bad path fails at compile time rather than when the app is built.

use crate::diagnostic::error;
use syn::LitStr;

/// One parameter of a route path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathParam {
    /// The name between the braces, without the `*` of a catch-all.
    pub(crate) name: String,
    /// `{*name}`: matches the rest of the path, slashes included.
    pub(crate) catch_all: bool,
}

/// The parameters of `path`, in order, or an error on the literal saying what is wrong and how to
/// write it instead.
pub(crate) fn parse(path: &LitStr) -> syn::Result<Vec<PathParam>> {
    parse_str(&path.value()).map_err(|problem| error(path.span(), problem.message, problem.hint))
}

/// Why a path is rejected.
#[derive(Debug, PartialEq, Eq)]
struct Problem {
    message: String,
    hint: String,
}

fn problem(message: impl Into<String>, hint: impl Into<String>) -> Problem {
    Problem { message: message.into(), hint: hint.into() }
}

fn parse_str(path: &str) -> Result<Vec<PathParam>, Problem> {
    if !path.starts_with('/') {
        return Err(problem(
            "a route path must start with `/`",
            format!("write \"/{}\"", path.trim_start_matches('/')),
        ));
    }
    if let Some(at) = path.find('?') {
        return Err(problem(
            "a route path cannot contain a query string",
            format!(
                "remove `{}`: query parameters bind to handler arguments by name",
                path.get(at..).unwrap_or_default()
            ),
        ));
    }
    if path.contains("//") {
        return Err(problem("a route path cannot contain an empty segment `//`", "separate segments with one `/`"));
    }

    let chars: Vec<char> = path.chars().collect();
    let mut params: Vec<PathParam> = Vec::new();
    let mut params_in_segment = 0;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '/' => params_in_segment = 0,
            '{' if chars.get(i + 1) == Some(&'{') => i += 1,
            '}' if chars.get(i + 1) == Some(&'}') => i += 1,
            '}' => {
                return Err(problem(
                    "unmatched `}` in the route path",
                    "open the parameter with `{`, or write a literal brace as `}}`",
                ))
            }
            '{' => {
                let Some(close) = chars[i + 1..].iter().position(|&c| c == '}').map(|offset| i + 1 + offset) else {
                    return Err(unclosed());
                };
                let inner: String = chars[i + 1..close].iter().collect();
                if inner.contains(['{', '/']) {
                    return Err(unclosed());
                }
                let param = parameter(&inner)?;
                params_in_segment += 1;
                if params_in_segment > 1 {
                    return Err(problem(
                        "a path segment can hold only one parameter",
                        "separate parameters with `/`, e.g. \"/{year}/{month}\"",
                    ));
                }
                if param.catch_all && (chars[i - 1] != '/' || close + 1 != chars.len()) {
                    return Err(problem(
                        format!("the catch-all `{{*{}}}` must be the whole last segment of the path", param.name),
                        format!("move it to the end, e.g. \"/files/{{*{}}}\"", param.name),
                    ));
                }
                if params.iter().any(|p| p.name == param.name) {
                    return Err(problem(
                        format!("the parameter `{}` appears twice in the route path", param.name),
                        "give each parameter its own name",
                    ));
                }
                params.push(param);
                i = close;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(params)
}

fn unclosed() -> Problem {
    problem(
        "unclosed `{` in the route path",
        "close the parameter, e.g. \"/users/{id}\", or write a literal brace as `{{`",
    )
}

fn parameter(inner: &str) -> Result<PathParam, Problem> {
    let (name, catch_all) = match inner.strip_prefix('*') {
        Some(rest) => (rest, true),
        None => (inner, false),
    };
    let written = if catch_all { format!("{{*{name}}}") } else { format!("{{{name}}}") };
    if name.is_empty() {
        let example = if catch_all { "{*rest}" } else { "{id}" };
        return Err(problem(
            format!("the parameter `{written}` has no name"),
            format!("name it after the handler argument that receives it, e.g. `{example}`"),
        ));
    }
    if !is_identifier(name) {
        let suggestion: String = name.chars().map(|c| if c.is_alphanumeric() { c } else { '_' }).collect();
        return Err(problem(
            format!("`{written}` is not a valid parameter name: it must be a Rust identifier"),
            format!(
                "parameters bind to handler arguments of the same name; use letters, digits and `_`, e.g. `{{{}}}`",
                if suggestion.starts_with(|c: char| c.is_ascii_digit()) {
                    format!("_{suggestion}")
                } else {
                    suggestion
                }
            ),
        ));
    }
    Ok(PathParam { name: name.to_owned(), catch_all })
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c == '_' || c.is_alphabetic());
    first_ok && name != "_" && chars.all(|c| c == '_' || c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::{parse_str, PathParam};

    fn names(path: &str) -> Vec<(String, bool)> {
        match parse_str(path) {
            Ok(params) => params.into_iter().map(|PathParam { name, catch_all }| (name, catch_all)).collect(),
            Err(problem) => panic!("{path} rejected: {problem:?}"),
        }
    }

    fn rejects(path: &str, message_part: &str) {
        match parse_str(path) {
            Ok(params) => panic!("{path} accepted: {params:?}"),
            Err(problem) => {
                assert!(problem.message.contains(message_part), "{path}: {} lacks {message_part}", problem.message);
            }
        }
    }

    #[test]
    fn finds_parameters() {
        assert!(names("/").is_empty());
        assert!(names("/users").is_empty());
        assert_eq!(names("/users/{id}"), [("id".to_owned(), false)]);
        assert_eq!(names("/users/{id}/posts/{post_id}").len(), 2);
        assert_eq!(names("/files/{*rest}"), [("rest".to_owned(), true)]);
        assert_eq!(names("/{*rest}"), [("rest".to_owned(), true)]);
        assert_eq!(names("/images/img-{id}.png"), [("id".to_owned(), false)]);
        assert_eq!(names("/ünï/{café}"), [("café".to_owned(), false)]);
    }

    #[test]
    fn escaped_braces_are_literal() {
        assert!(names("/{{literal}}").is_empty());
        assert_eq!(names("/{{x}}/{id}"), [("id".to_owned(), false)]);
    }

    #[test]
    fn rejects_malformed_paths() {
        rejects("users", "must start with `/`");
        rejects("", "must start with `/`");
        rejects("/users?page=1", "query string");
        rejects("/users//x", "empty segment");
        rejects("/users/{id", "unclosed `{`");
        rejects("/users/{id/x}", "unclosed `{`");
        rejects("/users/{{id}}/{x", "unclosed `{`");
        rejects("/users/{{id}/x", "unmatched `}`");
        rejects("/users/id}", "unmatched `}`");
        rejects("/users/{}", "has no name");
        rejects("/users/{*}", "has no name");
        rejects("/users/{user-id}", "not a valid parameter name");
        rejects("/users/{1st}", "not a valid parameter name");
        rejects("/users/{_}", "not a valid parameter name");
        rejects("/users/{id}/{id}", "appears twice");
        rejects("/files/{*rest}/x", "whole last segment");
        rejects("/files/x{*rest}", "whole last segment");
        rejects("/{a}-{b}", "only one parameter");
    }
}
