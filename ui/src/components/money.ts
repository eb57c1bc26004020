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
