/**
 * The SDK's axios-vcr cassettes as the expected answers: each call the SDK made to the emulator
 * (logged by redirect.cjs) against the cassette's recording of the same method and path.
 */
/** The base URL of the SDK's `environment: 'test'`, which its cassettes were recorded against. */
const SDK_TEST_URL = "https://localhost:3000/api";

/** One line of redirect.cjs's log: a call and the emulator's answer, or why there was none. */
export interface Exchange {
  method: string;
  path: string;
  status?: number;
  contentType?: string | null;
  body?: unknown;
  error?: string;
}

/**
 * Each exchange against the cassette's recording of the same method and path. A failed call was
 * recorded with its status only (axios-vcr keeps no headers or body for it), so only that is compared.
 */
export function againstCassette(exchanges: Exchange[], cassette: object): string[] {
  const recorded = Object.values(cassette).map((entry) => {
    const response = (entry as { originalResponseData: Record<string, unknown> }).originalResponseData;
    const config = response.config as { method: string; url: string };
    const headers = response.headers as Record<string, string> | undefined;
    return {
      call: `${config.method.toUpperCase()} ${config.url.slice(SDK_TEST_URL.length)}`,
      status: response.status,
      contentType: headers === undefined ? undefined : (headers["content-type"] ?? null),
      body: "data" in response ? { value: response.data } : undefined,
    };
  });
  if (exchanges.length === 0) return ["the test made no call"];
  return exchanges.flatMap((exchange) => {
    const call = `${exchange.method} ${exchange.path}`;
    if (exchange.error !== undefined) return [`${call}: no answer (${exchange.error})`];
    const model = recorded.find((r) => r.call === call);
    if (model === undefined) return [`${call}: not in the SDK's cassette (${recorded.map((r) => r.call)})`];
    const problems: string[] = [];
    if (exchange.status !== model.status)
      problems.push(`status ${exchange.status}, recorded ${model.status}`);
    if (model.contentType !== undefined && exchange.contentType !== model.contentType) {
      problems.push(`Content-Type ${exchange.contentType}, recorded ${model.contentType}`);
    }
    if (model.body !== undefined) {
      const [got, want] = [
        JSON.stringify(skeleton(exchange.body)),
        JSON.stringify(skeleton(model.body.value)),
      ];
      if (got !== want) problems.push(`body shape ${got}, recorded ${want}`);
    }
    return problems.map((problem) => `${call}: ${problem}`);
  });
}

/**
 * A body's members and JSON types without its values: an object's keys (sorted) each with its
 * value's skeleton, an array as the distinct skeletons of its items (so lists of different
 * lengths over the same kinds of item compare equal), else the JSON type.
 */
function skeleton(value: unknown): unknown {
  if (value === null) return "null";
  if (Array.isArray(value)) {
    return [...new Set(value.map((item) => JSON.stringify(skeleton(item))))].sort().map((s) => JSON.parse(s));
  }
  if (typeof value === "object") {
    const object = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(object)
        .sort()
        .map((key) => [key, skeleton(object[key])]),
    );
  }
  return typeof value;
}
