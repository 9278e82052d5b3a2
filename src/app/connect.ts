/** Where the API is: the embedded emulator (`--sandbox`) or a URL with the key from BITEX_API_KEY. */
import { randomBytes } from "node:crypto";
import { type BitexClient, createBitexClient } from "../bitex/client.js";
import { describeSkew } from "../bitex/server-clock.js";
import { createFetchTransport, type Transport } from "../bitex/transport.js";
import { checkApiUrl } from "../bitex/url.js";
import { BatchError } from "../errors.js";
import { humanTime } from "../time.js";
import { keyFromEnv, keyFromFile } from "./key-file.js";
import type { Console, Io } from "./session.js";

export const DEFAULT_API_URL = "https://sandbox.bitex.la/api";

export interface ApiArgs {
  apiUrl?: string;
  sandbox: boolean;
  /** The run's streams and environment (the command passes the process's): the key and URL come from its env. */
  io?: Io;
}

/** What reached the API so far: a batch is bound to an API only once that API answered. */
export interface Reach {
  /** A call was answered by the API itself (not refused at the door: 401, 403, 404, 5xx, no answer). */
  answered: boolean;
  /** A POST was handed to the network (it may have landed, answered or not). */
  wrote: boolean;
}

/** A transport that notes what reached the API, and tells when it answers again after an outage. */
function noting(inner: Transport, reach: Reach, onAnswer: () => void): Transport {
  return {
    async send(request) {
      if (request.method !== "GET") reach.wrote = true;
      const response = await inner.send(request);
      if (response.status < 500 && ![401, 403, 404].includes(response.status)) reach.answered = true;
      if (response.status < 500 && response.status !== 429) onAnswer();
      return response;
    },
    close: () => inner.close(),
  };
}

export interface Connection {
  client: BitexClient;
  /** What reached the API so far (see Reach). */
  reach: Reach;
  /** Every string that must never be printed (the key). */
  secrets: string[];
  /** The API base URL (for the journal: a batch belongs to one server). */
  apiUrl: string;
  label: string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  concurrency: number;
  rate: number;
  env?: NodeJS.ProcessEnv;
  /** --sandbox only: the emulator's clock speed (docs/design.md section 12); default 1. */
  timeScale?: number;
  /** This machine's clock, for tests of a skewed one; default Date.now. */
  localNow?: () => number;
}

/** Resolves and checks the URL and key without connecting (exit 2 before any work). */
export function resolveApi(
  args: ApiArgs,
  env: NodeJS.ProcessEnv = args.io?.env ?? {},
): { url: string; apiKey: string } | null {
  if (args.sandbox) return null;
  const url = args.apiUrl ?? env.BITEX_API_URL ?? DEFAULT_API_URL;
  checkApiUrl(url);
  const apiKey = keyFromEnv(env) || keyFromFile(env.BITEX_API_KEY_FILE);
  if (apiKey === "") {
    throw new BatchError("auth", "no API key: neither BITEX_API_KEY nor BITEX_API_KEY_FILE is set", {
      hint: "export BITEX_API_KEY=<your key>, or BITEX_API_KEY_FILE=<a file only you can read> (never a flag); or try the embedded emulator with --sandbox",
    });
  }
  return { url, apiKey };
}

const RATE_NOTICE_EVERY_MS = 10_000;

/**
 * Retries collapse into one line per outage: "API unreachable since 2026-11-29 10:15:02 -03:00
 * (…), retrying…" when the first call fails, "API back after 14 s" when one is answered again.
 * An outage of minutes is two lines in a cron log, not one per call and attempt. A 429 is no
 * outage: the API answered "too fast", so it is "rate limit hit, waiting N s", once a burst.
 */
export function outageNotices(say: (line: string) => void, clock: () => number = Date.now, zone = "UTC") {
  let since: number | undefined;
  let limitedAt: number | undefined;
  return {
    onRetry(info: { error: Error; delayMs?: number }): void {
      if ((info.error as { kind?: string }).kind === "rate_limited") {
        // A burst is many 429s over a few seconds: one line, not one per call.
        if (limitedAt !== undefined && clock() - limitedAt < RATE_NOTICE_EVERY_MS) return;
        limitedAt = clock();
        const seconds = Math.max(1, Math.ceil((info.delayMs ?? 0) / 1000));
        say(`rate limit hit (429), waiting ${seconds} s; calls slow down`);
        return;
      }
      if (since !== undefined) return;
      since = clock();
      say(`API unreachable since ${humanTime(since, zone)} (${info.error.message}), retrying…`);
    },
    onAnswer(): void {
      if (since === undefined) return;
      say(`API back after ${Math.round((clock() - since) / 1000)} s`);
      since = undefined;
    },
  };
}

export async function connect(args: ApiArgs, out: Console, options: ConnectOptions): Promise<Connection> {
  // Calls still in flight when the run closes the connection are cut by it (ECONNRESET): no
  // outage of the API, and nothing to say after the run's last words.
  let closed = false;
  const outage = outageNotices(
    (line) => {
      if (!closed) out.info(line);
    },
    Date.now,
    out.zone,
  );
  /** A client of `baseUrl` whose answers mark `reach`; `onSkew` names a clock far from ours. */
  const clientOf = (baseUrl: string, apiKey: string, onSkew?: (offsetMs: number) => void) => {
    const reach: Reach = { answered: false, wrote: false };
    const client = createBitexClient({
      baseUrl,
      apiKey,
      concurrency: options.concurrency,
      rate: options.rate,
      onRetry: outage.onRetry,
      ...(onSkew ? { onSkew } : {}),
      localNow: options.localNow,
      transport: noting(createFetchTransport({ concurrency: options.concurrency }), reach, outage.onAnswer),
    });
    return { client, reach };
  };
  const target = resolveApi(args, options.env);
  if (target) {
    const { client, reach } = clientOf(target.url, target.apiKey, (offsetMs) =>
      out.warn(describeSkew(offsetMs)),
    );
    return {
      client,
      reach,
      secrets: [target.apiKey],
      apiUrl: target.url,
      label: target.url,
      close: async () => {
        closed = true;
        client.close();
      },
    };
  }
  // Loaded only here: a run against the real API has no use for the emulator's code.
  const { startSandbox } = await import("../sandbox/index.js");
  // Its port is open to every user of this machine while the run rehearses a real payroll:
  // a key of this run's own (not the demo seed's published one) and no control surface, so
  // only this run reads the payees, tax ids and bank accounts it holds.
  const sandbox = await startSandbox({
    port: 0,
    timeScale: options.timeScale,
    apiKey: randomBytes(24).toString("hex"),
    controls: false,
  });
  // The embedded emulator's clock runs --time-scale times faster on purpose: no skew to name.
  const { client, reach } = clientOf(sandbox.url, sandbox.apiKey);
  return {
    client,
    reach,
    secrets: [sandbox.apiKey],
    apiUrl: sandbox.url,
    label: `the embedded emulator at ${sandbox.url}`,
    close: async () => {
      closed = true;
      client.close();
      await sandbox.close();
    },
  };
}

/** A number option's value in a message: yargs reads `--rate abc` as NaN, which says nothing. */
export function shownNumber(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? "something that is not a number" : String(value);
}

/** `--concurrency` and `--rate`, checked before any work. */
export function checkCallLimits(args: { concurrency: number; rate: number }): void {
  if (!Number.isInteger(args.concurrency) || args.concurrency < 1 || args.concurrency > 64) {
    throw new BatchError(
      "usage",
      `--concurrency expects a whole number from 1 to 64, got ${shownNumber(args.concurrency)}`,
    );
  }
  if (!Number.isFinite(args.rate) || args.rate <= 0) {
    throw new BatchError("usage", `--rate expects calls per second above 0, got ${shownNumber(args.rate)}`);
  }
}
