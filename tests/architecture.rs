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
