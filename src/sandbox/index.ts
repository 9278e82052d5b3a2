/**
 * The embedded Bitex CrossBorder emulator (docs/design.md section 9): start it in-process with
 * `startSandbox`, or run it as `bitex-batch sandbox` through `runSandboxServer`.
 * It listens on loopback only.
 */

import type { AddressInfo } from "node:net";
import { BatchError } from "../errors.js";
import { isLoopback } from "../wire/loopback.js";
import type {
  ConciergeOutputAttributes,
  ConciergeRequestAttributes,
  Resource,
  ResourceIdentifier,
} from "../wire/resources.js";
import { SandboxClock } from "./clock.js";
import { FaultDice, type Faults, parseFaults } from "./faults.js";
import { DEFAULT_SEED_PATH, loadSeed, parseSeed, type Seed } from "./seed.js";
import type { QuoteTimestamps, RequestExtras } from "./serialize.js";
import { parseAdvance, SandboxServer } from "./server.js";
import type { SandboxStats } from "./stats.js";
import { type AdvanceOptions, type AdvanceResult, Store } from "./store.js";

export { DEFAULT_FAULTS, type Faults, type Includes, type ListStyle } from "./faults.js";
export { DEFAULT_SEED_PATH, loadSeed, parseSeed, type Seed, SeedError } from "./seed.js";
export type { ActionCalls, SandboxStats } from "./stats.js";
export type { AdvanceOptions, AdvanceResult } from "./store.js";
export {
  ACCEPT_WINDOW_MS,
  CHECK_DELAY_MS,
  FUNDING_WINDOW_MS,
  PAYOUT_STEP_MS,
  QUOTE_LATER_MS,
} from "./timeline.js";

export interface SandboxOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1; only loopback hosts are accepted. */
  host?: string;
  /** A seed object or the path of a seed file; default DEFAULT_SEED_PATH. */
  seed?: Seed | string;
  /** Fault settings and the list style (`list_style`, `page_cap`), as POST /_sandbox/faults takes them. */
  faults?: Partial<Faults>;
  /**
   * The emulator's clock runs this many times faster than real time (docs/design.md section 12).
   * Default 1. 0 stops it: only what is due at that instant happens (quotes at once for the
   * five countries) until advance `{"minutes": N}` moves it.
   */
  timeScale?: number;
  /** The emulated time at start-up (ISO 8601 or a Date); default the real time then. */
  startTime?: string | Date;
  /**
   * Default false. True: nothing happens when the world is read, not even what is due now; only
   * advance moves requests. For tests that look at every intermediate state (a Chilean request
   * in quote_requested, say), as the emulator behaved before it had a clock.
   */
  advanceOnly?: boolean;
  /** Receives one line per /api call (method, path, status, ms). */
  log?: (line: string) => void;
  /** The only key the API accepts, instead of the seed's (which is published with the demo). */
  apiKey?: string;
  /**
   * Default true. False: no /_sandbox/* control surface (404 as any unknown path), whose
   * state shows every user and bank account to anyone on this machine, without a key.
   */
  controls?: boolean;
}

/** A request as the emulator shows it: the client's wire shape plus the quote timestamps. */
export type SandboxRequestAttributes = ConciergeRequestAttributes & QuoteTimestamps & RequestExtras;

/** A request resource: its payer, and its outputs as a to-many relationship (Bitex's guide). */
export type SandboxRequest = Omit<Resource<SandboxRequestAttributes>, "relationships"> & {
  relationships: {
    user: { data: ResourceIdentifier };
    outputs: { data: ResourceIdentifier[] };
  };
};

/** The body of GET /_sandbox/state, parsed (money attributes are JSON numbers). */
export interface SandboxState {
  /** Emulator addition: the emulated time of this reading, and the clock's scale. */
  clock: { now: string; time_scale: number; advance_only: boolean };
  requests: SandboxRequest[];
  outputs: Resource<ConciergeOutputAttributes>[];
  /** Emulator addition: the seed's balances as funding left them. */
  balances: { user_id: string; currency: string; amount: number }[];
  /** Emulator addition: every debit (`funding`) and credit (`refund` of a returned payout), amounts unsigned. */
  movements: {
    user_id: string;
    currency: string;
    amount: number;
    kind: "funding" | "refund";
    request_id: string;
    output_id: string | null;
  }[];
  stats: SandboxStats;
  /** Emulator addition: every user, seeded or created, in id order. */
  users: { id: string; email: string; compliance_state: string }[];
  /** Emulator addition: every live instruction with its private owner, in id order. */
  withdrawal_instructions: { id: string; user_id: string; body: Record<string, unknown> }[];
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:40123/api */
  url: string;
  /** e.g. http://127.0.0.1:40123 (where /_sandbox/* lives) */
  baseUrl: string;
  apiKey: string;
  state(): SandboxState;
  /**
   * How many requests and outputs the world holds and how many calls it was sent: what a test
   * polls for while a run goes on. state() encodes and parses the whole world; this reads three
   * numbers.
   */
  counts(): { requests: number; outputs: number; calls: number };
  /** Same as POST /_sandbox/advance (a bad option throws RangeError). */
  advance(options?: AdvanceOptions): AdvanceResult;
  /** Same as POST /_sandbox/faults: applies from the next call; a fault_seed restarts the sequence. */
  setFaults(faults: Partial<Faults>): void;
  /** Stops listening (callers get connection refused) and keeps the world, as a server outage would. */
  suspend(): Promise<void>;
  /** Listens again on the same port, with the same requests and outputs. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? "127.0.0.1";
  // The same test as for API URLs, whose IPv6 hosts come in brackets.
  if (!isLoopback(host.includes(":") ? `[${host}]` : host)) {
    throw new BatchError("usage", `the sandbox listens on loopback only, got host ${JSON.stringify(host)}`, {
      hint: "use 127.0.0.1, ::1 or localhost",
    });
  }
  const given =
    typeof options.seed === "string"
      ? loadSeed(options.seed)
      : options.seed !== undefined
        ? parseSeed(options.seed)
        : loadSeed(DEFAULT_SEED_PATH);
  const seed = options.apiKey === undefined ? given : { ...given, api_key: options.apiKey };
  const dice = new FaultDice(validFaults(options.faults ?? {}));
  const clock = usage(() => new SandboxClock({ timeScale: options.timeScale, start: options.startTime }));
  const server = new SandboxServer(
    new Store(seed, clock, options.advanceOnly === true),
    dice,
    options.log,
    options.controls ?? true,
  );

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const onError = (error: Error) =>
        reject(new BatchError("usage", `the sandbox cannot listen on ${host}:${port}: ${error.message}`));
      server.http.once("error", onError);
      try {
        server.http.listen(port, host, () => {
          server.http.off("error", onError);
          resolve();
        });
      } catch (error) {
        onError(error as Error); // a bad port number throws here rather than emitting "error"
      }
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      server.cancelTimers();
      server.http.close(() => resolve());
      server.http.closeAllConnections();
    });
  await listen(options.port ?? 0);
  const { port } = server.http.address() as AddressInfo;
  const baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  server.baseUrl = baseUrl;

  return {
    url: `${baseUrl}/api`,
    baseUrl,
    apiKey: seed.api_key,
    state: () => JSON.parse(server.stateJson()) as SandboxState,
    counts: () => ({
      requests: server.store.requestList.length,
      outputs: server.store.outputList.length,
      calls: server.stats.calls,
    }),
    advance: (advanceOptions = {}) => server.store.advance(parseAdvance(advanceOptions)),
    setFaults: (faults) => dice.setFaults(validFaults(faults)),
    suspend: stopListening,
    resume: () => listen(port),
    close: stopListening,
  };
}

/**
 * `bitex-batch sandbox`: start, print the banner (first the line with the URL and the API key), serve
 * until SIGINT or SIGTERM, then close and resolve (the CLI then exits 0). The signal handlers
 * are in place before the line is printed, so whoever reads the line may signal at once.
 */
export async function runSandboxServer(
  options: SandboxOptions & {
    print: (line: string) => void;
    /** The lines printed once it listens [default: the one "listening on" line]. */
    banner?: (sandbox: { url: string; apiKey: string }) => string[];
  },
): Promise<void> {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = () => resolve();
  });
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    const sandbox = await startSandbox(options);
    try {
      const lines = options.banner?.(sandbox) ?? [listeningLine(sandbox)];
      for (const line of lines) options.print(line);
      await stopped;
    } finally {
      await sandbox.close();
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

/** "bitex sandbox listening on http://127.0.0.1:PORT/api (api key: KEY)": the line tools read. */
export function listeningLine(sandbox: { url: string; apiKey: string }): string {
  return `bitex sandbox listening on ${sandbox.url} (api key: ${sandbox.apiKey})`;
}

function validFaults(faults: Partial<Faults>): Partial<Faults> {
  return usage(() => parseFaults(faults));
}

/** A RangeError from checking an option becomes a usage error (exit 2). */
function usage<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw new BatchError("usage", (error as Error).message);
  }
}
