import { groupDigits, timeToBreach, utcText } from "./format";

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

test("time to an SLA breach reads in days, hours and minutes, either side of the deadline", () => {
  const now = Date.parse("2026-12-02T10:00:00Z");
  expect(timeToBreach("2026-12-02T13:20:30Z", now)).toBe("3 h 20 min left");
  expect(timeToBreach("2026-12-04T14:00:00Z", now)).toBe("2 d 4 h left");
  expect(timeToBreach("2026-12-05T10:00:00Z", now)).toBe("3 d left");
  expect(timeToBreach("2026-12-02T10:00:59Z", now)).toBe("0 min left");
  expect(timeToBreach("2026-12-02T09:15:00Z", now)).toBe("breached 45 min ago");
  expect(timeToBreach("2026-12-02T10:00:00Z", now)).toBe("breached 0 min ago");
  expect(timeToBreach("2026-11-30T08:00:00Z", now)).toBe("breached 2 d 2 h ago");
  expect(timeToBreach(null, now)).toBe("—");
  expect(timeToBreach("not a time", now)).toBe("—");
});
