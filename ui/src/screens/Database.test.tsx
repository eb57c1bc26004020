import { cleanup, render, screen, fireEvent, waitFor } from "@testing-library/react";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import { Database } from "./Database";

afterEach(() => {
  cleanup();
  clearMocks();
});

const MODES = ["verify-full", "verify-ca", "require", "prefer", "disable"];
const local = { team: false, location: "/home/ops/.local/share/reconagent/reconagent.db", actor: "ops", saved: null, local: "/home/ops/.local/share/reconagent/reconagent.db", ssl_modes: MODES, note: null };

test("the form goes to Rust as an address with the password apart, Rust's refusal is shown, and a login switches the app", async () => {
  const calls: unknown[] = [];
  let refuse = true;
  mockIPC((cmd, args) => {
    if (cmd === "connection") return local;
    if (cmd === "connect_team_database") {
      calls.push(args);
      if (refuse) throw { code: "Io", message: "postgres://alice@db.example:5432/recon?sslmode=verify-full: cannot open the database: password authentication failed for user \"alice\"" };
      return { ...local, team: true, location: "postgres://alice@db.example:5432/recon?sslmode=verify-full", actor: "alice", saved: (args as { address: object }).address, note: "Connected, but the password was not kept for next time: the OS keyring could not be used" };
    }
    return null;
  });
  let switched = 0;
  render(<Database onSwitched={() => switched++} />);
  expect((await screen.findByTestId("database-now")).textContent).toContain("Local file: /home/ops/.local/share/reconagent/reconagent.db");
  fireEvent.change(screen.getByLabelText("host"), { target: { value: "db.example" } });
  fireEvent.change(screen.getByLabelText("user"), { target: { value: "alice" } });
  fireEvent.change(screen.getByLabelText("password"), { target: { value: "s3cret" } });
  expect((screen.getByLabelText("password") as HTMLInputElement).type).toBe("password");
  expect((screen.getByLabelText("sslmode") as HTMLSelectElement).value).toBe("verify-full");
  fireEvent.click(screen.getByTestId("connect"));
  await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("password authentication failed for user \"alice\""));
  expect(switched).toBe(0);
  expect(calls).toEqual([
    { address: { host: "db.example", port: 5432, database: "recon", user: "alice", sslmode: "verify-full", sslrootcert: null }, password: "s3cret", remember: true },
  ]);

  refuse = false;
  fireEvent.click(screen.getByLabelText("remember"));
  fireEvent.change(screen.getByLabelText("password"), { target: { value: "right" } });
  fireEvent.click(screen.getByTestId("connect"));
  await waitFor(() => expect(screen.getByTestId("database-now").textContent).toContain("Team database: postgres://alice@db.example:5432/recon"));
  expect(screen.getByTestId("database-now").textContent).toContain("working as alice");
  expect(screen.getByTestId("database-note").textContent).toContain("the password was not kept");
  expect((calls[1] as { remember: boolean; password: string }).remember).toBe(false);
  expect(switched).toBe(1);
  expect((screen.getByLabelText("password") as HTMLInputElement).value).toBe("");
  expect(screen.getByTestId("use-local")).toBeTruthy();
});

test("an empty password asks Rust to use the keyring's, and Use the local database switches back", async () => {
  const calls: string[] = [];
  const team = { ...local, team: true, location: "postgres://bob@db:5432/recon?sslmode=require", actor: "bob", saved: { host: "db", port: 5432, database: "recon", user: "bob", sslmode: "require", sslrootcert: null } };
  mockIPC((cmd, args) => {
    if (cmd === "connection") return team;
    if (cmd === "connect_team_database") {
      calls.push(JSON.stringify(args));
      return team;
    }
    if (cmd === "use_local_database") {
      calls.push(cmd);
      return local;
    }
    return null;
  });
  render(<Database onSwitched={() => {}} />);
  await screen.findByTestId("use-local");
  // the kept address fills the form
  expect((screen.getByLabelText("host") as HTMLInputElement).value).toBe("db");
  expect((screen.getByLabelText("sslmode") as HTMLSelectElement).value).toBe("require");
  fireEvent.click(screen.getByTestId("connect"));
  await waitFor(() => expect(calls.length).toBe(1));
  expect(JSON.parse(calls[0]).password).toBeNull();
  fireEvent.click(screen.getByTestId("use-local"));
  await waitFor(() => expect(screen.getByTestId("database-now").textContent).toContain("Local file"));
  expect(calls[1]).toBe("use_local_database");
});
