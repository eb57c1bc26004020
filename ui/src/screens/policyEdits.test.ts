import { describe, expect, it } from "vitest";
import { addEdit, afterValue, clause, combine, issuesAt, list, num, remove, set, text } from "./policyEdits";

describe("policy edits", () => {
  it("a later set of a path replaces the earlier one", () => {
    let e = addEdit([], set("a.b", text("x")));
    e = addEdit(e, set("a.c", num("1")));
    e = addEdit(e, set("a.b", text("y")));
    expect(e).toEqual([set("a.c", num("1")), set("a.b", text("y"))]);
  });
  it("removing an agent drops the edits inside it", () => {
    let e = addEdit([], set("p.agents.PATTERN.depends_on", list(["RULES"])));
    e = addEdit(e, set("p.agents.PATTERNX", text("keep")));
    e = addEdit(e, remove("p.agents.PATTERN"));
    expect(e).toEqual([set("p.agents.PATTERNX", text("keep")), remove("p.agents.PATTERN")]);
  });
  it("finds a field's messages, or everything under a path", () => {
    const issues = [
      { path: "p.checkpoints[0].when", line: 3, column: 1, message: "bad" },
      { path: "p.checkpoints[1].when", line: 9, column: 1, message: "other" },
    ];
    expect(issuesAt(issues, "p.checkpoints[0].when").map((i) => i.message)).toEqual(["bad"]);
    expect(issuesAt(issues, "p.checkpoints", true)).toHaveLength(2);
    expect(issuesAt(issues, "p.checkpoints[1]", true).map((i) => i.message)).toEqual(["other"]);
  });
  it("builds CEL for the common forms", () => {
    expect(clause("rules.within_tolerance", "is true", "")).toBe("rules.within_tolerance");
    expect(clause("pattern.recurring_unresolved", "is false", "")).toBe("!pattern.recurring_unresolved");
    expect(clause("profile.exposure", "<", "2500")).toBe("profile.exposure < 2500");
    expect(clause("profile.tier", "==", "LOW")).toBe('profile.tier == "LOW"');
    expect(combine("", "&&", "a")).toBe("a");
    expect(combine("a || b", "&&", "c")).toBe("(a || b) && c");
    expect(combine("a", "||", "b")).toBe("a || b");
  });
});

describe("checkpoint after", () => {
  it("is written as text for one agent and as a list for several", () => {
    expect(afterValue(["RULES"])).toEqual(text("RULES"));
    expect(afterValue(["RULES", "PATTERN"])).toEqual(list(["RULES", "PATTERN"]));
    // none: Rust refuses it and says why, beside the field
    expect(afterValue([])).toEqual(list([]));
  });
});
