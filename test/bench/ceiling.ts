/**
 * The emulator's practical ceiling on this machine: the leanest concurrent client (node:http
 * keep-alive, one socket per slot, c workers, no validation, no journal, no retries) making
 * the same calls as submit. The ideal `c / latency` ignores the CPU both processes spend per
 * call on a 2-core machine; this shows how much of the gap to the ideal no client can close.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import { apiHeaders, groupOf, outputDocument, readRows, requestDocument } from "./wire.js";

export interface CeilingResult {
  calls: number;
  wallMs: number;
}

export async function ceilingRun(
  csv: string,
  api: { url: string; apiKey: string },
  concurrency: number,
  runTag: string,
): Promise<CeilingResult> {
  const rows = await readRows(csv);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const headers = apiHeaders(api.apiKey);
  const base = new URL(api.url);
  const post = (path: string, document: unknown) =>
    new Promise<{ status: number; id?: string }>((resolve, reject) => {
      const body = JSON.stringify(document);
      const request = http.request(
        {
          host: base.hostname,
          port: base.port,
          path: `${base.pathname}${path}`,
          method: "POST",
          headers: { ...headers, "Content-Length": Buffer.byteLength(body) },
          agent,
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            text += chunk;
          });
          response.on("end", () => {
            const status = response.statusCode ?? 0;
            resolve({ status, id: (JSON.parse(text) as { data?: { id?: string } }).data?.id });
          });
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  const started = performance.now();
  let calls = 0;
  try {
    // Requests first (one per group, in parallel), then every output through c workers.
    const groups = new Map<string, Promise<string>>();
    for (const row of rows) {
      const group = groupOf(row);
      if (groups.has(group)) continue;
      calls++;
      groups.set(
        group,
        post("/concierge_requests", requestDocument(row, `ceiling-${runTag}-${group}`)).then(
          ({ status, id }) => {
            if (status !== 200 || id === undefined)
              throw new Error(`ceiling client: request create answered ${status}`);
            return id;
          },
        ),
      );
    }
    const requestIds = new Map<string, string>();
    for (const [group, id] of groups) requestIds.set(group, await id);
    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const row = rows[next++] as (typeof rows)[number];
        calls++;
        const { status } = await post(
          "/concierge_request_outputs",
          outputDocument(row, requestIds.get(groupOf(row)) as string),
        );
        if (status !== 200) throw new Error(`ceiling client: output create answered ${status}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { calls, wallMs: performance.now() - started };
  } finally {
    agent.destroy();
  }
}
