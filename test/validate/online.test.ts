/**
 * `validate --online`'s checks as a pure function of the three lists (ports, users,
 * withdrawal instructions): one table row per outcome, every row code it can produce, and the
 * counts of what it could not check because the API does not show it.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import {
  checkOnline,
  type OnlineCounts,
  type OnlineLists,
  onlineChecks,
  onlineCountsLine,
} from "../../src/app/online.js";
import {
  asPort,
  asWithdrawalInstruction,
  decodePage,
  type Loose,
  type Port,
} from "../../src/bitex/jsonapi.js";
import type { CheckedRow, RawCells, ValidRow } from "../../src/model.js";
import { fromRoot } from "../helpers/root.js";

const RAW: RawCells = {
  reference: "",
  payer_user_id: "",
  sender_port: "",
  recipient_user_id: "",
  port: "",
  amount: "",
  budget: "",
  withdrawal_instruction_id: "",
  extra: {},
};

function valid(overrides: Partial<ValidRow> = {}): CheckedRow {
  const row: ValidRow = {
    line: 2,
    reference: "EMP-1",
    payerUserId: "112",
    senderPort: "ar_ars",
    recipientUserId: "345",
    port: "cl_clp",
    amount: "1000",
    budget: null,
    withdrawalInstructionId: "2121",
    ...overrides,
  };
  return { line: row.line, ok: true, row, raw: RAW };
}

/**
 * Ports as Bitex's guide shows them (ids 1..n, `code`), users by id. Instructions: 2121 as a
 * server that shows port and owner would (an owner relationship, a port_code attribute), 2200
 * as Bitex was recorded showing them (label, schema, body: neither).
 */
const LISTS: OnlineLists = {
  ports: [
    asPort({ id: "1", code: "ar_ars", country: "ar", currency_code: "ars" }),
    asPort({ id: "3", code: "cl_clp", country: "cl", currency_code: "clp" }),
    asPort({ id: "4", code: "uy_uyu", country: "uy", currency_code: "uyu" }),
  ],
  users: [{ id: "112" }, { id: "345" }, { id: "346" }],
  instructions: [
    asWithdrawalInstruction({
      id: "2121",
      label: "Ana",
      schema: "bitex",
      body: {},
      port_code: "cl_clp",
      user_id: "345",
    }),
    asWithdrawalInstruction({
      id: "2200",
      label: "Ana",
      schema: "bitex",
      body: { country: "CL", currency: "CLP" },
    }),
    asWithdrawalInstruction({ id: "2300", label: "x", schema: "bitex", body: {}, user_id: "346" }),
    asWithdrawalInstruction({ id: "2400", label: "x", schema: "bitex", body: {}, port_code: "uy_uyu" }),
  ],
};

const none = { instruction_port: 0, instruction_owner: 0 };

/** [label, row, `column:code` errors, not_checked] */
const TABLE: [string, CheckedRow, string[], OnlineCounts["not_checked"]][] = [
  ["everything shown and right", valid(), [], none],
  [
    "ids padded with zeros name the same users and instruction (0345 is 345)",
    valid({ payerUserId: "0112", recipientUserId: "000345", withdrawalInstructionId: "02121" }),
    [],
    none,
  ],
  [
    "a sender port the API does not offer",
    valid({ senderPort: "mx_mxn" }),
    ["sender_port:port_not_offered"],
    none,
  ],
  [
    "a port the API does not offer",
    valid({ port: "us_usd" }),
    ["port:port_not_offered", "withdrawal_instruction_id:instruction_port_mismatch"],
    none,
  ],
  ["an unknown payer", valid({ payerUserId: "999" }), ["payer_user_id:unknown_payer"], none],
  ["no payer (the key's owner pays): nothing to check", valid({ payerUserId: "" }), [], none],
  [
    "an unknown recipient",
    valid({ recipientUserId: "999" }),
    ["recipient_user_id:unknown_recipient", "withdrawal_instruction_id:instruction_of_another_user"],
    none,
  ],
  [
    "an unknown instruction",
    valid({ withdrawalInstructionId: "77" }),
    ["withdrawal_instruction_id:unknown_withdrawal_instruction"],
    none,
  ],
  [
    "an instruction of another user",
    valid({ recipientUserId: "346" }),
    ["withdrawal_instruction_id:instruction_of_another_user"],
    none,
  ],
  [
    "an instruction of another port",
    valid({ port: "uy_uyu" }),
    ["withdrawal_instruction_id:instruction_port_mismatch"],
    none,
  ],
  [
    "an instruction as Bitex shows it: neither port nor owner checked, no error",
    valid({ withdrawalInstructionId: "2200" }),
    [],
    { instruction_port: 1, instruction_owner: 1 },
  ],
  [
    "owner shown, port not: the owner is checked, the port counted",
    valid({ withdrawalInstructionId: "2300", recipientUserId: "346" }),
    [],
    { instruction_port: 1, instruction_owner: 0 },
  ],
  [
    "owner shown and wrong, port not shown",
    valid({ withdrawalInstructionId: "2300" }),
    ["withdrawal_instruction_id:instruction_of_another_user"],
    { instruction_port: 1, instruction_owner: 0 },
  ],
  [
    "port shown and wrong, owner not shown",
    valid({ withdrawalInstructionId: "2400" }),
    ["withdrawal_instruction_id:instruction_port_mismatch"],
    { instruction_port: 0, instruction_owner: 1 },
  ],
  [
    "an unknown instruction is an error, not a gap",
    valid({ withdrawalInstructionId: "77", port: "us_usd" }),
    ["port:port_not_offered", "withdrawal_instruction_id:unknown_withdrawal_instruction"],
    none,
  ],
];

describe("validate --online checks (onlineChecks, a pure function of the three lists)", () => {
  for (const [label, row, errors, notChecked] of TABLE) {
    it(`${label} → ${errors.join(", ") || "valid"}`, () => {
      const { rows, counts } = onlineChecks(LISTS, [row]);
      const [out] = rows;
      if (!out) throw new Error("one row in, one row out");
      expect(out.ok ? [] : out.errors.map((e) => `${e.column}:${e.code}`)).to.deep.equal(errors);
      if (!out.ok) expect(out.errors.every((e) => e.line === 2 && e.message !== "")).to.equal(true);
      if (out.ok) expect(out).to.equal(row);
      expect(counts).to.deep.equal({ checked: 1, not_checked: notChecked });
    });
  }

  it("rows already invalid pass through untouched and are not counted as checked", () => {
    const invalid: CheckedRow = {
      line: 3,
      ok: false,
      errors: [{ line: 3, column: "amount", code: "amount_missing", message: "x" }],
      raw: RAW,
    };
    const { rows, counts } = onlineChecks(LISTS, [invalid, valid({ withdrawalInstructionId: "2200" })]);
    expect(rows[0]).to.equal(invalid);
    expect(counts).to.deep.equal({ checked: 1, not_checked: { instruction_port: 1, instruction_owner: 1 } });
  });

  it("counts add up over rows, in input order", () => {
    const input = [
      valid(),
      valid({ withdrawalInstructionId: "2200" }),
      valid({ withdrawalInstructionId: "2200" }),
    ];
    const { rows, counts } = onlineChecks(LISTS, input);
    expect(rows.map((r) => r.ok)).to.deep.equal([true, true, true]);
    expect(counts).to.deep.equal({ checked: 3, not_checked: { instruction_port: 2, instruction_owner: 2 } });
  });

  it("the stderr line says what was checked and, when anything was not, what and for how many rows", () => {
    expect(onlineCountsLine({ checked: 3, not_checked: none })).to.equal(
      "online: 3 valid row(s) checked against the API",
    );
    expect(
      onlineCountsLine({ checked: 3, not_checked: { instruction_port: 2, instruction_owner: 1 } }),
    ).to.equal(
      "online: 3 valid row(s) checked against the API; not checked, as the API does not show them: " +
        "the withdrawal instruction's port (2 row(s)) and owner (1 row(s))",
    );
    expect(
      onlineCountsLine({ checked: 1, not_checked: { instruction_port: 0, instruction_owner: 1 } }),
    ).to.equal(
      "online: 1 valid row(s) checked against the API; not checked, as the API does not show them: " +
        "the withdrawal instruction's owner (1 row(s))",
    );
  });
});

describe("validate --online where the key lists only its own instructions (checkOnline)", () => {
  // Bitex's recorded `GET /withdrawal_instructions` lists the key's own instructions, and its
  // recordings act as a managed user with `Authorization: <key>; user=<id>` (users/me). Whether
  // the key alone also lists its users' instructions no Bitex source shows (the emulator does).
  const ownerOnly = (calls: string[]) => ({
    listPorts: async () => LISTS.ports as Port[],
    listUsers: async () => [{ id: "112" }, { id: "345" }, { id: "346" }],
    getMe: async () => {
      calls.push("me");
      return { id: "112" };
    },
    listWithdrawalInstructions: async (actingAs?: string, needed?: Iterable<string>) => {
      calls.push(`${actingAs ?? "key"}:${[...(needed ?? [])].join(",")}`);
      const recorded = (id: string) => ({ id, label: "x", schema: "bitex", body: { country: "CL" } });
      const byUser: Record<string, Loose[]> = { "345": [recorded("2121")], "346": [recorded("2300")] };
      return (actingAs === undefined ? [recorded("15234")] : (byUser[actingAs] ?? [])).map(
        asWithdrawalInstruction,
      );
    },
  });

  it("a payee's instruction is looked for acting as the payee: found, and its owner thereby checked", async () => {
    const calls: string[] = [];
    const outcome = await checkOnline(ownerOnly(calls), [
      valid(),
      valid({ line: 3, withdrawalInstructionId: "2300" }),
      valid({ line: 4, recipientUserId: "999", withdrawalInstructionId: "2121" }),
      valid({ line: 5, withdrawalInstructionId: "15234" }),
    ]);
    const codes = outcome.rows.map((r) => (r.ok ? "valid" : r.errors.map((e) => e.code).join(",")));
    expect(codes).to.deep.equal([
      "valid",
      "unknown_withdrawal_instruction",
      // 2121 was found acting as 345 for line 2: so it is known to be 345's.
      "unknown_recipient,instruction_of_another_user",
      "valid",
    ]);
    // One list as the key, then one acting as each known recipient whose instruction it lacked.
    // Recipient 999 is not listed: the key's own user is read once (it is not 999 either).
    expect(calls).to.deep.equal(["key:2121,2300,15234", "me", "345:2121,2300"]);
    expect(outcome.counts).to.deep.equal({
      checked: 4,
      not_checked: { instruction_port: 3, instruction_owner: 1 },
    });
    const missing = outcome.rows[1];
    expect(missing?.ok ? "" : missing?.errors[0]?.message).to.equal(
      "withdrawal instruction 2300 is neither one of this key's nor one of user 345's",
    );
  });
});

describe("validate --online where the key's users do not list the key's owner (checkOnline)", () => {
  // fixtures/recorded/users-list.json: the master's `GET /users` listed its managed users 594
  // and 597 only, not the master itself; `GET /users/me` is the key's own user (recorded acting
  // as 600: users-find-me-impersonation.json).
  const recording = JSON.parse(readFileSync(fromRoot("fixtures", "recorded", "users-list.json"), "utf8")) as {
    response: { body: unknown };
  };
  const managed = decodePage(recording.response.body, "users").items;
  const instruction = asWithdrawalInstruction({ id: "2121", label: "x", schema: "bitex", body: {} });

  it("a payer that is the key's own user is known: read once with GET /users/me", async () => {
    const calls: string[] = [];
    const client = {
      listPorts: async () => LISTS.ports as Port[],
      listUsers: async () => managed,
      listWithdrawalInstructions: async () => [instruction],
      getMe: async () => {
        calls.push("me");
        return { id: "590", email: "user@example.com" };
      },
    };
    const outcome = await checkOnline(client, [
      valid({ payerUserId: "590", recipientUserId: "594" }),
      valid({ line: 3, payerUserId: "590", recipientUserId: "597" }),
      valid({ line: 4, payerUserId: "999", recipientUserId: "597" }),
    ]);
    const codes = outcome.rows.map((r) => (r.ok ? "valid" : r.errors.map((e) => e.code).join(",")));
    expect(codes).to.deep.equal(["valid", "valid", "unknown_payer"]);
    expect(calls).to.deep.equal(["me"]);
    // The listing as Bitex gave it: resolution by details reads users from there.
    expect(outcome.users.map((user) => user.id)).to.deep.equal(["594", "597"]);
  });
});
