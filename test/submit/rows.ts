/**
 * What the engine tests share: a world's rows as the engine takes them, the engine's API on a
 * client, a run of the engine, a proxy's pass-on, the server's outputs per instruction, the
 * journal's lines and a proxy's unclear 503.
 */
import { readFile } from "node:fs/promises";
import http from "node:http";
import { join } from "node:path";
import { stopFor } from "../../src/app/stop.js";
import type { BitexClient } from "../../src/bitex/client.js";
import { ApiError } from "../../src/bitex/errors.js";
import type { ValidRow } from "../../src/model.js";
import { plan } from "../../src/plan/plan.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import {
  type SubmitApi,
  type SubmitOptions,
  type SubmitResult,
  submitPlan,
} from "../../src/submit/engine.js";
import { tempDir } from "../helpers/cli.js";
import type { WorldRow } from "../helpers/world.js";

/** The rows as validated, numbered from line 2 (after the header). */
export function validRows(rows: readonly WorldRow[]): ValidRow[] {
  return rows.map((r, i) => ({
    line: i + 2,
    reference: r.reference,
    payerUserId: r.payer_user_id,
    senderPort: r.sender_port as ValidRow["senderPort"],
    recipientUserId: r.recipient_user_id,
    port: r.port as ValidRow["port"],
    amount: r.amount,
    budget: null,
    withdrawalInstructionId: r.withdrawal_instruction_id,
  }));
}

/** The engine's API straight to `client`, with `overrides` in place of some calls (a fault, a cache). */
export function clientApi(client: BitexClient, overrides: Partial<SubmitApi> = {}): SubmitApi {
  return {
    findRequestsByExternalId: (externalId) => client.findRequestsByExternalId(externalId),
    createRequest: (input) => client.createRequest(input),
    getRequest: (id) => client.getRequest(id),
    listPageSize: () => client.listPageSize(),
    getOutput: (id: string) => client.getOutput(id),
    listOutputs: (requestId) => client.listOutputs(requestId),
    createOutput: (args) => client.createOutput(args),
    ...overrides,
  };
}

/**
 * The engine run on `rows` as batch `batchId` (its file `<batchId>.csv`) against `api`, one
 * call at a time, saying nothing, its journal in a new folder; `options` set the rest.
 */
export async function submitRows(
  api: SubmitApi,
  apiLabel: string,
  batchId: string,
  rows: ValidRow[],
  options: Partial<SubmitOptions> = {},
): Promise<SubmitResult> {
  return submitPlan({
    plan: plan(batchId, rows),
    journalPath: join(await tempDir(), "journal.jsonl"),
    fileLabel: `${batchId}.csv`,
    apiLabel,
    api,
    concurrency: 1,
    signal: new AbortController().signal,
    stopFor,
    say: () => undefined,
    ...options,
  });
}

/** Passes a call a proxy received on to `upstream`, and its answer back. */
export function passOn(
  upstream: URL,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
): void {
  const up = http.request(
    { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  up.on("error", () => res.destroy());
  up.end(body);
}

/** The emulator's outputs counted per withdrawal instruction (each row has its own), as sorted [id, count]. */
export function perInstruction(box: Sandbox): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const output of box.state().outputs) {
    const relationships = output.relationships as Record<string, { data: { id: string } | null }> | undefined;
    const id = relationships?.withdrawal_instruction?.data?.id ?? "";
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return [...counts.entries()].sort();
}

export interface JournalEntry {
  t: string;
  line?: number;
  via?: string;
}

/** The journal's lines, in order. */
export async function journalLines(path: string): Promise<JournalEntry[]> {
  return (await readFile(path, "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as JournalEntry);
}

/** A create answered like a proxy's 503: it may or may not have reached the server. */
export const unclear = () =>
  new ApiError({
    kind: "server",
    status: 503,
    sent: "maybe",
    code: "api_server_error",
    detail: "503 from a proxy",
  });
