/** The two JSON:API documents the hand-written clients send, and a CSV split good enough for bench files. */
import { readFile } from "node:fs/promises";

export type Row = Record<string, string>;

/** Bench files have no quotes or embedded commas, so a split is enough (and is what a quick script does). */
export async function readRows(csv: string): Promise<Row[]> {
  const [headerLine, ...lines] = (await readFile(csv, "utf8")).trim().split("\n");
  const columns = (headerLine ?? "").split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(columns.map((name, i) => [name, cells[i] ?? ""]));
  });
}

export const groupOf = (row: Row) => `${row.payer_user_id}|${row.sender_port}`;

export function requestDocument(row: Row, externalId: string): unknown {
  return {
    data: {
      type: "concierge_requests",
      attributes: { port_code: row.sender_port, external_id: externalId },
      relationships: { user: { data: { type: "users", id: row.payer_user_id } } },
    },
  };
}

export function outputDocument(row: Row, requestId: string): unknown {
  const money = (text: string | undefined) => (text ? Number(text) : null);
  return {
    data: {
      type: "concierge_request_outputs",
      attributes: { port_code: row.port, amount: money(row.amount), budget: money(row.budget) },
      relationships: {
        request: { data: { type: "concierge_requests", id: requestId } },
        user: { data: { type: "users", id: row.recipient_user_id } },
        withdrawal_instruction: {
          data: { type: "withdrawal_instructions", id: row.withdrawal_instruction_id },
        },
      },
    },
  };
}

export function apiHeaders(apiKey: string): Record<string, string> {
  return {
    Authorization: apiKey,
    Accept: "application/vnd.api+json",
    "Content-Type": "application/vnd.api+json",
  };
}
