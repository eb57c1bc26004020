//! Breaks: the queue, one break's detail, and importing breaks (the file loop lives here, once,
//! for the app and the CLI; the store takes rows in).

use crate::dto::{BreakDetail, ImportSummary, Progress, QueueFilter, QueuePage, RowErrorDto, RunDto, Task};
use crate::error::{ApiError, ApiResult};
use crate::progress::Tracker;
use crate::Core;
use reconagent_engine::import::RowError;
use reconagent_engine::import::StreamTotals;
use reconagent_store::prelude::*;
use reconagent_store::StoreError;
use std::path::Path;

/// Row errors listed in an import's reply; the rest are counted.
const MAX_ROW_ERRORS: usize = 1000;

/// Rows per chunk when the app imports a file (each chunk one transaction and one audit entry).
pub const APP_CHUNK_ROWS: usize = 2_000;

/// What [`import_file`] did.
#[derive(Debug, Clone)]
pub struct FileImport {
    /// Breaks stored.
    pub inserted: usize,
    /// Rows whose break was already stored.
    pub already_present: usize,
    /// Rows whose break is stored with other contents: kept as stored, or replaced on request.
    pub differing: usize,
    /// The first ids of those (at most 20), for the message.
    pub differing_ids: Vec<String>,
    /// How many of them were replaced (with `replace`).
    pub replaced: usize,
    /// Rows, breaks and row errors read from the file.
    pub totals: StreamTotals,
}

/// Imports a break file `chunk_rows` rows at a time, each chunk in its own transaction with its
/// audit entry, so a file of any size imports in bounded memory. Rows whose break is stored with
/// other contents are counted and kept as stored, or, with `replace` (the reason), replaced.
/// After each chunk, `on_chunk(row_errors, bytes_read, file_size)`; its error stops the import.
///
/// # Errors
/// A whole-file problem of the break file, a store failure (the chunks before it stay stored,
/// and the message says how many), or `on_chunk`'s.
pub fn import_file(
    store: &dyn Backend,
    path: &Path,
    chunk_rows: usize,
    replace: Option<&str>,
    mut on_chunk: impl FnMut(&[RowError], u64, u64) -> ApiResult<()>,
) -> ApiResult<FileImport> {
    let source = path.display().to_string();
    let (mut inserted, mut already_present) = (0, 0);
    let (mut differing, mut differing_ids, mut replaced) = (0, Vec::new(), 0);
    let totals = reconagent_engine::import::stream_file::<ApiError>(path, chunk_rows, |chunk, read, size| {
        // A failed chunk stores nothing; the chunks before it are stored and say so.
        let (i, p) = store.import_breaks(&chunk.breaks, &source).map_err(|e| {
            StoreError::Invalid(format!(
                "{e} (in {}); {inserted} break(s) from the chunks before were stored and {already_present} were already present; importing the file again adds the rest",
                store.location()
            ))
        })?;
        inserted += i;
        already_present += p;
        if p > 0 {
            for b in store.differing(&chunk.breaks)? {
                differing += 1;
                if differing_ids.len() < 20 {
                    differing_ids.push(b.break_id.clone());
                }
                if let Some(reason) = replace {
                    replaced += usize::from(store.replace_break(b, reason)?);
                }
            }
        }
        on_chunk(&chunk.errors, read, size)
    })?;
    if inserted > 0 || replaced > 0 {
        store.optimize()?;
    }
    Ok(FileImport { inserted, already_present, differing, differing_ids, replaced, totals })
}

impl Core {
    /// One page of the queue, filtered and sorted, and where the next one starts.
    pub fn queue(&self, q: &QueueFilter) -> ApiResult<QueuePage> {
        Ok(self.store.queue_page(&Self::clean(q))?)
    }

    /// How many breaks match the filter: asked once per filter (and after data changed), not
    /// per page.
    pub fn queue_count(&self, q: &QueueFilter) -> ApiResult<u64> {
        Ok(self.store.queue_count(&Self::clean(q))?)
    }

    /// Empty texts mean no filter; the page size is 1 to 10,000.
    fn clean(q: &QueueFilter) -> QueueFilter {
        let nonempty = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
        QueueFilter {
            break_type: nonempty(&q.break_type),
            assignee: nonempty(&q.assignee),
            work_queue: nonempty(&q.work_queue),
            search: nonempty(&q.search),
            limit: q.limit.clamp(1, 10_000),
            ..q.clone()
        }
    }

    /// A model call's stored prompt and answer, by its request hash (from the folder beside the
    /// database where the call kept it).
    ///
    /// # Errors
    /// `NotFound` when this machine does not hold it (it was made elsewhere, or the folder was
    /// removed), `Invalid` for something that is not a SHA-256.
    pub fn llm_exchange(&self, request_sha256: &str) -> ApiResult<crate::dto::LlmExchangeDto> {
        if request_sha256.len() != 64 || !request_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(crate::error::ApiError::new(crate::error::ErrorCode::Invalid, format!("`{request_sha256}` is not a request hash")));
        }
        let kept = reconagent_store::backend::exchanges_for(&*self.store);
        let ex = kept.get(request_sha256).ok_or_else(|| {
            let place = match self.store.database_file() {
                Some(_) => format!("on this machine ({})", reconagent_store::exchanges_dir(self.store.database_file()).display()),
                None => "in the team database".to_string(),
            };
            crate::error::ApiError::new(
                crate::error::ErrorCode::NotFound,
                format!("the prompt and answer of request {request_sha256:.12} are not kept {place}"),
            )
        })?;
        let message = |role: &str| {
            ex.request["messages"].as_array().and_then(|m| m.iter().find(|x| x["role"] == role)).and_then(|x| x["content"].as_str()).unwrap_or("").to_string()
        };
        let answer = serde_json::from_str::<serde_json::Value>(&ex.response)
            .ok()
            .and_then(|v| v["choices"][0]["message"]["content"].as_str().map(str::to_string))
            .unwrap_or_else(|| ex.response.clone());
        Ok(crate::dto::LlmExchangeDto { system: message("system"), user: message("user"), answer, at: ex.at.to_rfc3339() })
    }

    /// One break: its contents, status, runs and human actions.
    pub fn break_detail(&self, id: &str) -> ApiResult<BreakDetail> {
        let brk = self.store.get_break(id)?;
        let row = self.store.break_row(id)?;
        Ok(BreakDetail {
            brk: (&brk).into(),
            status: row.status,
            assignee: row.assignee,
            work_queue: row.work_queue,
            runs: self.store.runs_of(id)?.iter().map(|(rid, g)| RunDto::new(*rid, g)).collect(),
            actions: self.store.actions_of(id)?,
        })
    }

    /// Imports a break file; rows with errors are reported (the first thousand listed) and
    /// skipped. Progress is in KiB of the file read.
    pub fn import_file(&self, path: &Path, mut on_progress: impl FnMut(Progress)) -> ApiResult<ImportSummary> {
        let source = path.display().to_string();
        let tracker = Tracker::new(Task::Import);
        on_progress(tracker.report(0, 0, "reading and checking the file"));
        let mut errors = Vec::new();
        let mut more_errors = 0usize;
        let done = import_file(&*self.store, path, APP_CHUNK_ROWS, None, |row_errors, read, size| {
            for e in row_errors {
                if errors.len() < MAX_ROW_ERRORS {
                    errors.push(RowErrorDto { row: e.row as i32, field: e.field.clone(), message: e.message.clone() });
                } else {
                    more_errors += 1;
                }
            }
            on_progress(tracker.report((read / 1024) as usize, (size / 1024).max(1) as usize, "storing breaks"));
            Ok(())
        })?;
        if more_errors > 0 {
            errors.push(RowErrorDto { row: 0, field: "(file)".into(), message: format!("and {more_errors} more rejected row(s), not listed") });
        }
        Ok(ImportSummary { source, inserted: done.inserted as i32, already_present: done.already_present as i32, errors })
    }

    /// Loads the bundled sample breaks, on purpose, moved to today
    /// ([`reconagent_engine::sample::bundled_breaks_as_of`]): a demo is a normal day whenever it
    /// is loaded.
    pub fn load_sample(&self) -> ApiResult<ImportSummary> {
        let (inserted, present) = self.store.import_breaks(&reconagent_engine::sample::bundled_breaks_as_of(chrono::Utc::now()), "bundled sample")?;
        Ok(ImportSummary { source: "bundled sample".into(), inserted: inserted as i32, already_present: present as i32, errors: vec![] })
    }
}
