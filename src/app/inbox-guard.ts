/**
 * The drop folder's guard file, `max-total.txt`: what `--max-total` says, kept in the folder
 * beside the payrolls it limits, so the person who drops the files sets the limit too. One
 * CUR=AMOUNT a line (the sender currency; each file's batch is held to it); blank lines and
 * `#` comments are ignored. Read at the start of every run.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { BatchError } from "../errors.js";
import { parseExpectedTotal } from "../validate/control.js";
import { GUARD_FILE } from "./inbox-files.js";

/** The limits for this run: `--max-total` or the guard file, never both (which would win is a guess). */
export async function readGuard(dir: string, fromFlags: string[] | undefined): Promise<string[] | undefined> {
  const path = join(dir, GUARD_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return fromFlags;
    throw error;
  }
  if (fromFlags !== undefined && fromFlags.length > 0)
    throw new BatchError("usage", `--max-total is given and ${path} exists: which limit holds is not clear`, {
      hint: `keep one: remove ${GUARD_FILE} from the folder, or drop --max-total`,
    });
  const totals: string[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    if (!parseExpectedTotal(line))
      throw new BatchError("usage", `${path}:${i + 1}: ${JSON.stringify(line)} is not CUR=AMOUNT`, {
        hint: "one limit a line in the sender currency, like ARS=25000000",
      });
    totals.push(line);
  }
  return totals;
}
