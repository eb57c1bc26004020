//! The streaming importer gives the same breaks and row errors as the whole-file one, a bounded
//! chunk at a time, and the same whole-file errors.

use reconagent_engine::import::stream_file;
use reconagent_engine::import::{parse_bytes, ImportError, ImportReport};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn stream(path: &std::path::Path, chunk: usize) -> Result<(ImportReport, Vec<usize>), ImportError> {
    let mut all = ImportReport::default();
    let mut sizes = Vec::new();
    stream_file::<ImportError>(path, chunk, |c, read, size| {
        assert!(read <= size);
        sizes.push(c.breaks.len() + c.errors.len());
        all.breaks.extend(c.breaks);
        all.errors.extend(c.errors);
        Ok(())
    })?;
    Ok((all, sizes))
}

fn root() -> std::path::PathBuf {
    std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).to_path_buf()
}

#[test]
fn the_sample_files_stream_to_the_same_breaks_in_bounded_chunks() -> TestResult {
    for name in ["data/sample_breaks.csv", "data/sample_breaks.json"] {
        let path = root().join(name);
        let whole = parse_bytes(&std::fs::read(&path).unwrap(), name).unwrap();
        let (streamed, sizes) = stream(&path, 64).unwrap();
        assert_eq!(streamed.breaks, whole.breaks, "{name}");
        assert!(sizes.iter().all(|&s| s <= 64) && sizes.len() >= 400 / 64, "{name}: {sizes:?}");
    }
    // JSON Lines, written from the sample.
    let dir = tempfile::tempdir()?;
    let jsonl = dir.path().join("b.jsonl");
    let whole = parse_bytes(&std::fs::read(root().join("data/sample_breaks.json")).unwrap(), "x.json")?;
    std::fs::write(&jsonl, whole.breaks.iter().map(|b| serde_json::to_string(b).unwrap() + "\n").collect::<String>()).unwrap();
    let (streamed, _) = stream(&jsonl, 100)?;
    assert_eq!(streamed.breaks, whole.breaks);
    Ok(())
}

#[test]
fn row_errors_are_the_same_rows_and_fields() -> TestResult {
    let dir = tempfile::tempdir()?;
    let p = dir.path().join("b.csv");
    let text = "break_id,break_type,amount,currency,trade_date\nB1,CASH_RECONCILIATION,10.50,USD,2026-11-01\nB2,CASH_RECONCILIATION,ten,USD,\nB3,CASH_RECONCILIATION,1,usd,2026-13-01\n";
    std::fs::write(&p, text)?;
    let whole = parse_bytes(text.as_bytes(), "b.csv")?;
    let (streamed, _) = stream(&p, 1)?;
    assert_eq!(streamed.breaks, whole.breaks);
    assert_eq!(streamed.errors, whole.errors);
    Ok(())
}

#[test]
fn whole_file_problems_are_the_same_errors() -> TestResult {
    let dir = tempfile::tempdir()?;
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    assert!(matches!(stream(&write("e.csv", b" \n\n"), 10), Err(ImportError::Empty { .. })));
    assert!(matches!(stream(&write("n.csv", b"break_id,break_type,amount,currency\nB1\x00,X,1,USD\n"), 10), Err(ImportError::Binary { .. })));
    match stream(&write("l.csv", b"break_id,break_type,amount,currency\nB1,CASH_RECONCILIATION,1,USD\nB2,Caf\xe9,1,USD\n"), 10) {
        Err(ImportError::NotUtf8 { line, .. }) => assert_eq!(line, 3),
        other => panic!("{other:?}"),
    }
    let e = stream(&write("h.csv", b"id,amount\n1,2\n"), 10).unwrap_err();
    assert!(e.to_string().contains("no `break_id` column"), "{e}");
    let e = stream(&write("t.json", b"[{\"break_id\": "), 10).unwrap_err();
    assert!(e.to_string().contains("invalid JSON at line 1"), "{e}");
    match stream(&write("j.jsonl", b"{\"break_id\":\"A\"}\n{\"x\":\"\xff\"}\n"), 10) {
        Err(ImportError::NotUtf8 { line, .. }) => assert_eq!(line, 2),
        other => panic!("{other:?}"),
    }
    Ok(())
}

#[test]
fn a_chunk_handler_error_stops_the_import() -> TestResult {
    let path = root().join("data/sample_breaks.csv");
    let mut chunks = 0;
    let r = stream_file::<ImportError>(&path, 50, |_, _, _| {
        chunks += 1;
        if chunks == 2 {
            Err(ImportError::Io { file: "db".into(), message: "disk full".into() })
        } else {
            Ok(())
        }
    });
    assert!(r.unwrap_err().to_string().contains("disk full"));
    assert_eq!(chunks, 2);
    Ok(())
}

#[test]
fn progress_moves_through_a_json_array_too() -> TestResult {
    let path = root().join("data/sample_breaks.json");
    let mut reads = Vec::new();
    stream_file::<ImportError>(&path, 64, |_, read, _| {
        reads.push(read);
        Ok(())
    })?;
    assert!(reads[0] > 0, "bytes read are reported while the array is parsed: {reads:?}");
    assert!(reads.windows(2).all(|w| w[0] <= w[1]));
    Ok(())
}

/// What the whole-file reader did before it became the streaming reader over bytes: a byte
/// order mark in any format, invalid UTF-8 in a JSON array named with its line, and a NUL byte
/// past the first buffer named with its offset.
#[test]
fn a_bom_bad_utf8_in_json_and_a_late_nul_are_handled_alike() -> TestResult {
    let item = r#"{"break_id":"B1","break_type":"CASH_RECONCILIATION","amount":"1","currency":"USD"}"#;
    for (name, body) in [
        ("a.json", format!("[{item}]")),
        ("a.jsonl", format!("{item}\n")),
        ("a.csv", "break_id,break_type,amount,currency\nB1,CASH_RECONCILIATION,1,USD\n".to_string()),
    ] {
        let bytes = [b"\xEF\xBB\xBF".as_slice(), body.as_bytes()].concat();
        let r = parse_bytes(&bytes, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.breaks.len(), 1, "{name}: {:?}", r.errors);
    }
    match parse_bytes(b"[\n{\"break_id\": \"A\"},\n{\"break_id\": \"Caf\xe9\"}\n]", "u.json") {
        Err(ImportError::NotUtf8 { line, .. }) => assert_eq!(line, 3),
        other => panic!("{other:?}"),
    }
    let mut csv = b"break_id,break_type,amount,currency\n".to_vec();
    while csv.len() < 3 << 20 {
        csv.extend_from_slice(b"B1,CASH_RECONCILIATION,1,USD\n");
    }
    let at = csv.len();
    csv.extend_from_slice(b"B2\x00,CASH_RECONCILIATION,1,USD\n");
    match parse_bytes(&csv, "late.csv") {
        Err(ImportError::Binary { offset, .. }) => assert_eq!(offset, at + 2),
        other => panic!("{:?}", other.map(|r| r.breaks.len())),
    }
    Ok(())
}
