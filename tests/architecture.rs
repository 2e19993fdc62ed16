//! ARCHITECTURE.md names each hop of a request's path by its function and file; this test reads
//! that list and checks every named function still exists in a file its item names, so the map
//! cannot silently drift from the code.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

use std::path::Path;

#[test]
fn the_request_path_in_architecture_md_names_functions_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let section = page.split("## A request's path").nth(1).unwrap().split("\n## ").next().unwrap();
    let mut items: Vec<String> = Vec::new();
    for line in section.lines() {
        let trimmed = line.trim_start();
        let starts_item = trimmed.split_once(". ").is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()));
        if starts_item {
            items.push(trimmed.to_owned());
        } else if let Some(last) = items.last_mut().filter(|_| line.starts_with("   ")) {
            last.push(' ');
            last.push_str(trimmed);
        }
    }
    assert!(items.len() >= 10, "the numbered list of hops was not found: {items:?}");
    let mut checked = 0;
    for item in &items {
        let paths: Vec<&str> = item
            .split(|c: char| c == '(' || c == ')' || c.is_whitespace() || c == ',' || c == ':')
            .filter(|word| word.starts_with("ravyn") && word.ends_with(".rs"))
            .collect();
        assert!(!paths.is_empty(), "a hop names no file: {item}");
        let sources: Vec<String> = paths.iter().map(|p| std::fs::read_to_string(root.join(p)).unwrap()).collect();
        for quoted in item.split('`').skip(1).step_by(2) {
            let is_function = quoted.contains("::") || quoted.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            if !is_function || quoted.starts_with("Ravyn::builder") {
                continue;
            }
            let name = quoted.rsplit("::").next().unwrap();
            let needle = format!("fn {name}");
            assert!(
                sources.iter().any(|source| source.contains(&needle)),
                "ARCHITECTURE.md names `{quoted}`, but no `{needle}` is in {paths:?}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} functions checked");
}

/// ARCHITECTURE.md states the built-in steps' order once ("The built-in steps"); the code fixes it
/// in `Guarded::run` (ravyn-core/src/pipeline.rs), which starts a request at the first step that
/// runs, in order. This test reads both and checks they agree, identity included.
#[test]
fn the_built_in_steps_order_in_architecture_md_is_the_pipelines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let section = page.split("## The built-in steps").nth(1).unwrap().split("\n## ").next().unwrap();
    let named: Vec<String> = section
        .lines()
        .filter(|line| {
            line.split_once(". ").is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        })
        .filter_map(|line| line.split("**").nth(1).map(str::to_lowercase))
        .collect();
    let stepped: Vec<&str> = named
        .iter()
        .filter_map(|name| match name.as_str() {
            "sessions" => Some("sessions"),
            "csrf" => Some("csrf"),
            "identity" => Some("identity"),
            _ => None,
        })
        .collect();
    assert_eq!(stepped, ["sessions", "csrf", "identity"], "ARCHITECTURE.md lists {named:?}");
    assert!(named.first().is_some_and(|n| n == "cors"), "CORS is the outermost step: {named:?}");

    let pipeline = std::fs::read_to_string(root.join("ravyn-core/src/pipeline.rs")).unwrap();
    let guarded = pipeline.split("impl Rest for Guarded<'_>").nth(1).unwrap().split("\nimpl ").next().unwrap();
    let at = |step: &str| {
        guarded.find(&format!("builtins.{step}")).unwrap_or_else(|| panic!("Guarded::run does not start at {step}"))
    };
    assert!(
        at("sessions") < at("csrf") && at("csrf") < at("identity"),
        "Guarded::run's order differs from ARCHITECTURE.md"
    );
}

/// The modules `ravyn-core`'s `crate::` paths name in `module` (its file, or every file under its
/// folder), outside comments and `#[cfg(test)]` code.
fn dependencies(src: &Path, module: &str, modules: &[String]) -> std::collections::BTreeSet<String> {
    let mut files = Vec::new();
    let single = src.join(format!("{module}.rs"));
    if single.exists() {
        files.push(single);
    }
    let mut folders = vec![src.join(module)];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut found = std::collections::BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap()
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut names: Vec<&str> = code.split("crate::").skip(1).collect();
        // `use crate::{a::X, b}`: each top-level name in the braces.
        let mut grouped = Vec::new();
        for rest in &names {
            if let Some(group) = rest.strip_prefix('{') {
                let (mut depth, mut start) = (0usize, 0usize);
                for (at, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            grouped.push(&group[start..at]);
                            break;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            grouped.push(&group[start..at]);
                            start = at + 1;
                        }
                        _ => {}
                    }
                }
            }
        }
        names.extend(grouped);
        for name in names {
            let name: String = name.trim_start().chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            if name != module && modules.contains(&name) {
                found.insert(name);
            }
        }
    }
    found
}

/// ARCHITECTURE.md, "Module boundaries": requests, bodies, responses, errors, binding and route
/// metadata form a layer with no import cycle and nothing above it (no app, pipeline or step), so
/// it could be split into a crate of its own for tower and the macros.
#[test]
fn the_request_and_response_layer_has_no_import_cycle_and_depends_on_nothing_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("ravyn-core/src");
    let modules: Vec<String> = std::fs::read_dir(&src)
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().trim_end_matches(".rs").to_owned())
        .filter(|name| name != "lib")
        .collect();
    let graph: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        modules.iter().map(|module| (module.clone(), dependencies(&src, module, &modules))).collect();
    let layer = ["request", "body", "response", "exception", "binding", "validation", "extract", "spec", "operation"];
    // Known debt, named so that nothing else can slip in: the request context holds the identity
    // step's `Identity` (ravyn-core/src/auth/identity.rs), which should move into the layer beside
    // the context (ARCHITECTURE.md, "Module boundaries").
    let known: [(&str, &str); 1] = [("request", "auth")];
    for module in layer {
        assert!(graph.contains_key(module), "ravyn-core/src has no module `{module}`");
        // Everything `module` reaches, and the path to it.
        let mut reached: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
        let mut todo = vec![vec![module.to_owned()]];
        while let Some(path) = todo.pop() {
            for next in &graph[path.last().unwrap()] {
                if known.contains(&(path.last().unwrap().as_str(), next.as_str())) {
                    continue;
                }
                let mut longer = path.clone();
                longer.push(next.clone());
                assert!(next != module, "import cycle: {}", longer.join(" -> "));
                assert!(
                    layer.contains(&next.as_str()),
                    "`{module}` reaches `{next}`, which is not in the layer: {}",
                    longer.join(" -> ")
                );
                if !reached.contains_key(next) {
                    reached.insert(next.clone(), longer.clone());
                    todo.push(longer);
                }
            }
        }
    }
    // The check sees real dependencies (it would catch a cycle): binding uses requests and responses.
    assert!(graph["binding"].contains("request") && graph["binding"].contains("response"), "{:?}", graph["binding"]);
}
