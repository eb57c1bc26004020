//! A self-contained HTML report: inline CSS, no scripts, no external resources; prints to PDF
//! cleanly (tables repeat their headers, sections start on a new page). Every value is escaped.

use super::report::{ReportHead, ReportItem, ReportSink, Section};
use std::fmt::Write;
use std::io::Write as _;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:13px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b1f24;margin:32px;}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#57606a}.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}
code{font:12px ui-monospace,monospace;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:6px 0 14px}th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f6f8fa}td.n{text-align:right}.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:120px}.card b{display:block;font-size:20px}
@media print{body{margin:12mm}h2{break-before:page}thead{display:table-header-group}tr{break-inside:avoid}}";

/// Writes the report as its rows arrive: the head, then one table per section.
pub(super) struct HtmlSink {
    out: std::io::BufWriter<std::fs::File>,
    rows_in_section: usize,
}

fn io(e: std::io::Error) -> crate::StoreError {
    crate::StoreError::Invalid(format!("cannot write the report: {e}"))
}

/// Columns of each section.
fn header(section: Section) -> (&'static str, &'static [&'static str]) {
    match section {
        Section::Breaks => {
            ("Breaks and their decisions", &["break", "type", "tier", "status", "decision", "decided by", "assignee", "amount", "currency", "counterparty"])
        }
        Section::Actions => ("Human actions (overrides with their reasons)", &["at", "break", "action", "by", "decision", "reason", "assignee / comment"]),
        Section::Runs => (
            "Runs: agents invoked and skipped",
            &["run", "break", "mode", "started", "policy", "decision", "decided by", "invoked", "skipped (reason)", "held for review because", "reasons"],
        ),
        Section::AuditEntries => ("Audit log entries in the period", &["seq", "at", "kind", "actor", "subject", "payload", "hash"]),
    }
}

fn table(out: &mut String, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    table_head(out, header);
    let mut any = false;
    for row in rows {
        any = true;
        table_row(out, &row);
    }
    table_end(out, header.len(), any);
}

fn table_head(out: &mut String, header: &[&str]) {
    out.push_str("<table><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
}

fn table_row(out: &mut String, row: &[String]) {
    out.push_str("<tr>");
    for c in row {
        let _ = write!(out, "<td>{}</td>", escape(c));
    }
    out.push_str("</tr>");
}

fn table_end(out: &mut String, columns: usize, any: bool) {
    if !any {
        let _ = write!(out, "<tr><td colspan=\"{columns}\">none in this period</td></tr>");
    }
    out.push_str("</tbody></table>");
}

impl HtmlSink {
    pub(super) fn create(file: std::fs::File) -> HtmlSink {
        HtmlSink { out: std::io::BufWriter::with_capacity(1 << 20, file), rows_in_section: 0 }
    }

    fn put(&mut self, s: &str) -> crate::Result<()> {
        self.out.write_all(s.as_bytes()).map_err(io)
    }

    pub(super) fn finish(mut self) -> crate::Result<()> {
        self.put("</body></html>\n")?;
        self.out.into_inner().map_err(|e| io(e.into_error()))?.sync_all().map_err(io)
    }
}

impl ReportSink for HtmlSink {
    fn order(&self) -> [Section; 4] {
        [Section::Breaks, Section::Actions, Section::Runs, Section::AuditEntries]
    }

    fn head(&mut self, r: &ReportHead) -> crate::Result<()> {
        let o = head_html(r);
        self.put(&o)
    }

    fn begin(&mut self, section: Section) -> crate::Result<()> {
        let (title, columns) = header(section);
        let mut o = format!("<h2>{}</h2>", escape(title));
        table_head(&mut o, columns);
        self.rows_in_section = 0;
        self.put(&o)
    }

    fn item(&mut self, item: ReportItem) -> crate::Result<()> {
        let row = match item {
            ReportItem::Break(b) => vec![
                b.break_id.clone(),
                b.break_type.clone(),
                b.tier.clone().unwrap_or_default(),
                b.status.clone(),
                b.decision.clone().unwrap_or_default(),
                b.decided_by.clone(),
                b.assignee.clone().unwrap_or_default(),
                b.amount.clone(),
                b.currency.clone(),
                b.counterparty.clone().unwrap_or_default(),
            ],
            ReportItem::Action(a) => vec![
                a.at.clone(),
                a.break_id.clone(),
                a.kind.clone(),
                a.actor.clone(),
                a.decision.clone().unwrap_or_default(),
                a.reason.clone().unwrap_or_default(),
                a.assignee.clone().or(a.comment.clone()).unwrap_or_default(),
            ],
            ReportItem::Run(x) => vec![
                x.run_id.to_string(),
                x.break_id.clone(),
                x.mode.clone(),
                x.started_at.clone(),
                format!("{} @ {}", x.policy_key, &x.policy_version[..12.min(x.policy_version.len())]),
                format!("{} ({:.2})", x.decision, x.confidence),
                x.decided_by.clone(),
                x.agents_invoked.join(", "),
                x.agents_skipped.join("; "),
                x.held_because.join("; "),
                x.rationale.join(" "),
            ],
            ReportItem::Entry(e) => {
                vec![e.seq.to_string(), e.at.clone(), e.kind.clone(), e.actor.clone(), e.subject.clone(), e.payload.clone(), e.hash.clone()]
            }
        };
        self.rows_in_section += 1;
        let mut o = String::new();
        table_row(&mut o, &row);
        self.put(&o)
    }

    fn end(&mut self, section: Section) -> crate::Result<()> {
        let mut o = String::new();
        table_end(&mut o, header(section).1.len(), self.rows_in_section > 0);
        self.put(&o)
    }
}

fn head_html(r: &ReportHead) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>Recon Agent audit report {} to {}</title><style>{STYLE}</style></head><body>",
        r.query.from, r.query.to
    );
    let _ = write!(
        o,
        "<h1>Recon Agent audit report</h1><p class=\"meta\">Period {} to {} (UTC){} &middot; generated {} by {} &middot; database <code>{}</code></p>",
        r.query.from,
        r.query.to,
        r.query.break_type.as_ref().map(|t| format!(" &middot; break type {}", escape(t))).unwrap_or_default(),
        escape(&r.generated_at),
        escape(&r.generated_by),
        escape(&r.database)
    );
    let verdict = if r.chain.ok {
        format!("<span class=\"ok\">INTACT</span>: all {} entries recomputed and matched", r.chain.entries)
    } else {
        let (seq, why) = r.chain.first_bad.clone().unwrap_or((0, String::new()));
        format!("<span class=\"bad\">BROKEN at entry {seq}</span>: {}", escape(&why))
    };
    let _ = write!(
        o,
        "<h2 style=\"break-before:avoid\">Audit chain at export time</h2><p>{verdict}</p><p>Chain head hash <code id=\"chain-head\">{}</code></p>\
         <p>Head <code id=\"anchor-head\">{}</code>, signed by this installation's Ed25519 key <code>{}</code>: <code>{}</code>. \
         To check later that the database still holds this head: <code>{}</code></p>",
        escape(&r.chain.head),
        escape(&r.anchor.head()),
        escape(&r.anchor.public_key),
        escape(&r.anchor.signature),
        escape(&r.anchor.how_to_check)
    );

    let s = &r.summary;
    let _ = write!(
        o,
        "<h2 style=\"break-before:avoid\">Summary</h2><div class=\"cards\"><div class=\"card\"><b>{}</b>breaks</div><div class=\"card\"><b>{}</b>runs</div><div class=\"card\"><b>{}</b>overrides</div><div class=\"card\"><b>{}</b>audit entries in period</div></div>",
        s.breaks,
        s.runs,
        s.overrides,
        s.audit_entries
    );
    let decisions = ["AUTO_RESOLVE", "HIL_REVIEW", "ESCALATE"];
    let mut header = vec!["type / tier"];
    header.extend(decisions);
    table(
        &mut o,
        &header,
        s.by_type_tier.iter().map(|(k, m)| {
            let mut row = vec![k.clone()];
            row.extend(decisions.iter().map(|d| m.get(*d).copied().unwrap_or(0).to_string()));
            row
        }),
    );
    table(&mut o, &["status", "breaks"], s.by_status.iter().map(|(k, v)| vec![k.clone(), v.to_string()]));

    o
}
