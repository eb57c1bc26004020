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

/** A UTC ISO 8601 time from Rust as the tables show it: "2026-11-16T09:00:00Z" -> "2026-11-16 09:00:00". */
export function utcText(iso: string | null | undefined): string {
  return iso ? iso.replace("T", " ").replace(/(Z|\+00:00)$/, "") : "—";
}
