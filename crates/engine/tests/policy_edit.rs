//! The policy editor's write-back: edits change only what they name, keep every comment and
//! the layout of everything else, and the result is validated by the same loader.

use reconagent_engine::policy::edit::{apply, diff, EditValue, PolicyEdit};
use reconagent_engine::policy::{PolicySet, BUNDLED_POLICIES};
use reconagent_engine::{AgentKind, BreakType, RiskTier};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn set(path: &str, value: EditValue) -> PolicyEdit {
    PolicyEdit::Set { path: path.into(), value }
}
fn text(s: &str) -> EditValue {
    EditValue::Text(s.into())
}

/// Every comment, whole-line or trailing (from its `#` on: an edited value keeps its comment).
fn comments(t: &str) -> Vec<&str> {
    t.lines().filter_map(|l| if l.trim_start().starts_with('#') { Some(l) } else { l.find(" # ").map(|i| &l[i + 1..]) }).collect()
}

/// Every kind of edit the form makes, on the shipped file.
fn form_edits() -> Vec<PolicyEdit> {
    vec![
        set("policies.CASH_RECONCILIATION.LOW.checkpoints[0].when", text("rules.within_tolerance && profile.exposure < 2500")),
        set("policies.CASH_RECONCILIATION.LOW.checkpoints[0].confidence", EditValue::Number("0.93".into())),
        set("policies.CASH_RECONCILIATION.LOW.agents.RULES.timeout_ms", EditValue::Number("2000".into())),
        set("policies.CASH_RECONCILIATION.LOW.agents.RULES.retries", EditValue::Number("2".into())),
        set("policies.CASH_RECONCILIATION.LOW.max_parallel", EditValue::Number("2".into())),
        set("policies.TRADE_OMS_MISMATCH.HIGH.agents.DECISIONING.depends_on", EditValue::List(vec!["MATCHING".into(), "RULES".into()])),
        set("policies.TRADE_OMS_MISMATCH.HIGH.agents.WORKFLOW.depends_on", EditValue::List(vec!["MATCHING".into(), "RULES".into()])),
        PolicyEdit::Remove { path: "policies.TRADE_OMS_MISMATCH.HIGH.agents.PATTERN".into() },
        set("classifier.tier_thresholds.HIGH", text("300000")),
        set("classifier.asset_class_multipliers.FX", text("0.75")),
        set("classifier.minimum_tier.PNL_RECONCILIATION", text("MEDIUM")),
        set("classifier.age_escalation[0].days", EditValue::Number("7".into())),
        set("classifier.tolerance.absolute", text("7.50")),
        set("classifier.tolerance.timing_days", EditValue::Number("2".into())),
        set("classifier.sla_hours.HIGH", EditValue::Number("6".into())),
        set("classifier.never_auto_resolve", EditValue::List(vec!["REGULATORY_DATA".into(), "CORPORATE_ACTIONS".into()])),
    ]
}

#[test]
fn edits_keep_every_comment_and_untouched_line() -> TestResult {
    let out = apply(BUNDLED_POLICIES, &form_edits(), "p.yaml")?;
    assert_eq!(comments(&out), comments(BUNDLED_POLICIES), "every comment survives, in order");
    // Lines no edit names are unchanged: the diff holds only the edited lines.
    let changed: Vec<_> = diff(BUNDLED_POLICIES, &out, 0).into_iter().filter(|l| l.sign != " ").collect();
    assert!(changed.len() <= 2 * form_edits().len(), "{changed:#?}");
    assert!(changed.iter().all(|l| !l.text.trim_start().starts_with('#')), "{changed:#?}");
    // What was written is what the engine now reads.
    let set = PolicySet::load(&out, "p.yaml")?;
    let cash = set.plan_for(&BreakType::CashReconciliation, RiskTier::Low);
    assert_eq!(cash.checkpoints[0].condition.source, "rules.within_tolerance && profile.exposure < 2500");
    assert_eq!(cash.checkpoints[0].confidence, 0.93);
    assert_eq!(cash.max_parallel, 2);
    let rules = cash.agents.iter().find(|a| a.agent == AgentKind::Rules).unwrap();
    assert_eq!((rules.timeout.as_millis(), rules.retries), (2000, 2));
    let trade = set.plan_for(&BreakType::TradeOmsMismatch, RiskTier::High);
    assert!(!trade.contains(AgentKind::Pattern));
    assert_eq!(set.classifier.tier_thresholds[1].1, "300000".parse().unwrap());
    assert_eq!(set.classifier.age_escalation[0].days, 7);
    assert_eq!((set.classifier.tolerance.absolute, set.classifier.tolerance.timing_days), ("7.50".parse().unwrap(), 2));
    assert_eq!(set.classifier.sla_hours[RiskTier::High.rank() as usize], 6);
    assert!(set.classifier.never_auto_resolve.contains("CORPORATE_ACTIONS") && set.classifier.never_auto_resolve.contains("REGULATORY_DATA"));
    // Applying nothing returns the text byte for byte.
    assert_eq!(apply(BUNDLED_POLICIES, &[], "p.yaml").unwrap(), BUNDLED_POLICIES);
    Ok(())
}

#[test]
fn a_new_checkpoint_and_a_new_agent_are_written_in_reading_order() -> TestResult {
    let base = "policies.CASH_RECONCILIATION.MEDIUM";
    let edits = vec![
        set(&format!("{base}.agents.PATTERN"), EditValue::EmptyMap),
        set(&format!("{base}.agents.PATTERN.depends_on"), EditValue::List(vec!["RULES".into()])),
        set(&format!("{base}.checkpoints[1].id"), text("cash_medium_seen_before")),
        set(&format!("{base}.checkpoints[1].after"), text("PATTERN")),
        set(&format!("{base}.checkpoints[1].when"), text("pattern.similar_count > 3 && !pattern.recurring_unresolved")),
        set(&format!("{base}.checkpoints[1].decision"), text("AUTO_RESOLVE")),
    ];
    let out = apply(BUNDLED_POLICIES, &edits, "p.yaml")?;
    let set = PolicySet::load(&out, "p.yaml").unwrap_or_else(|e| panic!("{e}\n{out}"));
    let plan = set.plan_for(&BreakType::CashReconciliation, RiskTier::Medium);
    assert!(plan.contains(AgentKind::Pattern));
    assert_eq!(plan.checkpoints.last().unwrap().id, "cash_medium_seen_before");
    let at = out.find("id: cash_medium_seen_before").unwrap();
    let after = out[at..].find("after: PATTERN").unwrap();
    let when = out[at..].find("when:").unwrap();
    assert!(after < when, "fields keep the order they were set in:\n{}", &out[at..at + 200]);
    assert_eq!(comments(&out), comments(BUNDLED_POLICIES));
    Ok(())
}

#[test]
fn an_edit_that_does_not_fit_names_its_path() -> TestResult {
    let e = apply(BUNDLED_POLICIES, &[set("policies.CASH_RECONCILIATION.LOW.checkpoints[0].when.x", text("y"))], "p.yaml").unwrap_err();
    assert_eq!(e.0[0].path, "policies.CASH_RECONCILIATION.LOW.checkpoints[0].when.x");
    let e = apply(BUNDLED_POLICIES, &[set("classifier.tolerance.timing_days", EditValue::Number("three".into()))], "p.yaml").unwrap_err();
    assert!(e.0[0].message.contains("`three` is not a number"), "{e}");
    let e = apply(BUNDLED_POLICIES, &[PolicyEdit::Remove { path: "policies.NOPE.LOW".into() }], "p.yaml").unwrap_err();
    assert_eq!(e.0[0].path, "policies.NOPE.LOW");
    Ok(())
}

#[test]
fn a_bad_condition_written_by_an_edit_is_refused_on_its_path() -> TestResult {
    let out = apply(BUNDLED_POLICIES, &[set("policies.CASH_RECONCILIATION.LOW.checkpoints[0].when", text("rules.within_tolerance &&"))], "p.yaml")?;
    let errs = PolicySet::load(&out, "p.yaml").unwrap_err();
    assert!(errs.0.iter().any(|e| e.path == "policies.CASH_RECONCILIATION.LOW.checkpoints[0].when" && e.message.contains("CEL syntax error")), "{errs}");
    Ok(())
}

fn warnings_after(edits: &[PolicyEdit]) -> Vec<(String, String)> {
    let out = apply(BUNDLED_POLICIES, edits, "p.yaml").unwrap();
    PolicySet::load(&out, "p.yaml").unwrap_or_else(|e| panic!("{e}")).warnings.into_iter().map(|w| (w.path, w.message)).collect()
}

#[test]
fn suspicious_setups_warn_on_their_field() -> TestResult {
    let w = warnings_after(&[set("policies.CASH_RECONCILIATION.LOW.checkpoints[0].when", text("1 > 2"))]);
    assert!(w.iter().any(|(p, m)| p == "policies.CASH_RECONCILIATION.LOW.checkpoints[0].when" && m.contains("never fires")), "{w:?}");
    // PATTERN added to a plan without DECISIONING (its only reader) and no condition reading it.
    let w = warnings_after(&[
        PolicyEdit::Remove { path: "policies.CASH_RECONCILIATION.LOW.agents.DECISIONING".into() },
        set("policies.CASH_RECONCILIATION.LOW.agents.PATTERN", EditValue::EmptyMap),
    ]);
    assert!(w.iter().any(|(p, m)| p == "policies.CASH_RECONCILIATION.LOW.agents.PATTERN" && m.contains("nothing uses PATTERN's output")), "{w:?}");
    // AUTO_RESOLVE at a tier above classifier.auto_resolve_max_tier (MEDIUM).
    let w = warnings_after(&[set("policies.TRADE_OMS_MISMATCH.HIGH.checkpoints[0].decision", text("AUTO_RESOLVE"))]);
    assert!(
        w.iter().any(|(p, m)| p == "policies.TRADE_OMS_MISMATCH.HIGH.checkpoints[0].decision" && m.contains("above classifier.auto_resolve_max_tier")),
        "{w:?}"
    );
    Ok(())
}

#[test]
fn an_agent_must_depend_on_what_it_reads_when_the_plan_runs_it() -> TestResult {
    // PATTERN joins CASH LOW, but DECISIONING (which reads it) does not wait for it: it would
    // decide with or without the history depending on timing.
    let out =
        apply(BUNDLED_POLICIES, &[set("policies.CASH_RECONCILIATION.LOW.agents.PATTERN.depends_on", EditValue::List(vec!["INGESTION".into()]))], "p.yaml")
            .unwrap();
    let errs = PolicySet::load(&out, "p.yaml").unwrap_err();
    let e = errs.0.iter().find(|e| e.path == "policies.CASH_RECONCILIATION.LOW.agents.DECISIONING.depends_on").unwrap_or_else(|| panic!("{errs}"));
    assert!(e.message.contains("DECISIONING reads PATTERN's output") && e.line > 0, "{e:?}");
    // Through another agent is enough: DECISIONING -> RULES -> PATTERN.
    let out = apply(&out, &[set("policies.CASH_RECONCILIATION.LOW.agents.RULES.depends_on", EditValue::List(vec!["PATTERN".into()]))], "p.yaml")?;
    PolicySet::load(&out, "p.yaml").unwrap_or_else(|e| panic!("{e}"));
    Ok(())
}

#[test]
fn the_diff_numbers_lines_in_both_texts() -> TestResult {
    let d = diff("a\nb\nc\n", "a\nB\nc\nd\n", 1);
    let signs: String = d.iter().map(|l| l.sign.as_str()).collect();
    assert_eq!(signs, " -+ +");
    assert_eq!(d[1].old_line, Some(2));
    assert_eq!(d[2].new_line, Some(2));
    assert_eq!(d[4].text, "d");
    Ok(())
}

/// The condition builder offers what the validator accepts: every field the outline lists for a
/// checkpoint passes validation in its condition, and an agent that has not finished is not
/// offered (and would be refused).
#[test]
fn a_checkpoint_offers_exactly_the_fields_its_condition_may_read() -> TestResult {
    use reconagent_engine::policy::outline::outline;
    let o = outline(BUNDLED_POLICIES, "p.yaml")?;
    let cash = o.plans.iter().find(|p| p.break_type == "CASH_RECONCILIATION" && p.tier == "LOW").unwrap();
    let fields = &cash.checkpoints[0].fields;
    // After RULES: its own fields first, then INGESTION's (its ancestor), then the profile's.
    assert_eq!(fields[0], "rules.within_tolerance");
    assert!(fields.contains(&"ingestion.valid".to_string()) && fields.contains(&"profile.tier".to_string()));
    assert!(!fields.iter().any(|f| f.starts_with("enrichment.") || f.starts_with("decisioning.")), "{fields:?}");
    let when = "policies.CASH_RECONCILIATION.LOW.checkpoints[0].when";
    for f in fields {
        let out = apply(BUNDLED_POLICIES, &[set(when, text(&format!("{f} == {f}")))], "p.yaml").unwrap();
        PolicySet::load(&out, "p.yaml").unwrap_or_else(|e| panic!("{f} is offered but refused: {e}"));
    }
    let out = apply(BUNDLED_POLICIES, &[set(when, text("enrichment.fx_rate_known"))], "p.yaml")?;
    assert!(PolicySet::load(&out, "p.yaml").is_err(), "ENRICHMENT has not finished when RULES' checkpoint runs");
    Ok(())
}

#[test]
fn the_outline_reads_every_plan_with_its_critical_path() -> TestResult {
    use reconagent_engine::policy::outline::outline;
    let o = outline(BUNDLED_POLICIES, "p.yaml")?;
    assert_eq!(o.plans.len(), PolicySet::bundled().plan_keys().len());
    let cash = o.plans.iter().find(|p| p.break_type == "CASH_RECONCILIATION" && p.tier == "LOW").unwrap();
    assert_eq!(cash.checkpoints[0].when, "rules.explained");
    // ENRICHMENT (250 ms) runs beside RULES (350 ms), and WORKFLOW (350 ms) beside
    // DECISIONING (550 ms), so the path is the other branch each time.
    assert_eq!(cash.critical_path, ["INGESTION", "RULES", "DECISIONING"]);
    assert_eq!(cash.critical_path_ms, 150 + 350 + 550);
    // What DECISIONING reads, among the agents this plan runs (no MATCHING or PATTERN here).
    let decisioning = cash.agents.iter().find(|a| a.agent == "DECISIONING").unwrap();
    assert_eq!(decisioning.reads, ["INGESTION", "RULES"]);
    assert!(cash.agents.iter().filter(|a| a.agent != "DECISIONING").all(|a| a.reads.is_empty()));
    // TRADE HIGH: ENRICHMENT, MATCHING, RULES and PATTERN all start after INGESTION; PATTERN
    // (450 ms) is the longest before DECISIONING.
    let trade = o.plans.iter().find(|p| p.break_type == "TRADE_OMS_MISMATCH" && p.tier == "HIGH").unwrap();
    assert_eq!(trade.critical_path, ["INGESTION", "PATTERN", "DECISIONING"]);
    assert_eq!(trade.critical_path_ms, 150 + 450 + 550);
    // PNL LOW: a checkpoint after two agents is read as a list.
    let pnl = o.plans.iter().find(|p| p.break_type == "PNL_RECONCILIATION" && p.tier == "LOW").unwrap();
    assert_eq!(pnl.checkpoints[0].after, ["RULES", "PATTERN"]);
    assert_eq!(cash.checkpoints[0].after, ["RULES"]);
    assert_eq!(o.classifier.tier_thresholds[0].key, "MEDIUM");
    // A cycle has no critical path, but the form still opens.
    let cyclic =
        apply(BUNDLED_POLICIES, &[set("policies.CASH_RECONCILIATION.LOW.agents.INGESTION.depends_on", EditValue::List(vec!["WORKFLOW".into()]))], "p.yaml")
            .unwrap();
    let o = outline(&cyclic, "p.yaml")?;
    assert!(o.plans.iter().find(|p| p.break_type == "CASH_RECONCILIATION" && p.tier == "LOW").unwrap().critical_path.is_empty());
    // Not YAML of the right shape: an error with a line.
    let e = outline("version: 1\nclassifier: [\n", "p.yaml").unwrap_err();
    assert!(e.0[0].line > 0, "{e}");
    Ok(())
}

#[test]
fn a_new_break_type_gets_a_plan_of_its_own() -> TestResult {
    let p = "policies.FX_SETTLEMENT.LOW";
    let edits = vec![
        set(&format!("{p}.description"), text("New plan")),
        set(&format!("{p}.agents.INGESTION"), EditValue::EmptyMap),
        set(&format!("{p}.agents.ENRICHMENT.depends_on"), EditValue::List(vec!["INGESTION".into()])),
        set(&format!("{p}.agents.DECISIONING.depends_on"), EditValue::List(vec!["ENRICHMENT".into()])),
        set(&format!("{p}.fallback"), text("HIL_REVIEW")),
    ];
    let out = apply(BUNDLED_POLICIES, &edits, "p.yaml")?;
    let set = PolicySet::load(&out, "p.yaml").unwrap_or_else(|e| panic!("{e}\n{out}"));
    let plan = set.plan_for(&BreakType::Other("FX_SETTLEMENT".into()), RiskTier::Low);
    assert_eq!(plan.key(), "FX_SETTLEMENT/LOW");
    assert_eq!(plan.agents.len(), 3);
    // Its other tiers still route through DEFAULT.
    assert_eq!(set.plan_for(&BreakType::Other("FX_SETTLEMENT".into()), RiskTier::High).key(), "DEFAULT/HIGH");
    assert_eq!(comments(&out), comments(BUNDLED_POLICIES));
    Ok(())
}

#[test]
fn a_checkpoint_after_one_agent_becomes_a_list_and_back_on_its_line() -> TestResult {
    let path = "policies.TRADE_OMS_MISMATCH.MEDIUM.checkpoints[0].after";
    let many = apply(BUNDLED_POLICIES, &[set(path, EditValue::List(vec!["RULES".into(), "MATCHING".into()]))], "p.yaml")?;
    // Only the `after` entry changes (yaml-edit writes the new list in block style).
    let changed: Vec<(String, String)> = diff(BUNDLED_POLICIES, &many, 0).into_iter().map(|l| (l.sign, l.text.trim().to_string())).collect();
    let expected = [("-", "after: RULES"), ("+", "after:"), ("+", "- RULES"), ("+", "- MATCHING")];
    assert_eq!(changed, expected.map(|(s, t)| (s.to_string(), t.to_string())));
    assert_eq!(comments(&many), comments(BUNDLED_POLICIES));
    let set_after = PolicySet::load(&many, "p.yaml")?;
    let plan = set_after.plan_for(&BreakType::TradeOmsMismatch, RiskTier::Medium);
    assert_eq!(plan.checkpoints[0].after, vec![AgentKind::Rules, AgentKind::Matching]);
    let one = apply(&many, &[set(path, text("RULES"))], "p.yaml")?;
    assert_eq!(one, BUNDLED_POLICIES, "back to the shipped text");
    Ok(())
}
