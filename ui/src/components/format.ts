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
