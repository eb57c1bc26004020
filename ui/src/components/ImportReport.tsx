import type { ImportSummary } from "../api";

/** What an import did, with every rejected row. */
export function ImportReport({ report }: { report: ImportSummary }) {
  return (
    <div className="panel" data-testid="import-report">
      <strong>{report.source}</strong>: {report.inserted} imported, {report.already_present} already present
      {report.errors.length > 0 && (
        <>
          , {report.errors.length} rejected:
          <ul>
            {report.errors.slice(0, 200).map((e, i) => (
              <li key={i}>
                row {e.row}, <code>{e.field}</code>: {e.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
