/**
 * The cost of resolving and creating payees in API calls: 10,000 rows by payee details, 4,000
 * payees found with their account (two rows each) and 2,000 new payees (one row each), through
 * submit's payee phase (the run is stopped at its end by the `payees-done` crash point, so the
 * emulator's calls are the phase's alone). Against the ideal of docs/design.md ("Input
 * modes"): three readings of the user list; the instructions of each payee named once, and of
 * each new payee twice more (after its user, after its account); one create per user and per
 * account. Nothing is read per row.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MAX_PAGE_SIZE } from "../../src/wire/resources.js";
import { cbuFor, cuitFor } from "../helpers/payee-world.js";
import { Emulator } from "./emulator.js";
import { callsFigure, type Figure, fmt, runNode } from "./measure.js";

const FOUND = 4_000;
const NEW = 2_000;
const ROWS = FOUND * 2 + NEW;

async function payeesSeed(demoSeed: string) {
  const seed = JSON.parse(await readFile(demoSeed, "utf8"));
  for (let p = 0; p < FOUND; p++) {
    const id = String(20_000 + p);
    seed.users.push({ id, email: `found${p}@example.com`, compliance_state: "enabled" });
    seed.withdrawal_instructions.push({
      id: String(90_000 + p),
      user_id: id,
      port_code: "ar_ars",
      label: "",
      body: {
        payment_method: "domestic_bank",
        country: "AR",
        currency: "ARS",
        cbu: cbuFor(p),
        cuit: cuitFor(p),
      },
    });
  }
  return seed;
}

function payeesCsv(): string {
  const lines = [
    "reference,payer_user_id,sender_port,port,amount,recipient_email,recipient_name,recipient_tax_id,cbu",
  ];
  const line = (ref: string, email: string, n: number, amount: number) =>
    `${ref},113,uy_uyu,ar_ars,${amount}.00,${email},Payee ${n},${cuitFor(n)},${cbuFor(n)}`;
  for (let p = 0; p < FOUND; p++) {
    lines.push(line(`F${p}-a`, `found${p}@example.com`, p, 1000 + p));
    lines.push(line(`F${p}-b`, `found${p}@example.com`, p, 2000 + p));
  }
  for (let p = 0; p < NEW; p++) lines.push(line(`N${p}`, `new${p}@example.com`, FOUND + p, 3000 + p));
  return `${lines.join("\n")}\n`;
}

export async function payeesFigure(dir: string, cli: string, demoSeed: string): Promise<Figure> {
  const seedPath = join(dir, "payees-seed.json");
  const seed = await payeesSeed(demoSeed);
  await writeFile(seedPath, JSON.stringify(seed));
  const csv = join(dir, "payees.csv");
  await writeFile(csv, payeesCsv());
  const emulator = await Emulator.start({ cli, seed: seedPath, latencyMs: 0, rateLimit: 0 });
  try {
    await emulator.resetStats();
    const run = await runNode(
      [
        cli,
        "submit",
        csv,
        "--rate",
        "100000",
        "--concurrency",
        "16",
        "--state-dir",
        join(dir, "payees-state"),
      ],
      { env: { ...emulator.env(), BITEX_BATCH_CRASH_AT: "payees-done" }, timeoutMs: 600_000 },
    );
    const { calls } = await emulator.stats();
    const pages = (items: number) => Math.max(1, Math.ceil(items / MAX_PAGE_SIZE));
    const before = seed.users.length as number;
    const userPages = pages(before) + 2 * pages(before + NEW);
    const instructionPages = FOUND + 2 * NEW;
    const creates = 2 * NEW;
    const ideal = userPages + instructionPages + creates;
    const problem =
      run.signal === "SIGKILL"
        ? null
        : `submit was not stopped at payees-done (exit ${run.code}): ${run.stderr.trim().split("\n").slice(-2).join(" | ")}`;
    return callsFigure({
      id: "payees",
      name: `payees calls, ${ROWS / 1000}k rows, ${NEW / 1000}k new payees`,
      calls,
      ideal,
      problem,
      data: {
        rows: ROWS,
        found: FOUND,
        new: NEW,
        user_pages: userPages,
        instruction_pages: instructionPages,
        creates,
        wall_ms: run.wallMs,
      },
      note: `ideal = user pages over 3 readings (${userPages}, ${MAX_PAGE_SIZE} a page) + instruction lists (${FOUND} found payees once, ${NEW} new payees twice) + creates (${NEW} users, ${NEW} accounts); none per row; one run; wall ${fmt.ms(run.wallMs)}.`,
    });
  } finally {
    await emulator.stop();
  }
}
