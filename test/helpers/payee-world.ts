/**
 * A payroll by payee details for the end-to-end tests: payer 113 pays from uy_uyu into
 * Argentine accounts (ar_ars) by CBU and CUIT. Some payees are new (emails no user has), some
 * are demo users who get a new account; each payee-and-account pair is paid on several rows.
 * The CBUs and CUITs are made with their check digits, so every row passes the offline checks.
 */

import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { demoSeed } from "./sandbox.js";

const CBU_FIRST = [7, 1, 3, 9, 7, 1, 3];
const CBU_SECOND = [3, 9, 7, 1, 3, 9, 7, 1, 3, 9, 7, 1, 3];

function check(digits: string, weights: number[]): number {
  const sum = [...digits].reduce((total, digit, i) => total + Number(digit) * (weights[i] as number), 0);
  return (10 - (sum % 10)) % 10;
}

/** A valid 22-digit CBU at Banco de la Nación (011), branch 0599, account number `n`. */
export function cbuFor(n: number): string {
  const first = "0110599";
  const second = String(100_000 + n).padStart(13, "0");
  return `${first}${check(first, CBU_FIRST)}${second}${check(second, CBU_SECOND)}`;
}

/** A valid CUIT (prefix 20) for person `n`: the first DNI from 30,000,000 + n whose check digit exists. */
export function cuitFor(n: number): string {
  const weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
  for (let dni = 30_000_000 + n * 7; ; dni++) {
    const body = `20${dni}`;
    const sum = [...body].reduce((total, digit, i) => total + Number(digit) * (weights[i] as number), 0);
    const digit = 11 - (sum % 11);
    if (digit === 10) continue;
    return `${body}${digit === 11 ? 0 : digit}`;
  }
}

export interface PayeeWorld {
  csv: string;
  rows: number;
  /** Emails of the payees the file names that no user had. */
  newEmails: string[];
  /** Every payee-and-account pair the file names: email and CBU. */
  accounts: { email: string; cbu: string }[];
}

export const PAYEE_HEADER =
  "reference,payer_user_id,sender_port,port,amount,recipient_email,recipient_name,recipient_tax_id,cbu";

/**
 * `fresh` new payees with one account each, `returning` demo users (ana.300@… onwards) with a
 * new account each; every pair paid on `repeat` rows, the rows interleaved.
 */
export function payeeWorld(fresh: number, returning: number, repeat: number): PayeeWorld {
  const DEMO_NAMES = [
    ...["ana", "bruno", "carla", "diego", "elena", "facundo", "gabriela", "hernan", "ines", "joaquin"],
    ...["karina", "lucas", "maria", "nicolas", "olga", "pablo", "quimey", "rocio", "santiago", "tamara"],
  ];
  const pairs: { email: string; name: string; cuit: string; cbu: string }[] = [];
  for (let i = 0; i < fresh; i++)
    pairs.push({ email: `nuevo${i}@example.com`, name: `Nuevo ${i}`, cuit: cuitFor(i), cbu: cbuFor(i) });
  for (let i = 0; i < returning; i++) {
    const id = 300 + i;
    const name = DEMO_NAMES[i];
    if (name === undefined) throw new Error(`the demo world has ${DEMO_NAMES.length} payees to return`);
    const email = `${name}.${id}@example.com`;
    pairs.push({ email, name: `Demo ${id}`, cuit: cuitFor(1000 + i), cbu: cbuFor(1000 + i) });
  }
  const lines: string[] = [];
  for (let k = 0; k < repeat; k++)
    for (const [i, pair] of pairs.entries())
      lines.push(
        `R${k}-${i},113,uy_uyu,ar_ars,${1000 + k * 100 + i}.00,${pair.email},${pair.name},${pair.cuit},${pair.cbu}`,
      );
  return {
    csv: `${[PAYEE_HEADER, ...lines].join("\n")}\n`,
    rows: lines.length,
    newEmails: pairs.slice(0, fresh).map((pair) => pair.email),
    accounts: pairs.map((pair) => ({ email: pair.email, cbu: pair.cbu })),
  };
}

/**
 * The emulator holds exactly one user per email of the file, one live instruction per
 * payee and account, and exactly one output per row, to the user and instruction they resolved to.
 */
export function expectPayeesOnce(box: Sandbox, world: PayeeWorld, seededUsers: number): void {
  const state = box.state();
  const byEmail = new Map<string, string[]>();
  for (const user of state.users) byEmail.set(user.email, [...(byEmail.get(user.email) ?? []), user.id]);
  for (const { email, cbu } of world.accounts) {
    const users = byEmail.get(email) ?? [];
    expect(users, `users with ${email}`).to.have.length(1);
    const holding = state.withdrawal_instructions.filter((w) => w.user_id === users[0] && w.body.cbu === cbu);
    expect(holding, `instructions of ${email} holding its CBU`).to.have.length(1);
  }
  expect(state.users.length - seededUsers, "users created").to.equal(world.newEmails.length);
  expect(state.outputs, "one output per row").to.have.length(world.rows);
}

/** The demo world where payee 300 (Ana) already has an ARS account by CBU at Bitex. */
export async function seedWithAnasAccount() {
  const seed = await demoSeed();
  const cbuA = "2850590940090418135201";
  seed.withdrawal_instructions.push({
    id: "2900",
    user_id: "300",
    port_code: "ar_ars",
    label: "Ana Pérez ARS",
    body: {
      payment_method: "domestic_bank",
      cbu: cbuA,
      cuit: "20055361682",
      currency: "ARS",
      country: "AR",
    },
    outcome: "settled",
  });
  return { seed, cbuA };
}
