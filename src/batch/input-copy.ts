import { createReadStream } from "node:fs";
import { chmod, open, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { removeLeftovers, syncDirectory, tempPathFor } from "../disk.js";
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
  if (await stat(target).catch(() => null)) {
    // A copy left readable by others (copied, restored from a backup) holds personal data:
    // owner only again, as the journal beside it. Not ours to change (another user's): left.
    await chmod(target, 0o600).catch(() => undefined);
    return "kept";
  }
  await removeLeftovers(target);
  const temp = tempPathFor(target);
  try {
    // Made new ("wx": never through a file or link already there) and 0600 from its first
    // byte: copyFile would create it with the input's own mode (0644, 0666) until a chmod.
    // On disk before the rename, and the rename on disk after it: a crash never leaves an
    // empty or half copy that later runs take for the batch's rows.
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.chmod(0o600); // exactly 0600, whatever the umask narrowed
      await writeFile(handle, createReadStream(csv)); // every byte, however short each write(2)
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (!(await sameBytes(temp))) {
      await rm(temp, { force: true });
      return "changed";
    }
    await rename(temp, target);
    await syncDirectory(dirname(target));
    return "made";
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
