/**
 * Records real exchanges with a Bitex sandbox's concierge endpoints into fixtures/recorded/
 * (README, "Recording real exchanges"). Needs a sandbox key and the network, so it is a command
 * a person runs, never part of `npm test` or CI (it refuses to run where CI is set):
 *
 *   BITEX_API_KEY=… npx tsx test/record/record.ts --api-url https://sandbox.bitex.la/api \
 *     --sender-port ar_ars --recipient 345 --port cl_clp --amount 1000 --instruction 2121 [--dry-run]
 *
 * The key is read from BITEX_API_KEY only and never printed; the files hold `<redacted>`.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { encodeJson } from "../../src/wire/json.js";
import { fromRoot } from "../helpers/root.js";
import { checkTarget, fileText, plan, type RecordOptions, record } from "./recorder.js";

export const DEFAULT_OUT = fromRoot("fixtures", "recorded");

const USAGE = `usage: BITEX_API_KEY=… npx tsx test/record/record.ts --api-url https://sandbox.bitex.la/api
  --sender-port PORT [--payer USER_ID] --recipient USER_ID --port PORT --amount DECIMAL --instruction ID
  [--accept [--quote-wait SECONDS]] [--version 2.1] [--out DIR] [--force] [--dry-run]`;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The command: returns its exit code (0 done, 2 refused or a usage error, 1 a call failed). */
export async function main(argv: string[], env: Record<string, string | undefined>, io: Io): Promise<number> {
  if (env.CI !== undefined && env.CI !== "" && env.CI !== "false") {
    io.err("record: refusing to run where CI is set: recording needs a Bitex key and the network");
    return 2;
  }
  let options: Omit<RecordOptions, "apiKey">;
  let outDir: string;
  let dryRun: boolean;
  let force: boolean;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        "api-url": { type: "string" },
        "sender-port": { type: "string" },
        payer: { type: "string" },
        recipient: { type: "string" },
        port: { type: "string" },
        amount: { type: "string" },
        instruction: { type: "string" },
        accept: { type: "boolean", default: false },
        "quote-wait": { type: "string", default: "0" },
        version: { type: "string" },
        out: { type: "string", default: DEFAULT_OUT },
        force: { type: "boolean", default: false },
        "dry-run": { type: "boolean", default: false },
      },
    });
    const need = (name: string): string => {
      const value = values[name as keyof typeof values];
      if (typeof value !== "string" || value === "") throw new RangeError(`--${name} is required`);
      return value;
    };
    const apiUrl = need("api-url");
    checkTarget(apiUrl);
    const amount = need("amount");
    if (!/^\d+(\.\d+)?$/.test(amount))
      throw new RangeError(`--amount: expected a decimal like 1000.50, got ${amount}`);
    const wait = Number(values["quote-wait"]);
    if (!Number.isFinite(wait) || wait < 0) throw new RangeError("--quote-wait: expected seconds >= 0");
    options = {
      apiUrl,
      senderPort: need("sender-port"),
      ...(values.payer === undefined ? {} : { payerUserId: values.payer }),
      recipientUserId: need("recipient"),
      port: need("port"),
      amount,
      withdrawalInstructionId: need("instruction"),
      accept: values.accept,
      quoteWaitMs: wait * 1000,
      pauseMs: 250,
      ...(values.version === undefined ? {} : { version: values.version }),
      stamp: new Date().toISOString().replace(/[-:.]/g, ""),
    };
    outDir = values.out;
    dryRun = values["dry-run"];
    force = values.force;
  } catch (error) {
    io.err(`record: ${(error as Error).message}`);
    io.err(USAGE);
    return 2;
  }

  const calls = plan(options);
  const target = (name: string) => join(outDir, `${name}.json`);
  if (dryRun) {
    io.out(`record: dry run, nothing sent. Against ${options.apiUrl} it would make, in order:`);
    for (const call of calls) {
      const body = call.body === undefined ? "" : ` ${encodeJson(call.body)}`;
      io.out(`  ${call.method} ${call.path}${body}\n    → ${target(call.name)}: ${call.note}`);
    }
    return 0;
  }
  const apiKey = env.BITEX_API_KEY ?? "";
  if (apiKey === "") {
    io.err(
      "record: set BITEX_API_KEY to a Bitex sandbox key (it is never printed, and written as <redacted>)",
    );
    return 2;
  }
  const taken = calls.map((call) => target(call.name)).filter((path) => existsSync(path));
  if (taken.length > 0 && !force) {
    io.err(`record: ${taken.join(", ")} already exist; --force to replace them`);
    return 2;
  }
  try {
    const recordings = await record({ ...options, apiKey, log: (line) => io.out(`record: ${line}`) });
    await mkdir(outDir, { recursive: true });
    for (const { name, recording } of recordings) await writeFile(target(name), fileText(recording));
    io.out(`record: ${recordings.length} file(s) written to ${outDir}`);
    return 0;
  } catch (error) {
    // A message could quote the URL, never the key; redact it all the same.
    io.err(
      `record: ${String((error as Error).message)
        .split(apiKey)
        .join("<redacted>")}`,
    );
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
