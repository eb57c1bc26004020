//! Checkpoint conditions: CEL expressions compiled once at load, checked against the fields
//! that exist, evaluated after each agent.

use crate::agents::output::output_fields;
use crate::model::AgentKind;
use cel::common::ast::{EntryExpr, Expr};
use cel::{Context, Env, IdedExpr, Program, Value};
use std::collections::HashSet;
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

impl Condition {
    /// Compiles `source` and checks every name it reads: `profile.<field>` or
    /// `<agent>.<field>` for an agent in `visible`.
    ///
    /// # Errors
    /// Every problem found, as readable sentences.
    pub fn compile(source: &str, visible: &[AgentKind]) -> Result<Condition, Vec<String>> {
        let program = Program::compile(source)
            .map_err(|e| e.errors.iter().map(|err| format!("CEL syntax error at column {}: {}", err.pos.1 + 1, err.msg)).collect::<Vec<_>>())?;
        let mut problems = Vec::new();
        let mut bound = HashSet::new();
        check_names(program.expression(), visible, &mut bound, &mut problems);
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
}
