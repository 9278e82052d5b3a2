/** An emulator on a free loopback port for one test, seeded from the demo or a test's own world. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Faults, type Sandbox, type Seed, startSandbox } from "../../src/sandbox/index.js";
import { ROOT } from "./cli.js";

export const DEMO_CSV = join(ROOT, "fixtures", "demo", "payroll.csv");
export const DEMO_SEED = join(ROOT, "fixtures", "demo", "seed.json");

export async function demoSeed(): Promise<Seed> {
  return JSON.parse(await readFile(DEMO_SEED, "utf8")) as Seed;
}

/** No rate limit unless a test asks: most tests are about something else. */
export function sandbox(faults: Partial<Faults> = {}, seed?: Seed | string): Promise<Sandbox> {
  return startSandbox({ port: 0, seed: seed ?? DEMO_SEED, faults: { rate_limit: 0, ...faults } });
}

export function apiEnv(box: Sandbox): Record<string, string> {
  return { BITEX_API_KEY: box.apiKey, BITEX_API_URL: box.url };
}

/** The demo world where everyone is paid: no payee refused, no payout sent back. */
export async function everyonePaidSeed(): Promise<Seed> {
  const seed = await demoSeed();
  for (const user of seed.users) user.compliance_state = "enabled";
  for (const instruction of seed.withdrawal_instructions) instruction.outcome = "settled";
  return seed;
}

/**
 * The emulator at 120 times real time, its slow ports quoted 4 minutes after asking (not 30,
 * the emulator's default): a US payout's quote comes in 2 s, so a run `--until final` that
 * waits for it still ends within seconds. A quote then stands 5 s, which the few calls between
 * the last quote and the accepts (one read a request) fit well within.
 */
export function fastSandbox(seed: Seed): Promise<Sandbox> {
  return startSandbox({
    port: 0,
    seed: { quote_later_minutes: FAST_QUOTE_LATER_MINUTES, ...seed },
    faults: { rate_limit: 0 },
    timeScale: 120,
  });
}

/** fastSandbox's wait for a slow port's quote: 4 emulated minutes, 2 s at 120 times. */
export const FAST_QUOTE_LATER_MINUTES = 4;

/** The emulator with its clock stopped: nothing falls due until the test moves it (advance). */
export function stoppedSandbox(seed: Seed): Promise<Sandbox> {
  return startSandbox({ port: 0, seed, faults: { rate_limit: 0 }, timeScale: 0 });
}

/** The demo payroll's rows by reference, as written, and a file of some of them under its header. */
export async function demoRows(): Promise<{ pick(reference: string): string; file(rows: string[]): string }> {
  const [header, ...rows] = (await readFile(DEMO_CSV, "utf8")).trimEnd().split("\n");
  return {
    pick: (reference) => rows.find((row) => row.startsWith(`${reference},`)) as string,
    file: (lines) => `${[header, ...lines].join("\n")}\n`,
  };
}
