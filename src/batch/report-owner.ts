/**
 * Whose report a report file is. Two batches of one input name (next month's payroll under
 * `--batch-id payroll-2026-12`, last month's under `payroll-2026-11`) have one default report,
 * `<input>.report.csv`: a `status` of either replaced the other's, and the CSV names no batch.
 * So each batch records, beside its journal (`report.json`), the report file it last wrote and
 * that file's digest; a batch whose default report holds, by its bytes, another batch's of
 * this state directory writes `<input>.<batch dir>.report.<ext>` instead, and the other's
 * stays (as remaining files do, docs/design.md section 7). A file no batch records (an older
 * version's, or changed since) is the batch's own to replace, as before.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { replaceDurably } from "../disk.js";
import { batchDirFor } from "./paths.js";

const RECORD = "report.json";

interface ReportRecord {
  file: string;
  sha256: string;
}

async function digestOf(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function readRecord(batchDir: string): Promise<ReportRecord | null> {
  try {
    const parsed = JSON.parse(await readFile(join(batchDir, RECORD), "utf8")) as Partial<ReportRecord>;
    return typeof parsed.file === "string" && typeof parsed.sha256 === "string"
      ? { file: parsed.file, sha256: parsed.sha256 }
      : null;
  } catch {
    return null;
  }
}

/** `payroll.csv`'s report for batch folder `payroll-2026-11`: `payroll.payroll-2026-11.report.csv`. */
function batchReportPath(plain: string, dirName: string): string {
  const ext = extname(plain);
  return join(dirname(plain), `${basename(plain, `.report${ext}`)}.${dirName}.report${ext}`);
}

/**
 * The report this batch writes: `plain`, unless the file there is the report another batch of
 * `stateDir` last wrote: then this batch's `batchReportPath`, and `heldBy` the other's folder.
 */
export async function ownReportPath(
  plain: string,
  stateDir: string,
  dirName: string,
  /** This batch's own folder, whose records are its own (null: none here, a --sandbox run's). */
  ownDir: string | null = dirName,
): Promise<{ path: string; heldBy?: string }> {
  if (!(await stat(plain).catch(() => null))?.isFile()) return { path: plain };
  const file = resolve(plain);
  // The records first (small files): the report, up to tens of MB, is hashed only when
  // another batch names it.
  let digest: Promise<string | null> | undefined;
  for (const dir of await readdir(stateDir).catch(() => [] as string[])) {
    if (dir === ownDir || dir.startsWith(".")) continue;
    const record = await readRecord(batchDirFor(stateDir, dir));
    if (record?.file !== file) continue;
    digest ??= digestOf(plain).catch(() => null);
    if (record.sha256 === (await digest)) return { path: batchReportPath(plain, dirName), heldBy: dir };
  }
  return { path: plain };
}

/** After writing `reportPath`: the record beside the batch's journal (none for a batch that never began). */
export async function recordReport(journalPath: string, reportPath: string): Promise<void> {
  if (reportPath === "-") return;
  const batchDir = dirname(journalPath);
  // A folder without a journal holds a lock only while a run looks (it goes when the run ends).
  if (!(await stat(journalPath).catch(() => null))?.isFile()) return;
  const record: ReportRecord = { file: resolve(reportPath), sha256: await digestOf(reportPath) };
  await replaceDurably(join(batchDir, RECORD), `${JSON.stringify(record)}\n`);
}
