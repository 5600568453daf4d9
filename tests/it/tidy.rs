//! Tidy checks over the source tree, the product's and the benchmark
//! harness's (`bench/`): every Rust file opens with a `//!` paragraph, and
//! SQL is only loaded from query files (`queries/`, `bench/queries/`), never
//! written inline; modules import only the layers below them; and the
//! binary builds the very dependencies the tests built.

use std::collections::BTreeSet;
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

/// The library's top-level modules in the order of ARCHITECTURE.md's
/// picture, top first: a module imports (`crate::…`, outside its tests)
/// only modules of the rows below its own, so there is no import circle and
/// no import up. A new module must be given its row here.
const LAYERS: &[&[&str]] = &[
    &["cli"],
    &["http"],
    &["dashboard", "publish", "notify"],
    &["report", "pull"],
    &["gen", "ingest", "metrics", "keep"],
    &["store"],
    &["engine"],
    &["lake"],
    &["segments"],
    &["model", "auth", "outcomes"],
    &["schema"],
];

/// The top-level modules a Rust text names through `crate::`: `crate::x`
/// and each item of `crate::{x, y::z}`; comments are left out.
fn crate_imports(text: &str) -> std::collections::BTreeSet<String> {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = std::collections::BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The items at the group's first level, up to its closing brace.
            let (mut depth, mut start) = (1, true);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 1 => break,
                    '}' => depth -= 1,
                    ',' if depth == 1 => start = true,
                    c if c.is_whitespace() => {}
                    _ if start && depth == 1 => {
                        found.insert(ident(&group[i..]));
                        start = false;
                    }
                    _ => start = false,
                }
            }
        } else {
            found.insert(ident(rest));
        }
    }
    found
}

/// A Rust text up to its inline `#[cfg(test)] mod … {`, if it has one (a
/// `#[cfg(test)]` on a single item leaves the text whole).
fn without_test_module(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .windows(2)
        .position(|w| {
            let next = w[1].trim();
            w[0].trim() == "#[cfg(test)]" && next.starts_with("mod ") && next.ends_with('{')
        })
        .unwrap_or(lines.len());
    lines[..end].join("\n")
}

#[test]
fn crate_imports_reads_paths_and_groups() {
    let text = "use crate::model::Run;\n// crate::http in a comment\nuse crate::{\n    engine::{self, Engine},\n    store::Store, segments,\n};\nlet x = crate::report::trend(1);";
    let got: Vec<String> = crate_imports(text).into_iter().collect();
    assert_eq!(got, ["engine", "model", "report", "segments", "store"]);
}

#[test]
fn modules_import_only_the_layers_below_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let row = |m: &str| LAYERS.iter().position(|r| r.contains(&m));
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut modules = std::collections::BTreeSet::new();
    let mut wrong = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&root).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        // Test code (a `tests` module's files, a `#[cfg(test)]` tail) may
        // reach anywhere.
        if rel.components().any(|c| c.as_os_str() == "tests") || rel.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        let text = without_test_module(&text);
        let Some(own) = row(&module) else {
            panic!("src/{first}: a module not in tidy.rs's LAYERS; give it its row (and its place in ARCHITECTURE.md's picture)");
        };
        for m in crate_imports(&text) {
            match row(&m) {
                Some(r) if r > own || m == module => {}
                Some(_) => wrong.push(format!("{}: {module} imports {m}", rel.display())),
                // Not a module: a macro exported at the root, e.g. `crate::__engine_delegate!`.
                None => {}
            }
        }
        modules.insert(module);
    }
    assert!(
        wrong.is_empty(),
        "imports up or sideways:\n{}",
        wrong.join("\n")
    );
    let listed: std::collections::BTreeSet<String> = LAYERS
        .iter()
        .flat_map(|r| r.iter().map(|m| m.to_string()))
        .collect();
    assert_eq!(modules, listed, "LAYERS lists exactly the modules of src/");
}

/// The units of the dependency graph as `cargo tree` resolves them over the
/// given kinds of edges: each package (name and version) with its features,
/// a package built twice with other features (a build dependency's build
/// beside the product's) twice.
fn units_over(edges: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "--locked", "-p", "yardstick", "--prefix", "none"])
        .args(["-e", edges, "-f", "{p} [{f}]"])
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    units_of(&String::from_utf8_lossy(&out.stdout))
}

/// `cargo tree -f "{p} [{f}]"`'s lines as `name version [features]`, without
/// the source, the repeat mark `(*)` and `(proc-macro)`.
fn units_of(tree: &str) -> BTreeSet<String> {
    tree.lines()
        .filter_map(|line| {
            let open = line.rfind('[')?;
            let close = line.rfind(']')?;
            let package: Vec<&str> = line[..open].split_whitespace().take(2).collect();
            Some(format!(
                "{} [{}]",
                package.join(" "),
                &line[open + 1..close]
            ))
        })
        .collect()
}

#[test]
fn units_of_reads_packages_and_their_features() {
    let tree = "yardstick v0.1.0 (/x) []\nrustix v1.1.6 [alloc,std]\n\
                rustix v1.1.6 [alloc,std] (*)\nrustix v1.1.6 [alloc,fs,std]\n\
                proc-macro2 v1.0.1 (proc-macro) [default]\n";
    let units: Vec<String> = units_of(tree).into_iter().collect();
    assert_eq!(
        units,
        [
            "proc-macro2 v1.0.1 [default]",
            "rustix v1.1.6 [alloc,fs,std]",
            "rustix v1.1.6 [alloc,std]",
            "yardstick v0.1.0 []",
        ]
    );
}

/// The demo after the tests (`.ci/run`, a user following the README) must
/// not compile the dependencies again: every unit the binary builds is one
/// the tests' build built, with the same features. Where a test's dependency
/// turns on more, Cargo.toml turns them on for the product too (its block
/// "Not used by the product's code"). Build scripts' dependencies are left
/// out: `cargo tree` folds their units into the others' (it shows a unit
/// the real builds do not have), and none of them differed.
#[test]
fn cargo_run_builds_what_cargo_test_built() {
    let tests = units_over("normal,dev");
    let again: Vec<String> = units_over("normal")
        .into_iter()
        .filter(|u| !tests.contains(u))
        .collect();
    assert!(
        again.is_empty(),
        "`cargo run` would build these with other features than `cargo test` built \
         them (turn the tests' features on in Cargo.toml's block for it):\n{}\n\
         the tests' build of them:\n{}",
        again.join("\n"),
        tests
            .iter()
            .filter(|t| again
                .iter()
                .any(|a| a.split(" [").next() == t.split(" [").next()))
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
