/**
 * The key from BITEX_API_KEY_FILE. Apart from connect.ts so that the command line (main.ts),
 * which hides the key from every message, does not load the API client to read it.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { platform } from "node:os";
import { dirname } from "node:path";
import { BatchError } from "../errors.js";

/**
 * BITEX_API_KEY without the spaces around it (a key pasted with one): an HTTP server drops
 * them from a header's value, so the key it holds, and may echo back, is the trimmed one,
 * which is the one sent, scrubbed from answers and hidden from every line.
 */
export function keyFromEnv(env: NodeJS.ProcessEnv): string {
  return (env.BITEX_API_KEY ?? "").trim();
}

/**
 * BITEX_API_KEY_FILE: the key from a file only its owner can read (cron, shared machines).
 * A file that the group or others can read is refused: the key would not be secret.
 */
export function keyFromFile(path: string | undefined): string {
  if (path === undefined || path === "") return "";
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    // A base64 key holds slashes: a "path" whose folder does not exist either is not shown.
    const nowhere = code === "ENOENT" && !existsSync(dirname(path));
    if (looksLikeKey(path) || nowhere)
      throw new BatchError(
        "auth",
        nowhere
          ? `BITEX_API_KEY_FILE cannot be read (${code}); its value is not shown: no folder of that name exists, and it may be a key, not a file's name`
          : `BITEX_API_KEY_FILE cannot be read (${code}); its value is not shown: with no dot or slash and ${path.length} characters long, it looks like a key, not a file's name`,
        {
          hint: "put the key in a file only you can read and set BITEX_API_KEY_FILE to that file's path (or set BITEX_API_KEY)",
        },
      );
    throw new BatchError("auth", `BITEX_API_KEY_FILE ${path} cannot be read (${code})`, {
      hint: "point BITEX_API_KEY_FILE at the file that holds the key, readable by you",
    });
  }
  if (platform() !== "win32" && (mode & 0o077) !== 0) {
    throw new BatchError(
      "auth",
      `BITEX_API_KEY_FILE ${path} can be read by others (mode ${(mode & 0o777).toString(8)}); the key would not be secret`,
      { hint: `chmod 600 ${path}, then run again` },
    );
  }
  const key = text.trim();
  if (key === "" || /\s/.test(key)) {
    throw new BatchError("auth", `BITEX_API_KEY_FILE ${path} does not hold one key on one line`, {
      hint: "put only the key in the file",
    });
  }
  return key;
}

/** The key itself given where its file's name goes: long, with no dot and no slash. */
const looksLikeKey = (path: string) => path.length >= 16 && !/[./\\]/.test(path);
