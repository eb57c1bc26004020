/**
 * A decimal amount as Rust sends it (a string), with its thousands grouped:
 * "-4827656.33" -> "-4,827,656.33". It works on the digits and never goes through a float, so
 * no amount is rounded or loses digits. Anything that is not a plain decimal is shown as sent.
 */
export function groupDigits(decimal: string): string {
  const parts = /^([+-]?)(\d+)(\.\d+)?$/.exec(decimal);
  if (!parts) return decimal;
  const [, sign, whole, fraction = ""] = parts;
  return sign + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + fraction;
}

/** A UTC ISO 8601 time from Rust as the screens show it, to the second:
 * "2026-11-27T11:38:09.061179372+00:00" -> "2026-11-27 11:38:09". */
export function utcText(iso: string | null | undefined): string {
  return iso ? iso.replace("T", " ").replace(/(\.\d+)?(Z|\+00:00)$/, "") : "—";
}

/** How long until an SLA deadline is breached, or since it was: "3 h 20 min left", "2 d 4 h
 * left", "breached 45 min ago". Minutes are rounded down; "—" without a deadline. */
export function timeToBreach(deadline: string | null | undefined, now: number = Date.now()): string {
  if (!deadline) return "—";
  const at = Date.parse(deadline);
  if (Number.isNaN(at)) return "—";
  const minutes = Math.floor(Math.abs(at - now) / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const span = d > 0 ? `${d} d${h > 0 ? ` ${h} h` : ""}` : h > 0 ? `${h} h${m > 0 ? ` ${m} min` : ""}` : `${m} min`;
  return at <= now ? `breached ${span} ago` : `${span} left`;
}
