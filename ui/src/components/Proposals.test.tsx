import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

const proposals = vi.fn();
const decideProposal = vi.fn();
vi.mock("../api", async (orig) => ({
  ...(await orig<typeof import("../api")>()),
  api: { proposals: (...a: unknown[]) => proposals(...a), decideProposal: (...a: unknown[]) => decideProposal(...a) },
  onDataChanged: () => () => {},
}));

import { ApiFailure } from "../api";
import { Proposals, actionText } from "./Proposals";

const open = {
  proposal_id: 3, break_id: "BRK-00001", action: { kind: "OVERRIDE", decision: "AUTO_RESOLVE", reason: "confirmed with the broker" },
  why: "tier CRITICAL", proposed_by: "alice", proposed_at: "2026-12-01T10:00:00Z", state: "OPEN", decided_by: null, decided_at: null, decision_reason: null,
};

describe("Proposals", () => {
  beforeEach(() => {
    proposals.mockReset();
    decideProposal.mockReset();
  });

  it("shows nothing where there are no proposals (a local database)", async () => {
    proposals.mockResolvedValue([]);
    const { container } = render(<Proposals onOpen={() => {}} />);
    await waitFor(() => expect(proposals).toHaveBeenCalled());
    expect(container.textContent).toBe("");
  });

  it("lists what waits, approves, and rejects only with a reason", async () => {
    proposals.mockResolvedValue([open]);
    decideProposal.mockResolvedValue("RESOLVED");
    render(<Proposals onOpen={() => {}} />);
    expect(await screen.findByText(/proposed by alice/)).toBeTruthy();
    expect(screen.getByText(/needs a second person: tier CRITICAL/)).toBeTruthy();
    fireEvent.click(screen.getByTestId("reject"));
    expect((screen.getByTestId("reject-confirm") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId("reject-reason"), { target: { value: "not confirmed" } });
    fireEvent.click(screen.getByTestId("reject-confirm"));
    await waitFor(() => expect(decideProposal).toHaveBeenCalledWith(3, false, "not confirmed"));
    proposals.mockResolvedValue([open]);
    fireEvent.click(await screen.findByTestId("approve"));
    await waitFor(() => expect(decideProposal).toHaveBeenCalledWith(3, true, ""));
  });

  it("shows the database's refusal in its words", async () => {
    proposals.mockResolvedValue([open]);
    decideProposal.mockRejectedValue(new ApiFailure({ code: "FORBIDDEN", message: "team database: four eyes: alice proposed this; an approver other than its author decides it" }));
    render(<Proposals onOpen={() => {}} />);
    fireEvent.click(await screen.findByTestId("approve"));
    expect(await screen.findByText(/four eyes: alice proposed this/)).toBeTruthy();
  });

  it("words an action", () => {
    expect(actionText({ kind: "OVERRIDE", decision: "AUTO_RESOLVE", reason: "r" })).toBe("OVERRIDE to AUTO_RESOLVE (r)");
    expect(actionText({ kind: "ACCEPT" })).toBe("ACCEPT");
  });
});
