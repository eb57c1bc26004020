//! Every validation rule has a failing example with its message, path and line.

use reconagent_engine::policy::{PolicySet, BUNDLED_POLICIES};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn errors_for(text: &str) -> Vec<String> {
    match PolicySet::load(text, "test.yaml") {
        Ok(_) => panic!("expected the policy to be refused"),
        Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
    }
}

/// The bundled file with one substitution applied (which must match exactly once).
fn edited(from: &str, to: &str) -> String {
    assert_eq!(BUNDLED_POLICIES.matches(from).count(), 1, "`{from}` must occur once in the bundled file");
    BUNDLED_POLICIES.replace(from, to)
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).expect("needle present") + 1
}

fn assert_has(errors: &[String], expected: &str) {
    assert!(errors.iter().any(|e| e.contains(expected)), "no error containing `{expected}` in:\n{}", errors.join("\n"));
}

#[test]
fn the_bundled_policies_are_valid_and_route_every_type_and_tier() -> TestResult {
    let set = PolicySet::bundled();
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
    for ty in reconagent_engine::BreakType::KNOWN.into_iter().chain([reconagent_engine::BreakType::Other("NEW_KIND".into())]) {
        for tier in reconagent_engine::RiskTier::ALL {
            let plan = set.plan_for(&ty, tier);
            assert!(!plan.agents.is_empty());
            assert!(plan.max_parallel >= 1);
        }
    }
    assert_eq!(set.plan_for(&reconagent_engine::BreakType::Other("X".into()), reconagent_engine::RiskTier::Low).key(), "DEFAULT/LOW");
    assert_eq!(set.plan_for(&reconagent_engine::BreakType::CashReconciliation, reconagent_engine::RiskTier::Critical).key(), "DEFAULT/CRITICAL");
    Ok(())
}

#[test]
fn an_unknown_agent_is_named_with_its_path_and_line() -> TestResult {
    let text = edited(
        "        WORKFLOW: { depends_on: [RULES] }\n      checkpoints:\n        - id: trade_low_explained",
        "        WORKFLOWS: { depends_on: [RULES] }\n      checkpoints:\n        - id: trade_low_explained",
    );
    let errs = errors_for(&text);
    let line = line_of(&text, "WORKFLOWS");
    assert_has(&errs, &format!("test.yaml:{line}:"));
    assert_has(&errs, "policies.TRADE_OMS_MISMATCH.LOW.agents.WORKFLOWS: unknown agent `WORKFLOWS`");
    Ok(())
}

#[test]
fn an_unknown_tier_is_refused() -> TestResult {
    let errs = errors_for(&edited("  PNL_RECONCILIATION:\n    LOW:", "  PNL_RECONCILIATION:\n    LOWEST:"));
    assert_has(&errs, "policies.PNL_RECONCILIATION.LOWEST: unknown tier `LOWEST`");
    Ok(())
}

#[test]
fn an_unknown_decision_is_refused() -> TestResult {
    let errs = errors_for(&edited("          decision: AUTO_RESOLVE\n          confidence: 0.97", "          decision: CLOSE_IT\n          confidence: 0.97"));
    assert_has(&errs, "policies.CASH_RECONCILIATION.LOW.checkpoints[0].decision: unknown decision `CLOSE_IT`");
    Ok(())
}

#[test]
fn a_dependency_outside_the_plan_is_refused() -> TestResult {
    let text = edited(
        "      description: Small cash differences. Auto-resolve when within tolerance.\n      agents:\n        INGESTION: {}\n        ENRICHMENT: { depends_on: [INGESTION] }",
        "      description: Small cash differences. Auto-resolve when within tolerance.\n      agents:\n        INGESTION: {}\n        ENRICHMENT: { depends_on: [MATCHING] }",
    );
    let errs = errors_for(&text);
    assert_has(&errs, "policies.CASH_RECONCILIATION.LOW.agents.ENRICHMENT.depends_on[0]: ENRICHMENT depends on MATCHING, which is not in this plan");
    Ok(())
}

#[test]
fn a_cycle_is_refused() -> TestResult {
    let text = edited(
        "      description: Small cash differences. Auto-resolve when within tolerance.\n      agents:\n        INGESTION: {}",
        "      description: Small cash differences. Auto-resolve when within tolerance.\n      agents:\n        INGESTION: { depends_on: [WORKFLOW] }",
    );
    assert_has(&errors_for(&text), "policies.CASH_RECONCILIATION.LOW.agents: dependency cycle among");
    Ok(())
}

#[test]
fn a_checkpoint_after_an_agent_not_in_the_plan_is_refused() -> TestResult {
    let errs = errors_for(&edited(
        "          after: RULES\n          when: rules.explained\n          decision: AUTO_RESOLVE\n          confidence: 0.97",
        "          after: PATTERN\n          when: rules.explained\n          decision: AUTO_RESOLVE\n          confidence: 0.97",
    ));
    assert_has(&errs, "policies.CASH_RECONCILIATION.LOW.checkpoints[0].after: checkpoint after PATTERN, which is not in this plan");
    Ok(())
}

#[test]
fn cel_that_does_not_compile_is_refused_with_its_line() -> TestResult {
    let text = edited("          when: rules.within_tolerance\n", "          when: rules.within_tolerance &&\n");
    let errs = errors_for(&text);
    let line = line_of(&text, "rules.within_tolerance &&");
    assert_has(&errs, &format!("test.yaml:{line}:"));
    assert_has(&errs, "policies.TRADE_OMS_MISMATCH.MEDIUM.checkpoints[0].when: CEL syntax error");
    Ok(())
}

#[test]
fn cel_naming_an_unknown_field_or_an_unfinished_agent_is_refused() -> TestResult {
    let errs = errors_for(&edited("          when: rules.within_tolerance\n", "          when: rules.within_tolerence || matching.score > 0.5\n"));
    assert_has(&errs, "`rules` has no field `within_tolerence`");
    assert_has(&errs, "`matching` is the output of MATCHING, which has not finished when this checkpoint runs");
    Ok(())
}

#[test]
fn max_parallel_below_one_is_refused() -> TestResult {
    let errs = errors_for(&edited(
        "      description: Full decisioning; matching and rules in parallel.\n",
        "      description: Full decisioning; matching and rules in parallel.\n      max_parallel: 0\n",
    ));
    assert_has(&errs, "policies.CASH_RECONCILIATION.HIGH.max_parallel: max_parallel must be at least 1, not 0");
    Ok(())
}

#[test]
fn a_tier_without_a_route_is_refused() -> TestResult {
    let errs = errors_for(&edited("    MEDIUM: *default_full\n", ""));
    assert_has(&errs, "policies.DEFAULT.MEDIUM: no DEFAULT plan for MEDIUM");
    Ok(())
}

#[test]
fn regulatory_breaks_can_never_be_auto_resolved() -> TestResult {
    let errs = errors_for(&edited("      description: Always reviewed by a person.\n      agents:", "      description: Always reviewed by a person.\n      checkpoints:\n        - { id: oops, after: RULES, when: rules.explained, decision: AUTO_RESOLVE }\n      agents:"));
    assert_has(&errs, "policies.REGULATORY_DATA.LOW.checkpoints[0].decision: REGULATORY_DATA is never auto-resolved");
    Ok(())
}

#[test]
fn several_problems_are_all_reported() -> TestResult {
    let text = edited("          decision: AUTO_RESOLVE\n          confidence: 0.97", "          decision: CLOSE_IT\n          confidence: 7");
    let errs = errors_for(&text.replace("    MEDIUM: *default_full\n", ""));
    assert!(errs.len() >= 3, "{errs:?}");
    Ok(())
}

#[test]
fn yaml_errors_name_the_line_and_unknown_keys_are_refused() -> TestResult {
    assert_has(&errors_for("version: 1\nclassifier: [\n"), "test.yaml:");
    let errs = errors_for(&edited("  max_parallel: 3\n  timeout_ms: 5000", "  max_paralel: 3\n  timeout_ms: 5000"));
    assert_has(&errs, "max_paralel");
    assert_has(&errors_for(""), "the file is empty");
    Ok(())
}

#[test]
fn duplicate_keys_are_refused() -> TestResult {
    let errs = errors_for(&edited("version: 1\n", "version: 1\nversion: 1\n"));
    assert_has(&errs, "test.yaml:");
    Ok(())
}

#[test]
fn a_checkpoint_after_several_agents_names_the_bad_one_and_reads_only_those_finished() -> TestResult {
    let list = "          after: [RULES, PATTERN]\n          when: rules.explained && !pattern.recurring_unresolved\n          decision: AUTO_RESOLVE\n          confidence: 0.9\n      fallback: HIL_REVIEW\n    MEDIUM:\n      description: Rules and history";
    assert_eq!(BUNDLED_POLICIES.matches(list).count(), 1, "PNL LOW is the example");
    // the second agent of the list is not in the plan: its own path and line
    let text = edited(list, &list.replace("[RULES, PATTERN]", "[RULES, MATCHING]").replace("!pattern.recurring_unresolved", "true"));
    let errs = errors_for(&text);
    assert_has(&errs, "policies.PNL_RECONCILIATION.LOW.checkpoints[0].after[1]: checkpoint after MATCHING, which is not in this plan");
    assert_has(&errs, &format!("test.yaml:{}:", line_of(&text, "when: rules.explained && true") - 1));
    // with only RULES, PATTERN has not finished (it runs beside RULES, not before it)
    let errs = errors_for(&edited(list, &list.replace("[RULES, PATTERN]", "RULES")));
    assert_has(&errs, "`pattern` is the output of PATTERN, which has not finished when this checkpoint runs");
    // an empty list and a repeated agent
    assert_has(&errors_for(&edited(list, &list.replace("[RULES, PATTERN]", "[]"))), "`after` names no agent");
    assert_has(&errors_for(&edited(list, &list.replace("[RULES, PATTERN]", "[RULES, PATTERN, RULES]"))), "checkpoints[0].after[2]: RULES is listed twice");
    Ok(())
}

/// Four eyes (`authority`): tiers must be tiers, the amount positive, types plain names; the
/// limits say why in words, and a file without the section has none.
#[test]
fn authority_limits_are_validated_and_explained() -> TestResult {
    use reconagent_engine::RiskTier;
    use rust_decimal::Decimal;
    let errors = errors_for(&edited("second_approver_tiers: [CRITICAL]", "second_approver_tiers: [SEVERE]"));
    assert_has(&errors, "authority.second_approver_tiers");
    assert_has(&errors, "unknown tier `SEVERE`");
    assert_has(&errors_for(&edited("second_approver_above: \"5000000\"", "second_approver_above: \"-1\"")), "the amount must be positive, not -1");
    assert_has(&errors_for(&edited("second_approver_types: []", "second_approver_types: [\"fx trades\"]")), "`fx trades` is not a break type name");
    assert_has(&errors_for(&edited("second_approver_types: []", "second_approver_kinds: []")), "second_approver_kinds");

    let limits = PolicySet::bundled().authority;
    assert_eq!((limits.tiers.as_slice(), limits.above), (&[RiskTier::Critical][..], Some(Decimal::from(5_000_000))));
    let why = |ty: &str, tier, exposure: i64| limits.second_approver_because(ty, tier, Decimal::from(exposure), "USD");
    assert_eq!(why("CASH_RECONCILIATION", RiskTier::High, 900_000), None);
    assert_eq!(why("CASH_RECONCILIATION", RiskTier::Critical, 900_000).as_deref(), Some("tier CRITICAL"));
    assert_eq!(why("CASH_RECONCILIATION", RiskTier::Critical, 6_000_000).as_deref(), Some("tier CRITICAL, exposure 6000000 USD above 5000000 USD"));

    let without = edited("authority:\n  second_approver_tiers: [CRITICAL]\n  second_approver_above: \"5000000\"\n  second_approver_types: []\n", "");
    let none = PolicySet::load(&without, "test.yaml").map_err(|e| e.to_string())?.authority;
    assert_eq!(none.second_approver_because("X", RiskTier::Critical, Decimal::from(9_000_000_000i64), "USD"), None);
    Ok(())
}
