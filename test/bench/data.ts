/**
 * Bench inputs, generated at bench time into a temp dir (never into the repo): payroll CSVs of
 * any size and an emulator seed whose users and withdrawal instructions match them.
 *
 * Rows follow the six patterns of fixtures/demo/payroll.csv (two payers, three sender ports,
 * six destination ports, one row in twelve paying a budget instead of an amount), with a
 * unique reference, recipient and instruction per row, so every row is valid and no two rows
 * look like a duplicate payment.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Seed } from "../../src/sandbox/seed.js";

export const HEADER =
  "reference,payer_user_id,sender_port,recipient_user_id,port,amount,budget,withdrawal_instruction_id";

interface Pattern {
  payer: string;
  sender: string;
  port: string;
  /** Decimals of the destination currency (CLP and PYG have none). */
  decimals: 0 | 2;
}

const PATTERNS: readonly Pattern[] = [
  { payer: "112", sender: "ar_ars", port: "cl_clp", decimals: 0 },
  { payer: "112", sender: "us_usd", port: "mx_mxn", decimals: 2 },
  { payer: "112", sender: "ar_ars", port: "uy_uyu", decimals: 2 },
  { payer: "112", sender: "ar_ars", port: "py_pyg", decimals: 0 },
  { payer: "113", sender: "uy_uyu", port: "us_usd", decimals: 2 },
  { payer: "113", sender: "uy_uyu", port: "ar_ars", decimals: 2 },
];

const FIRST_RECIPIENT = 1_000_000;
const FIRST_INSTRUCTION = 50_000_000;

function pattern(i: number): Pattern {
  return PATTERNS[i % PATTERNS.length] as Pattern;
}

/** Row i (0-based) of every bench file: the same i always gives the same row. */
export function row(i: number): string {
  const p = pattern(i);
  // Deterministic, varied amounts; a budget (sender currency, 2 decimals) one row in twelve.
  const whole = 1000 + ((i * 7919) % 900_000);
  const cents = (i * 37) % 100;
  const money = p.decimals === 0 ? String(whole * 10) : `${whole}.${String(cents).padStart(2, "0")}`;
  const budget = i % 12 === 5;
  const amount = budget ? "" : money;
  const budgetText = budget ? `${whole}.00` : "";
  const ref = `BENCH-${String(i + 1).padStart(7, "0")}`;
  return `${ref},${p.payer},${p.sender},${FIRST_RECIPIENT + i},${p.port},${amount},${budgetText},${FIRST_INSTRUCTION + i}`;
}

/** Writes HEADER and rows 0..rows-1 to `path`, in large chunks. */
export async function writePayroll(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  const CHUNK = 5000;
  if (!out.write(`${HEADER}\n`)) await once(out, "drain");
  for (let start = 0; start < rows; start += CHUNK) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(rows, start + CHUNK); i++) lines.push(row(i));
    if (!out.write(`${lines.join("\n")}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

/**
 * A seed with the demo's payers, balances and rates plus one user and one withdrawal
 * instruction (on the row's destination port) for each of rows 0..rows-1.
 */
export async function writeSeed(path: string, rows: number, demoSeedPath: string): Promise<Seed> {
  const demo = JSON.parse(await readFile(demoSeedPath, "utf8")) as Seed;
  const payers = demo.users.filter((user) => user.id === "112" || user.id === "113");
  const seed: Seed = {
    api_key: "bench-key",
    owner_user_id: "112",
    users: [...payers],
    withdrawal_instructions: [],
    balances: demo.balances,
    rates: demo.rates,
  };
  for (let i = 0; i < rows; i++) {
    const userId = String(FIRST_RECIPIENT + i);
    seed.users.push({ id: userId, email: `payee.${userId}@example.com`, compliance_state: "enabled" });
    seed.withdrawal_instructions.push({
      id: String(FIRST_INSTRUCTION + i),
      user_id: userId,
      port_code: pattern(i).port as Seed["withdrawal_instructions"][number]["port_code"],
      label: `payee ${userId}`,
      body: { payment_method: "domestic_bank", bank_account_number: String(10_000_000 + i) },
      outcome: "settled",
    });
  }
  await writeFile(path, JSON.stringify(seed));
  return seed;
}

/** The recipient user id of row i, to check the emulator's outputs row by row. */
export function recipientOf(i: number): string {
  return String(FIRST_RECIPIENT + i);
}

export function benchFile(dir: string, rows: number): string {
  return join(dir, `payroll-${rows}.csv`);
}
