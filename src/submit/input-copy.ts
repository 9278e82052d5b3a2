/**
 * The input file as its batch was submitted, kept beside the journal (owner-only, like the
 * journal). An operator edits the file afterwards (fixes the rows Bitex refused, or puts
 * next month's figures in it); `quote`, `accept` and `status` still finish the batch that
 * was submitted, from this copy, and the remaining file is cut from it.
 */
import { createReadStream } from "node:fs";
import { chmod, copyFile, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { batchIdHash, batchIdOf } from "../plan/plan.js";

export const inputCopyPath = (stateDir: string, batchId: string) => join(stateDir, batchId, "input.csv");

/** The id the bytes of `path` give under the file name `name` (as `loadBatch` derives it). */
export async function contentIdOf(path: string, name: string): Promise<string> {
  const hash = batchIdHash(name);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return batchIdOf(hash);
}

/**
 * Copies `csv` once per batch; false when the file changed since it was read (the copy
 * would not be the batch's rows, so none is kept).
 */
export async function keepInputCopy(
  csv: string,
  stateDir: string,
  batchId: string,
  contentId: string,
): Promise<boolean> {
  const target = inputCopyPath(stateDir, batchId);
  if (await stat(target).catch(() => null)) return true;
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await copyFile(csv, temp);
    await chmod(temp, 0o600);
    if ((await contentIdOf(temp, basename(csv))) !== contentId) {
      await rm(temp, { force: true });
      return false;
    }
    await rename(temp, target);
    return true;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
