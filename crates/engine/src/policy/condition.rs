//! Checkpoint conditions: CEL expressions compiled once at load, checked against the fields
//! that exist, evaluated after each agent.
//!
//! Over 400 lines on purpose: the limits, the static type inference and the evaluation budget
//! are one safety argument (a condition that loads cannot fail to give true or false within its
//! budget), and are read together.

use crate::agents::output::output_fields;
use crate::model::AgentKind;
use cel::common::ast::{EntryExpr, Expr};
use cel::{Context, Env, IdedExpr, Program, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

/// Fields of `profile` a condition may read.
pub const PROFILE_FIELDS: &[&str] = &[
    "break_id",
    "break_type",
    "asset_class",
    "exposure",
    "base_currency",
    "exposure_tier",
    "tier",
    "tier_rank",
    "age_days",
    "materiality",
    "urgency",
    "hints",
];

/// A compiled condition and its source text.
#[derive(Debug, Clone)]
pub struct Condition {
    pub source: String,
    program: Arc<Program>,
    /// The variables it reads (`profile`, `rules`, ...): only these are built per evaluation.
    pub reads: Vec<&'static str>,
}

/// The one standard CEL environment, shared (building it registers every builtin).
pub(crate) fn cel_env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| Arc::new(Env::stdlib())).clone()
}

/// The most characters a condition may have. The longest shipped condition has 60; a 5 MB list
/// literal would otherwise take gigabytes to compile.
pub const MAX_CONDITION_CHARS: usize = 2_000;
/// The most nodes (names, literals, operators) a condition's syntax tree may have.
pub const MAX_CONDITION_NODES: usize = 400;
/// The most comprehensions (`all`, `exists`, `map`, ...) nested inside each other.
pub const MAX_COMPREHENSION_NESTING: usize = 2;
/// The evaluation budget: the most steps a condition may take on any break, counting every node
/// once per loop iteration. A list that is not a literal (`profile.hints`, `ingestion.issues`)
/// counts as [`ASSUMED_LIST_LEN`] items.
pub const MAX_EVALUATION_STEPS: u64 = 20_000;
/// How many items the budget assumes for a list an agent or the profile provides.
pub const ASSUMED_LIST_LEN: u64 = 50;

/// What a condition (or part of one) gives, as far as it can be told without running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Number,
    Text,
    List,
    Map,
    Null,
    Unknown,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Bool => "true/false",
            Kind::Number => "a number",
            Kind::Text => "text",
            Kind::List => "a list",
            Kind::Map => "a map",
            Kind::Null => "null",
            Kind::Unknown => "a value",
        }
    }
}

impl Condition {
    /// Compiles `source` and checks every name it reads: `profile.<field>` or
    /// `<agent>.<field>` for an agent in `visible`; that it gives true/false wherever that can be
    /// told before running it; and its size, nesting and evaluation budget (the `MAX_*` limits).
    ///
    /// # Errors
    /// Every problem found, as readable sentences.
    pub fn compile(source: &str, visible: &[AgentKind]) -> Result<Condition, Vec<String>> {
        let chars = source.chars().count();
        if chars > MAX_CONDITION_CHARS {
            return Err(vec![format!("the condition has {chars} characters; at most {MAX_CONDITION_CHARS} are allowed")]);
        }
        let program = Program::compile(source)
            .map_err(|e| e.errors.iter().map(|err| format!("CEL syntax error at column {}: {}", err.pos.1 + 1, err.msg)).collect::<Vec<_>>())?;
        let mut problems = Vec::new();
        let cost = cost(program.expression(), 0);
        if cost.nodes > MAX_CONDITION_NODES {
            problems.push(format!("the condition has {} parts; at most {MAX_CONDITION_NODES} are allowed", cost.nodes));
        }
        if cost.nesting > MAX_COMPREHENSION_NESTING {
            problems.push(format!("comprehensions (all, exists, map, filter) are nested {} deep; at most {MAX_COMPREHENSION_NESTING}", cost.nesting));
        }
        if cost.steps > MAX_EVALUATION_STEPS {
            problems.push(format!(
                "the condition may take up to {} steps per break; the budget is {MAX_EVALUATION_STEPS} (lists from agents count as {ASSUMED_LIST_LEN} items)",
                cost.steps
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut bound = HashSet::new();
        check_names(program.expression(), visible, &mut bound, &mut problems);
        if problems.is_empty() {
            match kind(program.expression(), &HashMap::new()) {
                Kind::Bool | Kind::Unknown => {}
                other => problems.push(format!("the condition gives {}, not true/false", other.describe())),
            }
        }
        if problems.is_empty() {
            let reads =
                std::iter::once("profile").chain(AgentKind::ALL.iter().map(|a| a.variable())).filter(|v| program.references().has_variable(v)).collect();
            Ok(Condition { source: source.to_string(), program: Arc::new(program), reads })
        } else {
            problems.sort();
            problems.dedup();
            Err(problems)
        }
    }

    /// Evaluates against `vars` (name -> value).
    ///
    /// # Errors
    /// A CEL runtime error, or a result that is not a boolean.
    pub fn evaluate(&self, vars: &[(&'static str, Value)]) -> Result<bool, String> {
        let mut ctx = Context::with_env(cel_env());
        for (name, value) in vars {
            ctx.add_variable_from_value(*name, value.clone());
        }
        match self.program.execute(&ctx) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!("condition gave {other:?}, not true/false")),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Size, comprehension nesting and worst-case steps of an expression.
struct Cost {
    nodes: usize,
    nesting: usize,
    steps: u64,
}

/// `depth` is the comprehension nesting around `expr`.
fn cost(expr: &IdedExpr, depth: usize) -> Cost {
    let mut c = Cost { nodes: 1, nesting: depth, steps: 1 };
    let add = |sub: Cost, times: u64, c: &mut Cost| {
        c.nodes += sub.nodes;
        c.nesting = c.nesting.max(sub.nesting);
        c.steps = c.steps.saturating_add(sub.steps.saturating_mul(times));
    };
    match &expr.expr {
        Expr::Select(s) => add(cost(&s.operand, depth), 1, &mut c),
        Expr::Call(call) => {
            if let Some(t) = &call.target {
                add(cost(t, depth), 1, &mut c);
            }
            for a in &call.args {
                add(cost(a, depth), 1, &mut c);
            }
        }
        Expr::Comprehension(comp) => {
            let items = list_len(&comp.iter_range);
            add(cost(&comp.iter_range, depth), 1, &mut c);
            add(cost(&comp.accu_init, depth), 1, &mut c);
            add(cost(&comp.loop_cond, depth + 1), items, &mut c);
            add(cost(&comp.loop_step, depth + 1), items, &mut c);
            add(cost(&comp.result, depth), 1, &mut c);
        }
        Expr::List(l) => l.elements.iter().for_each(|e| add(cost(e, depth), 1, &mut c)),
        Expr::Map(m) => {
            for entry in &m.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    add(cost(&me.key, depth), 1, &mut c);
                    add(cost(&me.value, depth), 1, &mut c);
                }
            }
        }
        Expr::Ident(_) | Expr::Struct(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
    c
}

/// How many items a comprehension's range can have: a literal's length, a mapped or filtered
/// range's bound, else [`ASSUMED_LIST_LEN`].
fn list_len(range: &IdedExpr) -> u64 {
    match &range.expr {
        Expr::List(l) => l.elements.len() as u64,
        Expr::Map(m) => m.entries.len() as u64,
        Expr::Comprehension(c) => list_len(&c.iter_range),
        _ => ASSUMED_LIST_LEN,
    }
}

/// The boolean fields of each variable; every other known field is not a boolean. A test checks
/// these against the values conditions are given.
fn bool_fields(var: &str) -> &'static [&'static str] {
    match var {
        "ingestion" => &["valid", "has_internal", "has_external", "sides_present", "amount_consistent"],
        "enrichment" => &["fx_rate_known", "instrument_known", "counterparty_known"],
        "matching" => &["sides_present", "quantity_match", "price_match", "reference_match"],
        "rules" => &["within_tolerance", "timing_difference", "fx_rounding", "explained"],
        "pattern" => &["recurring_unresolved"],
        _ => &[],
    }
}

/// What `expr` gives, where that can be told without running it. `bound` holds comprehension
/// variables (their kind is unknown).
fn kind(expr: &IdedExpr, bound: &HashMap<String, Kind>) -> Kind {
    use cel::common::ast::operators as op;
    use cel::common::ast::LiteralValue as L;
    match &expr.expr {
        Expr::Literal(l) => match l {
            L::Boolean(_) => Kind::Bool,
            L::Int(_) | L::UInt(_) | L::Double(_) => Kind::Number,
            L::String(_) | L::Bytes(_) => Kind::Text,
            L::Null => Kind::Null,
        },
        Expr::List(_) => Kind::List,
        Expr::Map(_) => Kind::Map,
        Expr::Ident(name) => {
            bound.get(name).copied().unwrap_or(if name == "profile" || AgentKind::ALL.iter().any(|a| a.variable() == name) { Kind::Map } else { Kind::Unknown })
        }
        Expr::Select(s) if s.test => Kind::Bool,
        Expr::Select(s) => match &s.operand.expr {
            Expr::Ident(var) if !bound.contains_key(var) => {
                if bool_fields(var).contains(&s.field.as_str()) {
                    Kind::Bool
                } else if var == "profile" || AgentKind::ALL.iter().any(|a| a.variable() == var) {
                    field_kind(var, &s.field)
                } else {
                    Kind::Unknown
                }
            }
            _ => Kind::Unknown,
        },
        Expr::Call(call) => match call.func_name.as_str() {
            op::LOGICAL_AND
            | op::LOGICAL_OR
            | op::LOGICAL_NOT
            | op::EQUALS
            | op::NOT_EQUALS
            | op::LESS
            | op::LESS_EQUALS
            | op::GREATER
            | op::GREATER_EQUALS
            | op::IN
            | op::NOT_STRICTLY_FALSE
            | "contains"
            | "startsWith"
            | "endsWith"
            | "matches" => Kind::Bool,
            op::SUBSTRACT | op::MULTIPLY | op::DIVIDE | op::MODULO | op::NEGATE | "size" | "int" | "uint" | "double" => Kind::Number,
            op::ADD => match call.args.first().map(|a| kind(a, bound)) {
                Some(k @ (Kind::Number | Kind::Text | Kind::List)) => k,
                _ => Kind::Unknown,
            },
            "string" => Kind::Text,
            op::CONDITIONAL => match (call.args.get(1).map(|a| kind(a, bound)), call.args.get(2).map(|a| kind(a, bound))) {
                (Some(a), Some(b)) if a == b => a,
                _ => Kind::Unknown,
            },
            _ => Kind::Unknown,
        },
        Expr::Comprehension(c) => {
            let mut inner = bound.clone();
            inner.insert(c.iter_var.clone(), Kind::Unknown);
            if let Some(v2) = &c.iter_var2 {
                inner.insert(v2.clone(), Kind::Unknown);
            }
            inner.insert(c.accu_var.clone(), kind(&c.accu_init, bound));
            kind(&c.result, &inner)
        }
        Expr::Struct(_) | Expr::Unspecified => Kind::Unknown,
    }
}

/// What a known, non-boolean field of `var` holds: a number, text or a list.
fn field_kind(var: &str, field: &str) -> Kind {
    {
        let fields: &[&str] =
            if var == "profile" { PROFILE_FIELDS } else { AgentKind::ALL.iter().find(|a| a.variable() == var).map(|a| output_fields(*a)).unwrap_or(&[]) };
        match field {
            "hints" | "issues" | "mismatched_fields" | "rule_hits" | "rationale" => Kind::List,
            "usual_resolution" => Kind::Unknown, // text or null
            f if fields.contains(&f) => {
                if matches!(
                    f,
                    "exposure"
                        | "tier_rank"
                        | "age_days"
                        | "materiality"
                        | "urgency"
                        | "fx_rate"
                        | "amount_base"
                        | "sla_hours"
                        | "amount_diff"
                        | "settle_date_diff_days"
                        | "score"
                        | "difference_base"
                        | "tolerance_base"
                        | "similar_count"
                        | "resolved_count"
                        | "auto_resolved_count"
                        | "unresolved_count"
                        | "prior_auto_resolve_rate"
                        | "confidence"
                ) {
                    Kind::Number
                } else {
                    Kind::Text
                }
            }
            _ => Kind::Unknown,
        }
    }
}

fn known_variable(name: &str, visible: &[AgentKind]) -> Result<&'static [&'static str], String> {
    if name == "profile" {
        return Ok(PROFILE_FIELDS);
    }
    match AgentKind::ALL.into_iter().find(|a| a.variable() == name) {
        Some(agent) if visible.contains(&agent) => Ok(output_fields(agent)),
        Some(agent) => Err(format!(
            "`{name}` is the output of {agent}, which has not finished when this checkpoint runs (visible: profile{})",
            visible.iter().map(|a| format!(", {}", a.variable())).collect::<String>()
        )),
        None => Err(format!("unknown name `{name}` (known: profile{})", visible.iter().map(|a| format!(", {}", a.variable())).collect::<String>())),
    }
}

fn check_names(expr: &IdedExpr, visible: &[AgentKind], bound: &mut HashSet<String>, problems: &mut Vec<String>) {
    match &expr.expr {
        Expr::Ident(name) => {
            if !bound.contains(name) {
                if let Err(e) = known_variable(name, visible) {
                    problems.push(e);
                }
            }
        }
        Expr::Select(select) => {
            if let Expr::Ident(name) = &select.operand.expr {
                if !bound.contains(name) {
                    match known_variable(name, visible) {
                        Ok(fields) if !fields.contains(&select.field.as_str()) => {
                            problems.push(format!("`{name}` has no field `{}` (fields: {})", select.field, fields.join(", ")))
                        }
                        Ok(_) => {}
                        Err(e) => problems.push(e),
                    }
                }
                return;
            }
            check_names(&select.operand, visible, bound, problems);
        }
        Expr::Call(call) => {
            if let Some(target) = &call.target {
                check_names(target, visible, bound, problems);
            }
            for arg in &call.args {
                check_names(arg, visible, bound, problems);
            }
        }
        Expr::Comprehension(c) => {
            check_names(&c.iter_range, visible, bound, problems);
            let mut inner = bound.clone();
            inner.insert(c.iter_var.clone());
            if let Some(v2) = &c.iter_var2 {
                inner.insert(v2.clone());
            }
            inner.insert(c.accu_var.clone());
            for e in [&c.accu_init, &c.loop_cond, &c.loop_step, &c.result] {
                check_names(e, visible, &mut inner, problems);
            }
        }
        Expr::List(list) => list.elements.iter().for_each(|e| check_names(e, visible, bound, problems)),
        Expr::Map(m) => {
            for entry in &m.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    check_names(&me.key, visible, bound, problems);
                    check_names(&me.value, visible, bound, problems);
                }
            }
        }
        Expr::Struct(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// The view checkpoint conditions get of a profile (fields: [`PROFILE_FIELDS`]).
pub fn profile_value(p: &crate::model::BreakProfile) -> Value {
    use crate::agents::output::{map, num};
    map(vec![
        ("break_id", Value::from(p.break_id.as_str())),
        ("break_type", Value::from(p.break_type.as_str())),
        ("asset_class", Value::from(p.asset_class.as_str())),
        ("exposure", num(p.exposure)),
        ("base_currency", Value::from(p.base_currency.as_str())),
        ("exposure_tier", Value::from(p.exposure_tier.as_str())),
        ("tier", Value::from(p.tier.as_str())),
        ("tier_rank", Value::Int(p.tier.rank().into())),
        ("age_days", Value::Int(p.age_days)),
        ("materiality", Value::Int(p.materiality.into())),
        ("urgency", Value::Int(p.urgency.into())),
        ("hints", Value::List(Arc::new(p.hints.iter().map(|h| Value::from(h.as_str())).collect()))),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_on_a_visible_agent_compiles_and_evaluates() {
        let c = Condition::compile("rules.within_tolerance && profile.exposure < 100.0", &[AgentKind::Rules]).unwrap();
        let rules = crate::agents::output::map(vec![("within_tolerance", Value::Bool(true))]);
        let profile = crate::agents::output::map(vec![("exposure", Value::Float(5.0))]);
        assert_eq!(c.evaluate(&[("rules", rules), ("profile", profile)]), Ok(true));
    }

    #[test]
    fn unknown_fields_and_unfinished_agents_are_named() {
        let errs = Condition::compile("rules.within_tolerence || pattern.recurring_unresolved", &[AgentKind::Rules]).unwrap_err();
        assert!(errs.iter().any(|e| e.contains("no field `within_tolerence`")), "{errs:?}");
        assert!(errs.iter().any(|e| e.contains("PATTERN, which has not finished")), "{errs:?}");
    }

    #[test]
    fn syntax_errors_are_reported() {
        let errs = Condition::compile("rules.explained &&", &[AgentKind::Rules]).unwrap_err();
        assert!(errs[0].starts_with("CEL syntax error"), "{errs:?}");
    }

    #[test]
    fn macros_may_bind_their_own_names() {
        Condition::compile("profile.hints.exists(h, h == 'STALE')", &[]).unwrap();
    }

    #[test]
    fn a_condition_that_cannot_give_true_or_false_is_refused_at_load() {
        for (src, gives) in [
            ("profile.exposure", "a number"),
            ("profile.exposure / 0.0", "a number"),
            ("profile.tier", "text"),
            ("'yes'", "text"),
            ("profile.hints", "a list"),
            ("profile.hints.map(h, h)", "a list"),
            ("rules.difference_base + 1.0", "a number"),
            ("true ? 1 : 2", "a number"),
        ] {
            let errs = Condition::compile(src, &[AgentKind::Rules]).unwrap_err();
            assert!(errs.iter().any(|e| e.contains(&format!("gives {gives}, not true/false"))), "{src}: {errs:?}");
        }
        for ok in [
            "rules.explained",
            "profile.hints.exists(h, h == 'STALE')",
            "has(profile.tier)",
            "profile.exposure < 5.0 || rules.fx_rounding",
            "true ? rules.explained : false",
        ] {
            Condition::compile(ok, &[AgentKind::Rules]).unwrap();
        }
    }

    #[test]
    fn size_nesting_and_budget_are_bounded() {
        let long = format!("[{}].size() > 0", vec!["1"; 1500].join(","));
        assert!(Condition::compile(&long, &[]).unwrap_err()[0].contains("characters; at most 2000"));
        let nested = "[1,2,3].all(a, [1,2,3].all(b, [1,2,3].all(c, a + b + c > 0)))";
        assert!(Condition::compile(nested, &[]).unwrap_err().iter().any(|e| e.contains("nested 3 deep")));
        let heavy = "profile.hints.all(a, profile.hints.all(b, profile.hints.size() + profile.hints.size() + profile.hints.size() + profile.hints.size() > 0))";
        assert!(Condition::compile(heavy, &[]).unwrap_err().iter().any(|e| e.contains("steps per break")), "{heavy}");
        let parts = format!("size([{}]) == 0", vec!["1"; 450].join(","));
        let errs = Condition::compile(&parts, &[]).unwrap_err();
        assert!(errs.iter().any(|e| e.contains("parts; at most 400")), "{errs:?}");
    }

    /// `bool_fields` and `Kind::max_known` agree with the values conditions are given.
    #[tokio::test]
    async fn field_kinds_match_the_outputs() {
        use crate::orchestrate::Orchestrator;
        let orch = Orchestrator::bundled();
        let b = &crate::sample::generate(1, 1, &orch.refdata)[0];
        let g = orch.process_break(b, crate::graph::RunMode::V1, crate::sample::sample_as_of()).await;
        let mut vars = vec![("profile", profile_value(&g.profile))];
        vars.extend(g.nodes.iter().map(|n| (n.agent.variable(), n.output.as_ref().unwrap().cel_value())));
        for (var, value) in vars {
            let Value::Map(m) = value else { panic!("a map") };
            for (k, v) in m.map.iter() {
                let cel::objects::Key::String(field) = k else { panic!("string keys") };
                let is_bool = matches!(v, Value::Bool(_));
                assert_eq!(bool_fields(var).contains(&field.as_str()), is_bool, "{var}.{field}");
                let told = field_kind(var, field);
                let actual = match v {
                    Value::Bool(_) => continue,
                    Value::Int(_) | Value::UInt(_) | Value::Float(_) => Kind::Number,
                    Value::String(_) => Kind::Text,
                    Value::List(_) => Kind::List,
                    _ => Kind::Unknown,
                };
                assert!(told == actual || told == Kind::Unknown, "{var}.{field}: told {told:?}, is {actual:?}");
            }
        }
    }
}
