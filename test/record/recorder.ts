/**
 * Records real exchanges with Bitex's concierge endpoints into fixtures/recorded/, in the
 * format those files already use (fixtures/recorded/README.md):
 *   {"source", "recorded_at", "request": {"method", "path", "headers", "body"},
 *    "response": {"status", "headers", "body"}, "note"?}
 * redacting the API key (`<redacted>`, a `; user=<id>` suffix kept), e-mail addresses
 * (`personN@example.com`, the same address for the same person in every file), users' names
 * and the values of withdrawal instruction bodies (their keys, and country, currency,
 * payment_method and account_type, are kept: they are the shape).
 *
 * The logic is here, importable, so test/record/recorder.test.ts runs it against the local
 * emulator (loopback only). The command is test/record/record.ts (README, "Recording real
 * exchanges"); it needs a Bitex sandbox key and the network, so it never runs in `npm test` or CI.
 */
import { encodeJson, JsonNumber } from "../../src/wire/json.js";
import { isLoopback } from "../../src/wire/loopback.js";

/** One file of fixtures/recorded/. */
export interface Recording {
  source: string;
  recorded_at: string;
  request: { method: string; path: string; headers: Record<string, string>; body: unknown };
  response: { status: number; headers: Record<string, string>; body: unknown };
  note?: string;
}

export interface RecordOptions {
  /** e.g. https://sandbox.bitex.la/api (checkTarget). */
  apiUrl: string;
  apiKey: string;
  /** The request: its port and, when given, its payer (else the key's owner pays). */
  senderPort: string;
  payerUserId?: string;
  /** The one output: payee, destination port, amount (canonical decimal text), instruction. */
  recipientUserId: string;
  port: string;
  amount: string;
  withdrawalInstructionId: string;
  /** Accept the quote once it is in (commits the payer's sandbox money); else cancel the request. */
  accept: boolean;
  /** How long to poll for the quote before accepting; 0: only if it is in at once. */
  quoteWaitMs: number;
  /** Pause between calls (Bitex allows 5 a second). */
  pauseMs: number;
  /** Sent as the `Version` header when set (Bitex's 2019 sandbox recordings send 2.1). */
  version?: string;
  /** Makes the request's external_id: bitex-batch-record-<stamp>. */
  stamp: string;
  fetch?: typeof fetch;
  now?: () => Date;
  /** Told each step as it is done (name and status). */
  log?: (line: string) => void;
}

/** One planned call; `{request_id}` and `{output_id}` stand for ids the API gives on the way. */
export interface PlannedCall {
  name: string;
  method: "GET" | "POST";
  path: string;
  body?: unknown;
  note: string;
}

const MEDIA_TYPE = "application/vnd.api+json";

/**
 * Where a recording may be made: Bitex's sandbox over https, or this machine (the emulator,
 * for trying the script). Never production: recording there would create real requests.
 */
export function checkTarget(apiUrl: string): void {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new RangeError(`--api-url: not a URL: ${JSON.stringify(apiUrl)}`);
  }
  const sandbox = url.protocol === "https:" && url.hostname === "sandbox.bitex.la";
  const local = (url.protocol === "http:" || url.protocol === "https:") && isLoopback(url.hostname);
  if (!sandbox && !local) {
    throw new RangeError(
      `--api-url ${url.origin}: recordings are made against https://sandbox.bitex.la or a loopback address only`,
    );
  }
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    throw new RangeError("--api-url: no credentials, query or fragment in the URL");
  }
}

/** The calls a recording makes, in order (what --dry-run prints). */
export function plan(options: Omit<RecordOptions, "apiKey" | "fetch">): PlannedCall[] {
  const externalId = `bitex-batch-record-${options.stamp}`;
  const user =
    options.payerUserId === undefined ? {} : { relationships: { user: ref("users", options.payerUserId) } };
  const calls: PlannedCall[] = [
    { name: "concierge_ports-list", method: "GET", path: "/concierge_ports", note: "The ports, unpaged." },
    {
      name: "concierge_ports-list-page_size",
      method: "GET",
      path: "/concierge_ports?page[size]=2&page[number]=2",
      note: "Does the list honour JSON:API page[size]/page[number], and does it carry meta or links?",
    },
    {
      name: "concierge_ports-list-per_page",
      method: "GET",
      path: "/concierge_ports?page[per_page]=2&page[number]=2",
      note: "Does the list honour page[per_page] (the Postman collection's parameter)?",
    },
    {
      name: "concierge_requests-list",
      method: "GET",
      path: "/concierge_requests",
      note: "The key's requests.",
    },
    {
      name: "concierge_requests-create",
      method: "POST",
      path: "/concierge_requests",
      body: {
        data: {
          type: "concierge_requests",
          attributes: { port_code: options.senderPort, external_id: externalId },
          ...user,
        },
      },
      note: "A draft request with an external_id, as bitex-batch creates them.",
    },
    {
      name: "concierge_requests-find",
      method: "GET",
      path: "/concierge_requests/{request_id}",
      note: "The draft read back.",
    },
    {
      name: "concierge_requests-list-filter_external_id",
      method: "GET",
      path: `/concierge_requests?filter[external_id]=${externalId}`,
      note: "Is filter[external_id] honoured (only this request listed) or ignored?",
    },
    {
      name: "concierge_request_outputs-create",
      method: "POST",
      path: "/concierge_request_outputs",
      body: {
        data: {
          type: "concierge_request_outputs",
          attributes: { port_code: options.port, amount: new JsonNumber(options.amount), budget: null },
          relationships: {
            request: ref("concierge_requests", "{request_id}"),
            user: ref("users", options.recipientUserId),
            withdrawal_instruction: ref("withdrawal_instructions", options.withdrawalInstructionId),
          },
        },
      },
      note: "One output, as bitex-batch creates them (amount a JSON number). Is `included` there?",
    },
    {
      name: "concierge_request_outputs-find",
      method: "GET",
      path: "/concierge_request_outputs/{output_id}",
      note: "The output read back.",
    },
    {
      name: "concierge_request_outputs-list-filter_request_id",
      method: "GET",
      path: "/concierge_request_outputs?filter[request_id]={request_id}",
      note: "Is filter[request_id] honoured or ignored?",
    },
    {
      name: "concierge_requests-request_quote",
      method: "POST",
      path: "/concierge_requests/{request_id}/request_quote",
      note: "draft → quote_requested: eta and the deadlines.",
    },
  ];
  calls.push(
    options.accept
      ? {
          name: "concierge_requests-accept_quote",
          method: "POST",
          path: "/concierge_requests/{request_id}/accept_quote",
          note: `Once quoted (polled up to ${options.quoteWaitMs} ms): quoted → quote_accepted.`,
        }
      : {
          name: "concierge_requests-cancel",
          method: "POST",
          path: "/concierge_requests/{request_id}/cancel",
          note: "The request is cancelled, so the recording leaves nothing open.",
        },
  );
  return calls;
}

/** Makes every call of the plan, in order, and returns the recordings (redacted). */
export async function record(options: RecordOptions): Promise<{ name: string; recording: Recording }[]> {
  checkTarget(options.apiUrl);
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());
  const base = new URL(options.apiUrl);
  const basePath = base.pathname.replace(/\/+$/, "");
  const redactor = new Redactor(options.apiKey);
  const ids: Record<string, string> = {};
  const fill = (text: string) =>
    text.replace(/\{(request_id|output_id)\}/g, (_, key: string) => ids[key] ?? "");
  const headers: Record<string, string> = { "Content-Type": MEDIA_TYPE, Accept: MEDIA_TYPE };
  if (options.version !== undefined) headers.Version = options.version;
  headers.Authorization = options.apiKey;
  const out: { name: string; recording: Recording }[] = [];
  const pause = () => new Promise((resolve) => setTimeout(resolve, options.pauseMs));

  const send = async (method: string, path: string, body: unknown) => {
    const text = body === undefined ? undefined : fill(encodeJson(body));
    const response = await doFetch(`${base.origin}${basePath}${path}`, { method, headers, body: text });
    const responseText = await response.text();
    return { response, responseText, sentBody: text === undefined ? null : (JSON.parse(text) as unknown) };
  };

  for (const call of plan(options)) {
    if (call.name === "concierge_requests-accept_quote" && !(await quoted())) {
      options.log?.(`${call.name}: skipped, the quote was not in within ${options.quoteWaitMs} ms`);
      continue;
    }
    const path = fill(call.path);
    const { response, responseText, sentBody } = await send(call.method, path, call.body);
    const responseHeaders: Record<string, string> = {};
    const contentType = response.headers.get("content-type");
    if (contentType !== null) responseHeaders["Content-Type"] = contentType;
    const requestId = response.headers.get("x-request-id");
    if (requestId !== null) responseHeaders["X-Request-Id"] = requestId;
    const recording: Recording = {
      source: `bitex-batch test/record/record.ts against ${base.host}`,
      recorded_at: now().toUTCString(),
      request: {
        method: call.method,
        path: `${basePath}${path}`,
        headers: { ...headers },
        body: sentBody,
      },
      response: { status: response.status, headers: responseHeaders, body: parseBody(responseText) },
      note: call.note,
    };
    out.push({ name: call.name, recording: redactor.recording(recording) });
    options.log?.(`${call.name}: ${call.method} ${basePath}${path} → ${response.status}`);
    const created = (recording.response.body as { data?: { id?: unknown } } | null)?.data?.id;
    if (call.name === "concierge_requests-create" || call.name === "concierge_request_outputs-create") {
      if (response.status < 200 || response.status > 299 || typeof created !== "string") {
        options.log?.(`${call.name} was refused: the calls that need its id are not made`);
        break;
      }
      ids[call.name === "concierge_requests-create" ? "request_id" : "output_id"] = created;
    }
    await pause();
  }
  return out;

  /** Polls the request (not recorded) until it is quoted or the wait is over. */
  async function quoted(): Promise<boolean> {
    const deadline = now().getTime() + options.quoteWaitMs;
    for (;;) {
      const { responseText } = await send("GET", fill("/concierge_requests/{request_id}"), undefined);
      const state = (parseBody(responseText) as { data?: { attributes?: { state?: unknown } } } | null)?.data
        ?.attributes?.state;
      if (state === "quoted") return true;
      if (now().getTime() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.max(options.pauseMs, 1000)));
    }
  }
}

/** The file text of a recording, as the files in fixtures/recorded/ are written. */
export function fileText(recording: Recording): string {
  return `${JSON.stringify(recording, null, 2)}\n`;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** Instruction body members that make its shape (kept); every other string value is redacted. */
const SHAPE_MEMBERS = new Set(["country", "currency", "payment_method", "account_type"]);

/**
 * Redacts recordings. One Redactor for a whole session, so a person keeps one address across
 * the files (an output's `included` payee and the users list agree).
 */
export class Redactor {
  private readonly emails = new Map<string, string>();

  constructor(private readonly apiKey: string) {}

  recording(recording: Recording): Recording {
    const copy = this.value(recording) as Recording;
    // Headers: the key is `<redacted>` whatever follows it (`; user=600` stays).
    copy.request.headers.Authorization = (recording.request.headers.Authorization ?? "").replace(
      this.apiKey,
      "<redacted>",
    );
    return copy;
  }

  /** Any JSON value: the key and e-mails in every string; names and instruction bodies in resources. */
  value(input: unknown): unknown {
    if (typeof input === "string") return this.text(input);
    if (Array.isArray(input)) return input.map((item) => this.value(item));
    if (input === null || typeof input !== "object") return input;
    const object = input as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(object)) out[key] = this.value(member);
    const type = object.type;
    const attributes = out.attributes;
    if (typeof attributes === "object" && attributes !== null && !Array.isArray(attributes)) {
      const a = attributes as Record<string, unknown>;
      if (type === "users" && typeof a.name === "string" && !a.name.endsWith("@example.com"))
        a.name = "Test User";
      if (type === "withdrawal_instructions" && typeof a.body === "object" && a.body !== null) {
        a.body = Object.fromEntries(
          Object.entries(a.body as Record<string, unknown>).map(([k, v]) => [
            k,
            typeof v === "string" && !SHAPE_MEMBERS.has(k) ? "<redacted>" : v,
          ]),
        );
      }
    }
    return out;
  }

  private text(input: string): string {
    const keyless = this.apiKey === "" ? input : input.split(this.apiKey).join("<redacted>");
    return keyless.replace(EMAIL, (address) => {
      if (address.toLowerCase().endsWith("@example.com")) return address;
      let replacement = this.emails.get(address.toLowerCase());
      if (replacement === undefined) {
        replacement = `person${this.emails.size + 1}@example.com`;
        this.emails.set(address.toLowerCase(), replacement);
      }
      return replacement;
    });
  }
}

/** JSON when it parses; "" for no body; other text cut to 500 characters (as the 500 HTML is). */
function parseBody(text: string): unknown {
  if (text === "") return "";
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 500);
  }
}

function ref(type: string, id: string) {
  return { data: { type, id } };
}
