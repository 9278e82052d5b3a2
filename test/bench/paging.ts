/**
 * Bench figure: `submit` then `status` of one batch against the emulator in every paging
 * convention the client must read (rich; Bitex's own page[page]/page[per_page] at its default
 * 10 a page and at caps 3 and 25; page[number] only; a server ignoring every page parameter), with the exact calls each made. The
 * reports must be identical: a convention changes the number of calls, never a row.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { withoutTimestamps } from "../helpers/report.js";
import { benchFile, writePayroll } from "./data.js";
import { Emulator, type EmulatorOptions } from "./emulator.js";
import { type Figure, runNode } from "./measure.js";

const ROWS = 200;
const TIMEOUT_MS = 300_000;

/**
 * The exact calls of submit and of status in each convention (the bench file's 200 rows make 3
 * requests). status: per request, its lookup by external_id (rich: 1 call; only data: the
 * request and the empty page after it) and its outputs (rich: 1 page of 500; only data:
 * ceil(n / size) + 1), after one read of a request with `?include=outputs` that the server
 * answers without them (every mode here does not include them: their listings are measured).
 */
const MODES: Array<{
  name: string;
  listStyle: EmulatorOptions["listStyle"];
  pageCap?: number;
  calls: [number, number];
}> = [
  { name: "rich", listStyle: "rich", calls: [212, 7] },
  { name: "recorded, 10 a page", listStyle: "recorded", calls: [215, 28] },
  { name: "recorded, 3 a page", listStyle: "recorded", pageCap: 3, calls: [215, 75] },
  { name: "recorded, 25 a page", listStyle: "recorded", pageCap: 25, calls: [215, 16] },
  { name: "page[number] only, 25 a page", listStyle: "bare", calls: [215, 16] },
  // Every list read twice (page 2 repeats page 1), outputs then proven by their request's count.
  { name: "every page parameter ignored", listStyle: "unpaged", calls: [215, 13] },
];

export async function pagingFigure(ctx: { cli: string; dir: string; seed: string }): Promise<Figure> {
  const counts: Array<{
    mode: string;
    submit: number;
    status: number;
    exit: number | null;
    expected: number[];
  }> = [];
  const reports = new Set<string>();
  const file = benchFile(ctx.dir, ROWS);
  await writePayroll(file, ROWS);
  for (const [index, mode] of MODES.entries()) {
    const emulator = await Emulator.start({
      cli: ctx.cli,
      seed: ctx.seed,
      latencyMs: 0,
      rateLimit: 0,
      timeScale: 0,
      listStyle: mode.listStyle,
      pageCap: mode.pageCap,
      includes: "ignored",
    });
    try {
      const report = join(ctx.dir, "reports", `paging-${index}.csv`);
      const args = (command: string) => [
        ctx.cli,
        command,
        file,
        "--state-dir",
        join(ctx.dir, `paging-state-${index}`),
        "--batch-id",
        "bench-paging",
        "--report",
        report,
        // One call at a time: request and output ids then follow the file, so reports compare.
        "--concurrency",
        "1",
        "--rate",
        "1000",
      ];
      const submit = await runNode(args("submit"), { env: emulator.env(), timeoutMs: TIMEOUT_MS });
      if (submit.code !== 0) throw new Error(`${mode.name}: submit exited ${submit.code}`);
      const submitCalls = (await emulator.stats()).calls;
      await emulator.resetStats();
      const status = await runNode(args("status"), { env: emulator.env(), timeoutMs: TIMEOUT_MS });
      const statusCalls = (await emulator.stats()).calls;
      counts.push({
        mode: mode.name,
        submit: submitCalls,
        status: statusCalls,
        exit: status.code,
        expected: mode.calls,
      });
      reports.add(withoutTimestamps(await readFile(report, "utf8")));
    } finally {
      await emulator.stop();
    }
  }
  const exact = counts.every((c) => c.submit === c.expected[0] && c.status === c.expected[1]);
  const same = reports.size === 1 && new Set(counts.map((c) => c.exit)).size === 1 && exact;
  return {
    id: "paging",
    name: `submit + status, ${ROWS} rows, in each paging convention`,
    value: counts.map((c) => `${c.mode}: ${c.submit}+${c.status}`).join("; "),
    reference: `the same report in every convention; calls ${MODES.map((m) => m.calls.join("+")).join("; ")}`,
    ratio: same ? "1.00" : "0.00",
    target: "identical reports, exact calls",
    verdict: same ? "PASS" : "FAIL",
    data: { counts },
    notes: [
      "calls of submit + status per convention; lists with only data end at an empty page (ceil(n / size) + 1 calls a list), rich lists on their one page of 500.",
    ],
  };
}
