/**
 * The input file as its batch was submitted, kept beside the journal (owner-only, like the
 * journal). An operator edits the file afterwards (fixes the rows Bitex refused, or puts
 * next month's figures in it); `quote`, `accept` and `status` still finish the batch that
 * was submitted, from this copy, and the remaining file is cut from it.
 */
import { chmod, copyFile, rename, rm, stat } from "node:fs/promises";
import { inputCopyPath } from "./paths.js";

/**
 * Copies `csv` once per batch: "made" now, "kept" by an earlier run, or "changed" when the
 * file changed since it was read (`sameBytes` says of the copy whether its bytes are still
 * the batch's: the copy would not be the batch's rows, so none is kept).
 */
export async function keepInputCopy(
  csv: string,
  stateDir: string,
  batchId: string,
  sameBytes: (copy: string) => Promise<boolean>,
): Promise<"made" | "kept" | "changed"> {
  const target = inputCopyPath(stateDir, batchId);
  if (await stat(target).catch(() => null)) return "kept";
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await copyFile(csv, temp);
    await chmod(temp, 0o600);
    if (!(await sameBytes(temp))) {
      await rm(temp, { force: true });
      return "changed";
    }
    await rename(temp, target);
    return "made";
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
