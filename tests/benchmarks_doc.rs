//! docs/benchmarks.md ends with the sections kept in bench/<part>.md (bench/run.sh writes them
//! there, bench/sync-parts.sh rewrites them), so a reading updated in bench/ cannot be left out
//! of the page.

use std::path::Path;

#[test]
fn the_benchmarks_page_ends_with_the_parts_bench_run_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = std::fs::read_to_string(root.join("bench/run.sh")).unwrap();
    let parts = run
        .lines()
        .find_map(|line| line.trim().strip_prefix("for part in ")?.strip_suffix("; do"))
        .expect("bench/run.sh lists its parts");
    let mut expected = String::new();
    for part in parts.split_whitespace() {
        let text = std::fs::read_to_string(root.join(format!("bench/{part}.md"))).unwrap();
        expected.push('\n');
        expected.push_str(&text);
    }
    let page = std::fs::read_to_string(root.join("docs/benchmarks.md")).unwrap();
    assert!(
        page.ends_with(&expected),
        "docs/benchmarks.md does not end with bench/{{{parts}}}.md: run `bash bench/sync-parts.sh`"
    );
}
