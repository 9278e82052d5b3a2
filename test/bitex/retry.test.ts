import { expect } from "chai";
import type { ApiErrorKind, Sent } from "../../src/bitex/errors.js";
import {
  parseRetryAfter,
  type RetryDecision,
  type RetryPolicy,
  retryDecision,
} from "../../src/bitex/retry.js";

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 600, retryAfterCapMs: 5000 };

type Row = [
  name: string,
  attempt: number,
  error: { kind: ApiErrorKind; status?: number; retryAfterMs?: number; sent: Sent },
  idempotent: boolean,
  random: number,
  expected: RetryDecision,
];

const refused = { kind: "network", sent: "no" } as const;
const reset = { kind: "network", sent: "maybe" } as const;
const timeout = { kind: "timeout", sent: "maybe" } as const;
const s503 = { kind: "server", status: 503, sent: "maybe" } as const;
const s429 = { kind: "rate_limited", status: 429, sent: "no" } as const;

// delay = random × min(maxDelay, base × 2^(attempt−1)), floored to whole ms.
const table: Row[] = [
  ["GET 503, attempt 1, full jitter", 1, s503, true, 0.5, { retry: true, delayMs: 50 }],
  ["GET 503, attempt 2", 2, s503, true, 0.5, { retry: true, delayMs: 100 }],
  ["GET 503, attempt 3", 3, s503, true, 0.999, { retry: true, delayMs: 399 }],
  ["GET 503, attempt 4 capped at maxDelay", 4, s503, true, 1 - 1e-9, { retry: true, delayMs: 599 }],
  [
    "GET 500, random 0 → no wait",
    1,
    { kind: "server", status: 500, sent: "maybe" },
    true,
    0,
    { retry: true, delayMs: 0 },
  ],
  ["GET 502", 2, { kind: "server", status: 502, sent: "maybe" }, true, 0.25, { retry: true, delayMs: 50 }],
  ["GET 408", 1, { kind: "timeout", status: 408, sent: "no" }, true, 1 - 1e-9, { retry: true, delayMs: 99 }],
  ["GET 425", 1, { kind: "server", status: 425, sent: "no" }, true, 0.5, { retry: true, delayMs: 50 }],
  ["GET reset", 1, reset, true, 0.5, { retry: true, delayMs: 50 }],
  ["GET timeout", 2, timeout, true, 0.5, { retry: true, delayMs: 100 }],
  ["GET refused", 1, refused, true, 0.5, { retry: true, delayMs: 50 }],
  ["GET 5th attempt failed: exhausted", 5, s503, true, 0.5, { retry: false, reason: "attempts_exhausted" }],
  ["GET 429 without Retry-After: backoff", 2, s429, true, 0.5, { retry: true, delayMs: 100 }],
  [
    "GET 429 Retry-After honoured",
    1,
    { ...s429, retryAfterMs: 2000 },
    true,
    0.5,
    { retry: true, delayMs: 2000 },
  ],
  [
    "GET 429 Retry-After capped",
    1,
    { ...s429, retryAfterMs: 120_000 },
    true,
    0.5,
    { retry: true, delayMs: 5000 },
  ],
  ["GET 429 Retry-After 0", 1, { ...s429, retryAfterMs: 0 }, true, 0.5, { retry: true, delayMs: 0 }],
  ["GET 503 with Retry-After", 1, { ...s503, retryAfterMs: 3000 }, true, 0.5, { retry: true, delayMs: 3000 }],
  [
    "POST 429: server did not act, retried",
    1,
    { ...s429, retryAfterMs: 1000 },
    false,
    0.5,
    { retry: true, delayMs: 1000 },
  ],
  ["POST refused: never sent, retried", 3, refused, false, 0.5, { retry: true, delayMs: 200 }],
  [
    "POST 408: a proxy may have passed it on, ambiguous",
    1,
    { kind: "timeout", status: 408, sent: "maybe" },
    false,
    0.5,
    { retry: false, reason: "ambiguous" },
  ],
  [
    "POST 425 from Bitex itself: not processed, retried",
    1,
    { kind: "server", status: 425, sent: "no" },
    false,
    0.5,
    { retry: true, delayMs: 50 },
  ],
  ["POST 503: ambiguous", 1, s503, false, 0.5, { retry: false, reason: "ambiguous" }],
  ["POST reset: ambiguous", 1, reset, false, 0.5, { retry: false, reason: "ambiguous" }],
  ["POST timeout: ambiguous", 1, timeout, false, 0.5, { retry: false, reason: "ambiguous" }],
  [
    "POST 429 at the last attempt: exhausted",
    5,
    s429,
    false,
    0.5,
    { retry: false, reason: "attempts_exhausted" },
  ],
  [
    "401",
    1,
    { kind: "unauthorized", status: 401, sent: "no" },
    true,
    0.5,
    { retry: false, reason: "not_retryable" },
  ],
  [
    "404",
    1,
    { kind: "not_found", status: 404, sent: "no" },
    true,
    0.5,
    { retry: false, reason: "not_retryable" },
  ],
  [
    "422",
    1,
    { kind: "validation", status: 422, sent: "no" },
    false,
    0.5,
    { retry: false, reason: "not_retryable" },
  ],
  [
    "400",
    1,
    { kind: "client", status: 400, sent: "no" },
    true,
    0.5,
    { retry: false, reason: "not_retryable" },
  ],
  [
    "2xx bad body",
    1,
    { kind: "bad_response", status: 200, sent: "maybe" },
    true,
    0.5,
    { retry: false, reason: "not_retryable" },
  ],
  [
    "interrupted",
    1,
    { kind: "interrupted", sent: "maybe" },
    true,
    0.5,
    { retry: false, reason: "not_retryable" },
  ],
];

describe("bitex retryDecision", () => {
  for (const [name, attempt, error, idempotent, random, expected] of table) {
    it(name, () => {
      expect(retryDecision({ attempt, error, idempotent, policy, random: () => random })).to.deep.equal(
        expected,
      );
    });
  }

  it("a POST with an ambiguous error is refused even on its first attempt with attempts to spare", () => {
    const decision = retryDecision({ attempt: 1, error: s503, idempotent: false, policy, random: () => 0 });
    expect(decision).to.deep.equal({ retry: false, reason: "ambiguous" });
  });
});

describe("bitex parseRetryAfter", () => {
  const now = Date.parse("2025-03-01T12:00:00Z");
  const table: [string | null | undefined, number | undefined][] = [
    ["0", 0],
    ["1", 1000],
    [" 2 ", 2000],
    ["120", 120_000],
    ["0.5", 500],
    ["Sat, 01 Mar 2025 12:00:03 GMT", 3000],
    ["Saturday, 01-Mar-25 12:00:10 GMT", 10_000],
    ["Sat Mar  1 12:01:00 2025", 60_000],
    ["Sat, 01 Mar 2025 11:59:00 GMT", 0],
    ["-1", undefined],
    ["1e3", undefined],
    ["soon", undefined],
    ["2025-03-01T12:00:05Z", undefined],
    ["Sat, 01 Mar 2025 12:00:03", undefined],
    ["", undefined],
    [null, undefined],
    [undefined, undefined],
  ];
  for (const [value, expected] of table) {
    it(`${JSON.stringify(value)} → ${expected}`, () => {
      expect(parseRetryAfter(value, now)).to.equal(expected);
    });
  }

  it("a huge delay is returned as is; the policy caps it", () => {
    const ms = parseRetryAfter("86400", now);
    expect(ms).to.equal(86_400_000);
    const decision = retryDecision({
      attempt: 1,
      error: { kind: "rate_limited", status: 429, retryAfterMs: ms, sent: "no" },
      idempotent: true,
      policy,
      random: () => 0.5,
    });
    expect(decision).to.deep.equal({ retry: true, delayMs: 5000 });
  });
});
