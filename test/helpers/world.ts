/**
 * Generated payroll worlds for the exactly-once tests: a seed with N payees and a CSV that
 * pays each of them, plus the check that the emulator holds exactly one output per row.
 */
import { expect } from "chai";
import type { Sandbox, Seed } from "../../src/sandbox/index.js";

export interface WorldRow {
  reference: string;
  payer_user_id: string;
  sender_port: string;
  recipient_user_id: string;
  port: string;
  amount: string;
  withdrawal_instruction_id: string;
}

const DESTINATIONS = [
  { port: "cl_clp", amount: (i: number) => String(500000 + i * 1000) },
  { port: "mx_mxn", amount: (i: number) => `${15000 + i}.50` },
  { port: "uy_uyu", amount: (i: number) => `${40000 + i}.25` },
  { port: "us_usd", amount: (i: number) => `${1500 + i}.00` },
] as const;

/** `identical` extra rows repeat row 0 exactly (allowed with --allow-duplicates). */
export function makeWorld(count: number, identical = 0): { seed: Seed; rows: WorldRow[]; csv: string } {
  const users: Seed["users"] = [{ id: "112", email: "payroll@example.com", compliance_state: "enabled" }];
  const instructions: Seed["withdrawal_instructions"] = [];
  const rows: WorldRow[] = [];
  for (let i = 0; i < count; i++) {
    const destination = DESTINATIONS[i % DESTINATIONS.length] as (typeof DESTINATIONS)[number];
    const user = String(1000 + i);
    const instruction = String(50000 + i);
    users.push({ id: user, email: `payee${i}@example.com`, compliance_state: "enabled" });
    instructions.push({
      id: instruction,
      user_id: user,
      port_code: destination.port,
      label: `payee ${i}`,
      body: { payment_method: "domestic_bank", bank_account_number: String(9000000 + i) },
      outcome: "settled",
    });
    rows.push({
      reference: `EMP-${i}`,
      payer_user_id: "112",
      sender_port: i % 2 === 0 ? "ar_ars" : "us_usd",
      recipient_user_id: user,
      port: destination.port,
      amount: destination.amount(i),
      withdrawal_instruction_id: instruction,
    });
  }
  for (let k = 0; k < identical; k++) rows.push({ ...(rows[0] as WorldRow), reference: "" });
  const rates = ["ar_ars", "us_usd"].flatMap((from) =>
    DESTINATIONS.map(({ port }) => ({ from, to: port, rate: "1.5", fee_rate: "0.01" })),
  );
  const seed = {
    api_key: "world-key",
    owner_user_id: "112",
    users,
    withdrawal_instructions: instructions,
    balances: [
      { user_id: "112", currency: "ars", amount: "999999999999.00" },
      { user_id: "112", currency: "usd", amount: "999999999999.00" },
    ],
    rates,
  } as Seed;
  return { seed, rows, csv: worldCsv(rows) };
}

/** The payroll CSV of these rows, in the world's column order. */
export function worldCsv(rows: readonly WorldRow[]): string {
  const header =
    "reference,payer_user_id,sender_port,recipient_user_id,port,amount,withdrawal_instruction_id";
  const lines = rows.map((r) =>
    [
      r.reference,
      r.payer_user_id,
      r.sender_port,
      r.recipient_user_id,
      r.port,
      r.amount,
      r.withdrawal_instruction_id,
    ].join(","),
  );
  return `${[header, ...lines].join("\n")}\n`;
}

function norm(value: unknown): string {
  const text = String(value);
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

/** The emulator's outputs, as a multiset, equal the rows: each row paid exactly once, in the right request. */
export function expectExactlyOnce(box: Sandbox, rows: readonly WorldRow[]): void {
  const state = box.state();
  const requests = new Map(state.requests.map((r) => [r.id, r]));
  const count = (keys: string[]) => {
    const counts = new Map<string, number>();
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  };
  const onServer = state.outputs.map((o) => {
    const request = requests.get(o.relationships?.request?.data?.id ?? "");
    return [
      request?.relationships?.user?.data?.id,
      request?.attributes.port_code,
      o.relationships?.user?.data?.id,
      o.attributes.port_code,
      norm(o.attributes.amount),
      o.relationships?.withdrawal_instruction?.data?.id,
    ].join("|");
  });
  const inFile = rows.map((r) =>
    [
      r.payer_user_id,
      r.sender_port,
      r.recipient_user_id,
      r.port,
      norm(r.amount),
      r.withdrawal_instruction_id,
    ].join("|"),
  );
  expect(state.outputs.length, "outputs on the server").to.equal(rows.length);
  expect(count(onServer)).to.deep.equal(count(inFile));
}

/**
 * No row has more outputs on the server than the file has of it, and no output is foreign to
 * the file (but those in `foreign`, put there by a test).
 */
export function expectAtMostOnce(
  box: Sandbox,
  rows: readonly WorldRow[],
  foreign: ReadonlySet<string> = new Set(),
): void {
  const state = box.state();
  const requests = new Map(state.requests.map((r) => [r.id, r]));
  const allowed = new Map<string, number>();
  for (const r of rows) {
    const key = [
      r.payer_user_id,
      r.sender_port,
      r.recipient_user_id,
      r.port,
      norm(r.amount),
      r.withdrawal_instruction_id,
    ].join("|");
    allowed.set(key, (allowed.get(key) ?? 0) + 1);
  }
  const seen = new Map<string, string[]>();
  for (const o of state.outputs) {
    if (foreign.has(o.id)) continue;
    const request = requests.get(o.relationships?.request?.data?.id ?? "");
    const key = [
      request?.relationships?.user?.data?.id,
      request?.attributes.port_code,
      o.relationships?.user?.data?.id,
      o.attributes.port_code,
      norm(o.attributes.amount),
      o.relationships?.withdrawal_instruction?.data?.id,
    ].join("|");
    seen.set(key, [...(seen.get(key) ?? []), o.id]);
  }
  const twice = [...seen.entries()]
    .filter(([key, ids]) => ids.length > (allowed.get(key) ?? 0))
    .map(([key, ids]) => `${key}: outputs ${ids.join(", ")}`);
  expect(twice, "rows paid more than once").to.deep.equal([]);
}
