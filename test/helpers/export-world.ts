/**
 * The export tests' world: two payers, three payees, and past requests around November 2026's
 * edges. Buenos Aires is UTC-3, so 2026-11-01T02:30Z is still October there but November in
 * UTC, and 2026-12-01T00:00Z and 01:00Z are still November there but December in UTC.
 * Ids do not follow created_at (10 is older than 9) and output ids cross a digit (99, 100),
 * so only a numeric, time-first sort gets the order right.
 */
import type { Seed } from "../../src/sandbox/index.js";

export const EXPORT_HEADER = [
  "request_id",
  "external_id",
  "batch_id",
  "reference",
  "line",
  "payer_user_id",
  "sender_port",
  "request_state",
  "request_created_at",
  "output_id",
  "recipient_user_id",
  "port",
  "withdrawal_instruction_id",
  "receive_amount",
  "receive_currency",
  "spend_amount",
  "spend_currency",
  "state",
  "cancellation_reason",
  "updated_at",
  "request_placed_by",
];

/** Submitted by the e2e test: lines 2, 3, 4; two requests (112 from ARS, 113 from USD). */
export const PAYROLL_CSV = [
  "reference,payer_user_id,sender_port,recipient_user_id,port,amount,budget,withdrawal_instruction_id",
  "EMP-1,112,ar_ars,300,cl_clp,850000,,2100",
  "EMP-2,112,ar_ars,301,uy_uyu,1200.5,,2101",
  "EMP-3,113,us_usd,302,us_usd,,99.90,2102",
  "",
].join("\n");

type Out = Record<string, unknown>;
const out = (
  id: string,
  user: string,
  port: string,
  instruction: string,
  figures: Out,
  state: string,
): Out => ({
  id,
  user_id: user,
  port_code: port,
  withdrawal_instruction_id: instruction,
  ...figures,
  state,
});
const ana = (id: string, figures: Out, state: string) => out(id, "300", "cl_clp", "2100", figures, state);
const bruno = (id: string, figures: Out, state: string) => out(id, "301", "uy_uyu", "2101", figures, state);
const carla = (id: string, figures: Out, state: string) => out(id, "302", "us_usd", "2102", figures, state);

export function exportSeed(): Seed {
  const ars = { user_id: "112", port_code: "ar_ars", external_id: null };
  const requests = [
    {
      id: "5",
      ...ars,
      created_at: "2026-10-31T12:00:00Z",
      state: "finished",
      outputs: [ana("50", { amount: "1000", budget: "1100.00" }, "settled")],
    },
    {
      id: "6",
      ...ars,
      external_id: "bb-old-1",
      created_at: "2026-11-01T02:30:00Z",
      state: "finished",
      outputs: [bruno("60", { amount: "500.5", budget: "12000" }, "settled")],
    },
    {
      id: "7",
      ...ars,
      created_at: "2026-11-01T03:00:00Z",
      state: "finished",
      total_to_spend: "1520650.50",
      outputs: [
        ana("100", { amount: "19000", budget: "20650" }, "settled"),
        {
          ...bruno("99", { amount: "44328", budget: "1500000.5" }, "returned"),
          updated_at: "2026-11-03T12:15:00Z",
        },
      ],
    },
    {
      id: "8",
      user_id: "113",
      port_code: "us_usd",
      external_id: "uy-payroll-11",
      created_at: "2026-11-15T13:00:00Z",
      state: "cancelled",
      cancellation_reason: "quote_not_accepted",
      outputs: [carla("80", { amount: null, budget: "250" }, "cancelled")],
    },
    {
      id: "9",
      ...ars,
      created_at: "2026-12-01T01:00:00Z",
      state: "working",
      outputs: [ana("90", { amount: "7000", budget: "7600.25" }, "settling")],
    },
    {
      id: "10",
      ...ars,
      created_at: "2026-12-01T00:00:00Z",
      state: "finished",
      outputs: [bruno("101", { amount: "10", budget: "300" }, "settled")],
    },
    {
      id: "11",
      ...ars,
      created_at: "2026-12-01T03:00:00Z",
      state: "finished",
      outputs: [ana("110", { amount: "5", budget: "6" }, "settled")],
    },
    {
      id: "12",
      ...ars,
      external_id: '=HYPERLINK("x")',
      created_at: "2026-11-01T00:00:00-03:00",
      state: "finished",
      outputs: [carla("120", { amount: "75.50", budget: "90000" }, "rejected")],
    },
  ];
  const seed = {
    api_key: "export-key",
    owner_user_id: "112",
    users: [
      { id: "112", email: "payroll@example.com", compliance_state: "enabled" },
      { id: "113", email: "payroll-uy@example.com", compliance_state: "enabled" },
      { id: "300", email: "ana@example.com", compliance_state: "enabled" },
      { id: "301", email: "bruno@example.com", compliance_state: "enabled" },
      { id: "302", email: "carla@example.com", compliance_state: "enabled" },
    ],
    withdrawal_instructions: [
      { id: "2100", user_id: "300", port_code: "cl_clp", label: "Ana", body: {}, outcome: "settled" },
      { id: "2101", user_id: "301", port_code: "uy_uyu", label: "Bruno", body: {}, outcome: "returned" },
      { id: "2102", user_id: "302", port_code: "us_usd", label: "Carla", body: {}, outcome: "settled" },
    ],
    balances: [
      { user_id: "112", currency: "ars", amount: "100000000.00" },
      { user_id: "113", currency: "usd", amount: "100000.00" },
    ],
    rates: [
      { from: "ar_ars", to: "cl_clp", rate: "0.95", fee_rate: "0.01" },
      { from: "ar_ars", to: "uy_uyu", rate: "0.04", fee_rate: "0.01" },
      { from: "us_usd", to: "us_usd", rate: "1", fee_rate: "0.01" },
    ],
    requests,
  };
  // The seed is JSON, as a file would be; parseSeed checks and normalises it.
  return seed as unknown as Seed;
}

/**
 * Longer than one page of anything (the client asks for 500 a page): 1,203 requests, of which
 * only 5, 600 and 1203 (one on each page) are of November 2026, and 600 holds 600 outputs.
 */
export function pagedSeed(): Seed {
  const seed = exportSeed() as unknown as { requests: unknown[] };
  let nextOutput = 1;
  const november = new Map([
    [5, "2026-11-20T12:00:00Z"],
    [600, "2026-11-03T12:00:00Z"],
    [1203, "2026-11-11T12:00:00Z"],
  ]);
  seed.requests = Array.from({ length: 1203 }, (_, i) => {
    const id = i + 1;
    const outputs = id === 600 ? 600 : november.has(id) ? 1 : 0;
    const first = nextOutput;
    nextOutput += outputs;
    return {
      id: String(id),
      user_id: "112",
      port_code: "ar_ars",
      external_id: null,
      created_at: november.get(id) ?? "2026-10-10T12:00:00Z",
      state: "finished",
      outputs: Array.from({ length: outputs }, (_, k) =>
        ana(String(first + k), { amount: String(1000 + k), budget: "1.01" }, "settled"),
      ),
    };
  });
  return seed as unknown as Seed;
}
