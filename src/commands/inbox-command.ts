/** `inbox DIR`: the drop folder for cron; one JSON line per file on stdout with --json. */
import { resolveApi } from "../app/connect.js";
import { type FileLine, type InboxArgs, runInbox } from "../app/inbox.js";
import type { Io } from "../app/session.js";
import type { Until } from "../app/submit.js";
import { BatchError } from "../errors.js";
import type { EncodingOption } from "../read/decode.js";
import { redactor } from "../redact.js";
import { operatorZone } from "../time.js";
import type { ReportFormat } from "../writers/dialect.js";
import { reportCommandOutput } from "./console.js";
import { ioOf, terminalSession } from "./terminal.js";

/** The pause between the two looks at a file's size and mtime (its settle check). */
const PAUSE_MS = 1_000;

export interface InboxCommandArgs {
  dir: string;
  reportFormat: ReportFormat;
  encoding: EncodingOption;
  senderPort?: string;
  payer?: string;
  until: Until;
  settle: number;
  tz?: string;
  monthInName: boolean;
  apiUrl?: string;
  sandbox: boolean;
  stateDir: string;
  json: boolean;
  quiet: boolean;
  concurrency: number;
  rate: number;
  allowPartial: boolean;
  maxTotal?: string[];
  wait?: number;
  timeout?: number;
  interval?: number;
  io?: Io;
}

export async function inboxCommand(args: InboxCommandArgs): Promise<number> {
  const io = ioOf(args.io);
  if (!(Number.isFinite(args.settle) && args.settle >= 0))
    throw new BatchError("usage", `--settle expects seconds (0 or more), got ${args.settle}`);
  const zone = operatorZone(args.tz, io.env);
  // A missing key or an insecure URL stops the run before any file is touched (exit 2).
  const target = resolveApi({ ...args, io });
  const secrets = target?.apiKey ? [target.apiKey] : [];
  const out = reportCommandOutput({ ...args, io }, target?.apiKey);
  const redact = redactor(secrets);
  const { settle, tz: _tz, ...rest } = args;
  const inbox: InboxArgs = {
    ...rest,
    io,
    allowDuplicates: false,
    keepColumns: false,
    settleMs: settle * 1000,
    pauseMs: PAUSE_MS,
    tz: zone,
  };
  const line = (value: FileLine) => {
    if (args.json) io.stdout.write(`${redact(JSON.stringify(value))}\n`);
  };
  return runInbox(inbox, terminalSession(out, io), { line });
}
