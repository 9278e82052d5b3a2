/** Starting and stopping the emulator: options, the default seed, loopback only, runSandboxServer. */
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { DEFAULT_SEED_PATH, loadSeed, runSandboxServer, startSandbox } from "../../src/sandbox/index.js";
import { fromRoot } from "../helpers/root.js";
import { Api, TEST_SEED } from "./helpers.js";

describe("sandbox start and stop", () => {
  it("starts on the default demo seed: its key, its users, the 11 ports", async () => {
    // Written for rich lists: one page holds all 11 ports.
    const sandbox = await startSandbox({ port: 0, faults: { list_style: "rich" } });
    try {
      expect(sandbox.apiKey).to.equal("sandbox-key");
      expect(sandbox.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
      expect(sandbox.url).to.equal(`${sandbox.baseUrl}/api`);
      const api = new Api(sandbox);
      expect((await api.get("/concierge_ports")).body.data).to.have.length(11);
      expect((await api.get("/users/me")).body.data.id).to.equal("112");
      // As recorded: an instruction shows label, schema and body, neither its port nor its owner.
      const instruction = (await api.get("/withdrawal_instructions/2100")).body.data;
      expect(instruction.id).to.equal("2100");
      expect(Object.keys(instruction.attributes)).to.deep.equal(["label", "schema", "body"]);
      expect(instruction).to.not.have.property("relationships");
    } finally {
      await sandbox.close();
    }
  });

  it("the demo seed takes every row of fixtures/demo/payroll.csv to a final state: one rejected payee, one returned payout, the rest settled", async () => {
    const sandbox = await startSandbox({ faults: { rate_limit: 0 } });
    try {
      const api = new Api(sandbox);
      const [header, ...rows] = readFileSync(fromRoot("fixtures", "demo", "payroll.csv"), "utf8")
        .trim()
        .split(/\r?\n/)
        .map((line) => line.split(","));
      const column = (row: string[], name: string) => row[header?.indexOf(name) ?? -1] ?? "";
      const requests = new Map<string, string>();
      for (const row of rows) {
        const group = `${column(row, "payer_user_id")} ${column(row, "sender_port")}`;
        if (!requests.has(group)) {
          const id = await api.createRequest(
            { port_code: column(row, "sender_port") },
            column(row, "payer_user_id"),
          );
          requests.set(group, id);
        }
        const money =
          column(row, "amount") === ""
            ? { budget: Number(column(row, "budget")) }
            : { amount: Number(column(row, "amount")) };
        await api.createOutput({
          request: requests.get(group) as string,
          user: column(row, "recipient_user_id"),
          instruction: column(row, "withdrawal_instruction_id"),
          port: column(row, "port"),
          ...money,
        });
      }
      for (const id of requests.values()) await api.post(`/concierge_requests/${id}/request_quote`);
      sandbox.advance();
      for (const id of requests.values()) await api.post(`/concierge_requests/${id}/accept_quote`);
      sandbox.advance({ until: "final" });
      const { requests: finalRequests, outputs } = sandbox.state();
      expect(finalRequests.map((r) => r.attributes.state)).to.deep.equal(
        Array(requests.size).fill("finished"),
      );
      expect(outputs).to.have.length(rows.length);
      // Outputs were created in file order, so they line up with the rows.
      const finalStates = rows.map((row) => {
        const reference = column(row, "reference");
        return reference === "EMP-1010" ? "rejected" : reference === "EMP-1020" ? "returned" : "settled";
      });
      expect(outputs.map((o) => o.attributes.state)).to.deep.equal(finalStates);
    } finally {
      await sandbox.close();
    }
  });

  it("DEFAULT_SEED_PATH is fixtures/demo/seed.json, and loads", () => {
    expect(DEFAULT_SEED_PATH.replaceAll("\\", "/")).to.match(/\/fixtures\/demo\/seed\.json$/);
    expect(loadSeed(DEFAULT_SEED_PATH).owner_user_id).to.equal("112");
  });

  it("takes a seed file path; the first user owns the key when owner_user_id is absent", async () => {
    const path = join(tmpdir(), `bitex-sandbox-seed-${process.pid}.json`);
    const { owner_user_id: _, ...seed } = TEST_SEED;
    writeFileSync(path, JSON.stringify(seed));
    const sandbox = await startSandbox({ seed: path });
    unlinkSync(path);
    try {
      expect((await new Api(sandbox).get("/users/me")).body.data.id).to.equal("112");
      expect(sandbox.apiKey).to.equal("test-key");
    } finally {
      await sandbox.close();
    }
  });

  it("refuses a non-loopback host and bad faults with usage errors, an unreadable seed with an input error", async () => {
    const refusal = async (options: Parameters<typeof startSandbox>[0]) =>
      startSandbox(options).then(
        () => expect.fail("started"),
        (error: { code: string; message: string }) => error,
      );
    expect(await refusal({ host: "0.0.0.0" })).to.include({ code: "usage" });
    expect(await refusal({ faults: { fail_rate: 3 } })).to.include({ code: "usage" });
    expect(await refusal({ seed: "/nonexistent/seed.json" })).to.include({ code: "input" });
    expect(await refusal({ seed: TEST_SEED, port: 70000 })).to.include({ code: "usage" });
    const taken = await startSandbox({ seed: TEST_SEED });
    try {
      const port = Number(new URL(taken.url).port);
      expect(await refusal({ seed: TEST_SEED, port })).to.include({ code: "usage" });
    } finally {
      await taken.close();
    }
  });

  it("refuses every host that is not loopback, before listening", async () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.2", "example.com", "127.0.0.1.example.com"]) {
      const error = await startSandbox({ port: 0, host }).catch((e: unknown) => e);
      expect(error, host).to.have.property("code", "usage");
    }
  });

  it("close() promptly cuts calls still waiting on latency", async () => {
    const sandbox = await startSandbox({ seed: TEST_SEED, faults: { latency_ms: 5000 } });
    const pending = new Api(sandbox).get("/users").then(
      () => "answered",
      () => "cut",
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await sandbox.close();
    expect(await pending).to.equal("cut");
    expect(performance.now() - started).to.be.below(1000);
  });

  it("runSandboxServer prints one line, serves, and resolves after SIGTERM with the server closed", async () => {
    const listenersBefore = process.listenerCount("SIGTERM");
    const lines: string[] = [];
    const running = runSandboxServer({ seed: TEST_SEED, port: 0, print: (line) => lines.push(line) });
    while (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(lines).to.have.length(1);
    const match = /^bitex sandbox listening on (http:\/\/127\.0\.0\.1:\d+\/api) \(api key: test-key\)$/.exec(
      lines[0] ?? "",
    );
    expect(match, lines[0]).to.not.equal(null);
    const url = match?.[1] as string;
    const ports = await fetch(`${url}/concierge_ports`, { headers: { Authorization: "test-key" } });
    expect(ports.status).to.equal(200);

    process.emit("SIGTERM", "SIGTERM");
    await running;
    expect(process.listenerCount("SIGTERM")).to.equal(listenersBefore);
    const afterClose = await fetch(`${url}/concierge_ports`).then(
      () => "answered",
      () => "refused",
    );
    expect(afterClose).to.equal("refused");
    expect(lines).to.have.length(1);
  });
});
