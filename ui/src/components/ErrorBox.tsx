import { ApiFailure } from "../api";

/** Shows Rust's error message (and code) as readable text. */
export function ErrorBox({ error }: { error: unknown }) {
  const message = error instanceof ApiFailure ? error.message : error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiFailure ? error.code : null;
  return (
    <div className="error" role="alert">
      {message}
      {code && <span className="muted"> ({code})</span>}
    </div>
  );
}
