//! Tidy checks over the source tree, the product's and the benchmark
//! harness's (`bench/`): every Rust file opens with a `//!` paragraph, and
//! SQL is only loaded from query files (`queries/`, `bench/queries/`), never
//! written inline.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("tests"), &mut files);
    rust_files(&root.join("bench/src"), &mut files);
    files.sort();
    files
}

#[test]
fn every_file_opens_with_a_module_doc() {
    for f in sources() {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} does not start with a `//!` paragraph",
            f.display()
        );
    }
}

#[test]
fn sql_lives_in_queries() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for f in sources() {
        if !f.starts_with(root.join("src")) && !f.starts_with(root.join("bench/src")) {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let l = line.trim_start();
            for kw in [
                "\"SELECT ",
                "\"INSERT ",
                "\"DELETE ",
                "\"UPDATE ",
                "\"CREATE ",
            ] {
                assert!(
                    !l.contains(kw),
                    "{}:{}: inline SQL; put it in a query file",
                    f.display(),
                    i + 1
                );
            }
        }
    }
}
