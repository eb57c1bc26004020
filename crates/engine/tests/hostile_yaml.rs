//! Hostile and broken policy files: each gets a clear error, and none can make the loader
//! expand, recurse or allocate without bound (serde-saphyr's budgets).

use reconagent_engine::policy::{PolicySet, BUNDLED_POLICIES};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn refused(text: &str) -> String {
    match PolicySet::load(text, "hostile.yaml") {
        Ok(_) => panic!("a hostile file was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_billion_laughs_is_refused() -> TestResult {
    let mut t = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (i, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"].iter().zip(["a", "b", "c", "d", "e", "f", "g", "h"]) {
        t.push_str(&format!("{i}: &{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
    }
    let e = refused(&t);
    assert!(e.starts_with("hostile.yaml"), "{e}");
    Ok(())
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() -> TestResult {
    let depth = 100_000;
    let t = format!("version: 1\nclassifier: {}{}\n", "[".repeat(depth), "]".repeat(depth));
    let e = refused(&t);
    assert!(e.starts_with("hostile.yaml"), "{e}");
    let t = format!("version: 1\nclassifier: {}1{}\n", "{a: ".repeat(depth), "}".repeat(depth));
    refused(&t);
    Ok(())
}

#[test]
fn a_huge_scalar_is_an_error_on_its_field() -> TestResult {
    let t = BUNDLED_POLICIES.replacen("base_currency: USD", &format!("base_currency: {}", "X".repeat(20_000_000)), 1);
    let e = refused(&t);
    assert!(e.starts_with("hostile.yaml"), "{}", &e[..e.len().min(300)]);
    assert!(e.len() < 10_000, "the error does not echo the whole scalar ({} bytes)", e.len());
    Ok(())
}

#[test]
fn duplicate_keys_are_refused_with_their_line() -> TestResult {
    let t = BUNDLED_POLICIES.replacen("version: 1\n", "version: 1\nversion: 1\n", 1);
    let e = refused(&t);
    assert!(e.to_lowercase().contains("duplicate"), "{e}");
    assert!(e.contains("hostile.yaml:"), "{e}");
    Ok(())
}

#[test]
fn foreign_tags_are_refused() -> TestResult {
    for tag in ["!!python/object:os.system", "!ruby/object:Gem::Installer", "!!binary"] {
        let t = BUNDLED_POLICIES.replacen("base_currency: USD", &format!("base_currency: {tag} USD"), 1);
        let e = refused(&t);
        assert!(e.starts_with("hostile.yaml") && e.contains("is a YAML tag"), "{tag}: {e}");
    }
    Ok(())
}

#[test]
fn an_unquoted_negated_condition_is_explained() -> TestResult {
    // YAML reads `!rules.explained` as a tag on an empty value; say so, and how to write it.
    let t = BUNDLED_POLICIES.replacen("when: rules.explained", "when: !rules.explained", 1);
    let e = refused(&t);
    assert!(e.contains("`!rules.explained` is a YAML tag") && e.contains("must be quoted"), "{e}");
    let line = t.lines().position(|l| l.contains("when: !rules.explained")).unwrap() + 1;
    assert!(e.contains(&format!("hostile.yaml:{line}:")), "{e}");
    Ok(())
}

#[test]
fn nul_bytes_and_non_utf8_are_errors_with_the_file_name() -> TestResult {
    refused("version: 1\u{0}\nclassifier: {}\n");
    let dir = tempfile::tempdir()?;
    let p = dir.path().join("latin1.yaml");
    std::fs::write(&p, b"version: 1\nclassifier: caf\xe9\n")?;
    let e = PolicySet::load_file(&p).unwrap_err().to_string();
    assert!(e.contains("latin1.yaml") && e.contains("not UTF-8"), "{e}");
    Ok(())
}
