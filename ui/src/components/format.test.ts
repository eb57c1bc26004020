import { groupDigits, utcText } from "./format";

test("thousands are grouped without going through a float", () => {
  expect(groupDigits("-4827656.33")).toBe("-4,827,656.33");
  expect(groupDigits("13765046.19")).toBe("13,765,046.19");
  expect(groupDigits("999.99")).toBe("999.99");
  expect(groupDigits("1000")).toBe("1,000");
  // More digits than a double holds: every one is kept.
  expect(groupDigits("12345678901234567890.123456789")).toBe("12,345,678,901,234,567,890.123456789");
  expect(groupDigits("0.000001")).toBe("0.000001");
});

test("anything that is not a plain decimal is shown as sent", () => {
  expect(groupDigits("")).toBe("");
  expect(groupDigits("1e6")).toBe("1e6");
  expect(groupDigits("n/a")).toBe("n/a");
});

test("UTC times show without the T and the zone marker, and a missing one as a dash", () => {
  expect(utcText("2026-11-16T09:00:00Z")).toBe("2026-11-16 09:00:00");
  expect(utcText("2026-11-16T09:00:00+00:00")).toBe("2026-11-16 09:00:00");
  expect(utcText("2026-11-27T11:38:09.061179372+00:00")).toBe("2026-11-27 11:38:09");
  expect(utcText(null)).toBe("—");
});
