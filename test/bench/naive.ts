/**
 * A naive sequential client: the script someone writes by hand instead of using bitex-batch.
 * It creates one request per (payer, sender port) group as it meets it, and each output, one
 * call at a time with fetch, awaiting each response. No retries, no journal: it is the
 * baseline that shows what concurrency buys, not a competitor.
 */
import { performance } from "node:perf_hooks";
import { apiHeaders, groupOf, outputDocument, readRows, requestDocument } from "./wire.js";

export interface NaiveResult {
  rows: number;
  calls: number;
  failures: number;
  wallMs: number;
}

export async function naiveSubmit(
  csv: string,
  api: { url: string; apiKey: string },
  runTag: string,
): Promise<NaiveResult> {
  const started = performance.now();
  const headers = apiHeaders(api.apiKey);
  const post = async (path: string, body: unknown): Promise<{ ok: boolean; id?: string }> => {
    const response = await fetch(`${api.url}${path}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    const document = (await response.json()) as { data?: { id?: string } };
    return { ok: response.ok, id: document.data?.id };
  };
  const rows = await readRows(csv);
  let calls = 0;
  let failures = 0;
  const requests = new Map<string, string>();
  for (const row of rows) {
    const group = groupOf(row);
    let requestId = requests.get(group);
    if (requestId === undefined) {
      calls++;
      const created = await post("/concierge_requests", requestDocument(row, `naive-${runTag}-${group}`));
      if (!created.ok || created.id === undefined)
        throw new Error(`naive client: creating the request for ${group} failed`);
      requestId = created.id;
      requests.set(group, requestId);
    }
    calls++;
    const output = await post("/concierge_request_outputs", outputDocument(row, requestId));
    if (!output.ok) failures++;
  }
  return { rows: rows.length, calls, failures, wallMs: performance.now() - started };
}
