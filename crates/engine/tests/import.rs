//! Break files: row-level errors, whole-file errors, and the three formats.

use reconagent_engine::import::{parse_bytes, ImportError};
use rust_decimal_macros::dec;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const HEADER: &str = "break_id,break_type,amount,currency,trade_date,internal_amount\n";

#[test]
fn a_bad_row_is_named_and_the_good_rows_still_load() -> TestResult {
    let text = format!("{HEADER}B1,CASH_RECONCILIATION,10.50,USD,2026-11-01,100\nB2,CASH_RECONCILIATION,ten,USD,2026-11-01,\nB3,CASH_RECONCILIATION,1,usd,2026-13-01,\nB4,CASH_RECONCILIATION,1,ZZZ,,\n,CASH_RECONCILIATION,1,USD,,\nB1,CASH_RECONCILIATION,2,USD,,\n");
    let r = parse_bytes(text.as_bytes(), "breaks.csv")?;
    assert_eq!(r.breaks.iter().map(|b| b.break_id.as_str()).collect::<Vec<_>>(), ["B1"]);
    assert_eq!(r.breaks[0].amount, dec!(10.50));
    let msgs: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
    let has = |s: &str| assert!(msgs.iter().any(|m| m.contains(s)), "no `{s}` in {msgs:#?}");
    has("row 3: amount: `ten` is not a decimal number");
    has("row 4: trade_date: `2026-13-01` is not a date");
    has("row 5: currency: `ZZZ` is not an ISO 4217 currency code");
    has("row 6: break_id: missing required field");
    has("break_id: duplicate id `B1`");
    Ok(())
}

#[test]
fn whole_file_problems_are_errors_not_panics() -> TestResult {
    assert!(matches!(parse_bytes(b"", "x.csv"), Err(ImportError::Empty { .. })));
    assert!(matches!(parse_bytes(b"  \n", "x.csv"), Err(ImportError::Empty { .. })));
    assert!(matches!(parse_bytes(b"break_id\x00,x", "x.csv"), Err(ImportError::Binary { offset: 8, .. })));
    let latin1 = b"break_id,break_type,amount,currency\nB1,CASH_RECONCILIATION,1,USD\nB2,Caf\xe9,1,USD\n";
    match parse_bytes(latin1, "x.csv") {
        Err(ImportError::NotUtf8 { line, .. }) => assert_eq!(line, 3),
        other => panic!("{other:?}"),
    }
    let e = parse_bytes(b"id,amount\n1,2\n", "x.csv").unwrap_err();
    assert!(e.to_string().contains("no `break_id` column"), "{e}");
    assert!(parse_bytes(b"[{\"break_id\": ", "x.json").unwrap_err().to_string().contains("invalid JSON at line 1"));
    Ok(())
}

#[test]
fn json_and_json_lines_with_nested_sides() -> TestResult {
    let json = r#"[{"break_id":"J1","break_type":"BROKER_VS_INTERNAL","amount":"-12.5","currency":"EUR",
        "internal":{"reference":"T1","amount":"100","settle_date":"2026-11-03"},"external":{"amount":112.5}},
        {"break_id":"J2","amount":"1"}]"#;
    let r = parse_bytes(json.as_bytes(), "b.json")?;
    assert_eq!(r.breaks.len(), 1);
    let b = &r.breaks[0];
    assert_eq!(b.internal.reference.as_deref(), Some("T1"));
    assert_eq!(b.external.amount, Some(dec!(112.5)));
    assert_eq!(r.errors.len(), 2, "J2 lacks break_type and currency: {:?}", r.errors);
    assert!(r.errors.iter().all(|e| e.row == 2));

    let jsonl = "{\"break_id\":\"L1\",\"break_type\":\"X\",\"amount\":1,\"currency\":\"USD\"}\nnot json\n";
    let r = parse_bytes(jsonl.as_bytes(), "b.jsonl")?;
    assert_eq!(r.breaks.len(), 1);
    assert_eq!(r.errors[0].row, 2);
    Ok(())
}
