/**
 * The payee phase against a scripted API: an unclear answer to a create is settled by
 * reading once the settle delay has passed, never by sending again at once; a create that
 * lands late is found, not made twice; a refusal seen again is the row's error.
 */
import { appendFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createPayees, type PayeeApi } from "../../src/app/create-payees.js";
import { foldJournal, readJournal } from "../../src/batch/journal.js";
import { ApiError } from "../../src/bitex/errors.js";
import type { BatchError } from "../../src/errors.js";
import type { ValidRow } from "../../src/model.js";
import { cbuFor, cuitFor } from "../helpers/payee-world.js";

function row(line: number, email: string): ValidRow {
  return {
    line,
    reference: `R${line}`,
    payerUserId: "113",
    senderPort: "uy_uyu",
    recipientUserId: "",
    port: "ar_ars",
    amount: "1000",
    budget: null,
    withdrawalInstructionId: "",
    payee: {
      email,
      name: "Ana",
      firstName: "",
      lastName: "",
      taxId: cuitFor(1),
      taxIdKind: "cuit",
      account: { kind: "cbu", number: cbuFor(1), bank: "", accountType: "", routingNumber: "", swift: "" },
    },
  };
}

/** A Bitex in memory whose creates can answer unclearly and land later. */
function scripted(
  options: {
    userLandsAfterMs?: number;
    refuseUsers?: boolean;
    /** A create for an email a user already holds is refused (Bitex: the email is taken). */
    refuseTaken?: boolean;
    /** Users created answer with their id but keep no email (Bitex's current guide: a create body with none). */
    dropEmail?: boolean;
    /** Users created are listed only this long after their create (a listing that lags). */
    listedAfterMs?: number;
    /** Instructions created are listed only this long after their create (Bitex caches lists). */
    instructionsListedAfterMs?: number;
  } = {},
) {
  const users: { id: string; email: string | null; kyc_accepted: boolean; listedAt?: number }[] = [];
  const instructions = new Map<
    string,
    { id: string; body: Record<string, unknown>; label: string; listedAt: number }[]
  >();
  const calls = { createUser: 0, createInstruction: 0, getUser: 0 };
  const notFound = () =>
    new ApiError({ kind: "not_found", code: "api_not_found", detail: "404", sent: "no", status: 404 });
  let next = 500;
  const unclear = () =>
    new ApiError({ kind: "server", code: "api_server_error", detail: "503", sent: "maybe", status: 503 });
  const api: PayeeApi = {
    listUsers: async () =>
      users.filter((user) => (user.listedAt ?? 0) <= Date.now()).map(({ listedAt: _, ...user }) => user),
    getUser: async (id) => {
      calls.getUser++;
      const user = users.find((candidate) => candidate.id === id);
      if (!user)
        throw new ApiError({
          kind: "not_found",
          code: "api_not_found",
          detail: "404",
          sent: "no",
          status: 404,
        });
      const { listedAt: _, ...shown } = user;
      return shown;
    },
    listWithdrawalInstructions: async (userId) =>
      (instructions.get(userId ?? "") ?? [])
        .filter((w) => w.listedAt <= Date.now())
        .map(({ listedAt: _, ...w }) => ({ ...w, user_id: null, port_code: null })),
    getWithdrawalInstruction: async (id, userId) => {
      const found = (instructions.get(userId) ?? []).find((w) => w.id === id);
      if (!found) throw notFound();
      const { listedAt: _, ...w } = found;
      return { ...w, user_id: null, port_code: null };
    },
    createUser: async ({ email }) => {
      calls.createUser++;
      if (options.refuseUsers || (options.refuseTaken && users.some((user) => user.email === email)))
        throw new ApiError({
          kind: "validation",
          code: "email_taken",
          detail: "taken",
          sent: "no",
          status: 422,
        });
      const user = {
        id: String(next++),
        email: options.dropEmail ? null : email,
        kyc_accepted: false,
        ...(options.listedAfterMs === undefined ? {} : { listedAt: Date.now() + options.listedAfterMs }),
      };
      if (options.userLandsAfterMs === undefined) {
        users.push(user);
        return user;
      }
      setTimeout(() => users.push(user), options.userLandsAfterMs);
      throw unclear();
    },
    createWithdrawalInstruction: async ({ userId, body, label }) => {
      calls.createInstruction++;
      const created = { id: String(next++), body, label };
      const listedAt = Date.now() + (options.instructionsListedAfterMs ?? 0);
      instructions.set(userId, [...(instructions.get(userId) ?? []), { ...created, listedAt }]);
      return { ...created, user_id: null, port_code: null };
    },
    deleteWithdrawalInstruction: async () => undefined,
  };
  return { api, calls, users };
}

async function phase(api: PayeeApi, rows: ValidRow[], settleMs: number) {
  const journalPath = join(await mkdtemp(join(tmpdir(), "bb-payees-")), "journal.jsonl");
  const said: string[] = [];
  const run = () =>
    createPayees({
      api,
      rows,
      file: "p.csv",
      journalPath,
      concurrency: 2,
      settleMs,
      signal: new AbortController().signal,
      say: (line) => said.push(line),
    });
  return { run, said, journalPath };
}

describe("payee phase: creates settled by reading", () => {
  it("an unclear user create that lands during the settle delay is found, not sent again", async () => {
    // Lands 1 s after its unclear answer, within the 2.5 s settle delay: the reading right
    // after the answer misses it (at 30 ms, a loaded machine's first reading came later and
    // found it), the one after the delay finds it.
    const bitex = scripted({ userLandsAfterMs: 1_000 });
    const { run, said, journalPath } = await phase(
      bitex.api,
      [row(2, "ana@example.com"), row(3, "ANA@example.com")],
      2_500,
    );
    const resolutions = await run();
    expect(bitex.calls).to.deep.equal({ createUser: 1, createInstruction: 1, getUser: 0 });
    expect(bitex.users.map((user) => user.email)).to.deep.equal(["ana@example.com"]);
    expect(
      [...resolutions.values()].map(
        (r) => `${r.line}:${r.user_id}:${r.withdrawal_instruction_id}:${r.status}:${r.compliance}`,
      ),
    ).to.deep.equal(["2:500:501:created:not approved", "3:500:501:created:not approved"]);
    expect(said.some((line) => /no clear answer \(api_server_error\)/.test(line))).to.equal(true);
    expect(said.some((line) => /may still land at Bitex; reading again/.test(line))).to.equal(true);
    // A rerun takes the ids from the journal: no call at all.
    const calls = { ...bitex.calls };
    expect([...(await run()).keys()]).to.deep.equal([2, 3]);
    expect(bitex.calls).to.deep.equal(calls);
    expect(foldJournal(await readJournal(journalPath)).payees.size).to.equal(2);
  });

  it("a user Bitex refuses, and still not listed on the next reading: the row's error (exit 2), nothing more sent", async () => {
    const bitex = scripted({ refuseUsers: true });
    const { run } = await phase(bitex.api, [row(2, "ana@example.com")], 0);
    let thrown: unknown;
    try {
      await run();
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).to.equal(
      "p.csv:2: Bitex refused to create this payee or account: POST /users: taken".replace(
        "POST /users: ",
        "",
      ),
    );
    expect(bitex.calls).to.deep.equal({ createUser: 1, createInstruction: 0, getUser: 0 });
  });

  it("an unclear user create that landed, not listed yet, then refused as taken: run again (exit 4), never 'correct the row' (helper-81)", async () => {
    // Bitex caches its lists: the user landed at once and is listed 1.5 s later; the settle
    // delay is 50 ms, so the create is sent again and refused, the email being taken.
    const bitex = scripted({ userLandsAfterMs: 0, listedAfterMs: 1_500, refuseTaken: true });
    const { run } = await phase(bitex.api, [row(2, "ana@example.com")], 50);
    const thrown = await run().then(
      () => null,
      (error: unknown) => error as BatchError,
    );
    expect([thrown?.code, thrown?.message]).to.deep.equal([
      "conflict",
      "p.csv:2: Bitex refused to create this payee or account (taken), and an earlier create of it may have landed, not listed yet; nothing was paid",
    ]);
    expect(bitex.calls.createUser).to.equal(2);
    expect(bitex.users).to.have.length(1);
    // Once listed, the same command finds it: nothing created again.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const resolutions = await run();
    expect([...resolutions.values()].map((r) => `${r.line}:${r.user_id}`)).to.deep.equal(["2:500"]);
    expect(bitex.calls.createUser).to.equal(2);
  });

  it("a create refused as taken long after an earlier one got no answer, still not listed: the row's error (exit 2), never 'run again' for ever (helper-86)", async () => {
    // The email is a user's at Bitex that the key's listing never shows (another's).
    const bitex = scripted({ refuseTaken: true });
    bitex.users.push({
      id: "499",
      email: "ana@example.com",
      kyc_accepted: false,
      listedAt: Date.now() + 3_600_000,
    });
    const { run, journalPath } = await phase(bitex.api, [row(2, "ana@example.com")], 50);
    // A run 20 minutes ago sent the create and got no answer.
    const then = new Date(Date.now() - 20 * 60_000).toISOString();
    const base = { kind: "user", key: "ana@example.com", line: 2, request_id: "" };
    await appendFile(
      journalPath,
      `${JSON.stringify({ t: "intent", ...base, at: then })}\n${JSON.stringify({ t: "ambiguous", ...base, code: "api_timeout", at: then })}\n`,
    );
    const thrown = await run().then(
      () => null,
      (error: unknown) => error as BatchError,
    );
    expect([thrown?.code, thrown?.message]).to.deep.equal([
      "input",
      "p.csv:2: Bitex refused to create this payee or account: taken; an earlier create of it, 20 min ago, is not listed either",
    ]);
    expect(bitex.calls.createUser).to.equal(1);
  });

  for (const [what, options] of [
    ["kept no email (its current guide's create body has none)", { dropEmail: true }],
    ["is listed only after the settle delay (a listing that lags)", { listedAfterMs: 400 }],
  ] as const) {
    it(`a user create answered with its id whose user ${what}: read by that id, never created again`, async () => {
      const bitex = scripted(options);
      const { run, said, journalPath } = await phase(bitex.api, [row(2, "ana@example.com")], 60);
      const resolutions = await run();
      expect(bitex.calls.createUser).to.equal(1);
      expect(bitex.calls.createInstruction).to.equal(1);
      expect(bitex.users.map((user) => user.id)).to.deep.equal(["500"]);
      expect(
        [...resolutions.values()].map(
          (r) => `${r.line}:${r.user_id}:${r.withdrawal_instruction_id}:${r.status}`,
        ),
      ).to.deep.equal(["2:500:501:created"]);
      expect(said).to.include(
        "payees: user 500 (created by this batch) is not listed under <ana@example.com>; read by its id",
      );
      // A rerun takes the ids from the journal: no call at all.
      const calls = { ...bitex.calls };
      await run();
      expect(bitex.calls).to.deep.equal(calls);
      expect(foldJournal(await readJournal(journalPath)).payees.get(2)?.user_id).to.equal("500");
    });
  }

  it("an instruction create answered with its id, listed only after the settle delay: read by that id, never created again (helper-78)", async () => {
    // Bitex caches its lists (design, section 9): the instruction is listed 1.5 s after its
    // create, and the settle delay is 100 ms. It was created again at each reading, 3 copies.
    const bitex = scripted({ instructionsListedAfterMs: 1_500 });
    const { run, said } = await phase(bitex.api, [row(2, "ana@example.com")], 100);
    const resolutions = await run();
    expect(bitex.calls.createInstruction).to.equal(1);
    expect(
      [...resolutions.values()].map(
        (r) => `${r.line}:${r.user_id}:${r.withdrawal_instruction_id}:${r.status}`,
      ),
    ).to.deep.equal(["2:500:501:created"]);
    expect(said).to.include(
      "payees: bank account 501 (created by this batch) is not listed for user 500 yet; read by its id",
    );
  });
});
