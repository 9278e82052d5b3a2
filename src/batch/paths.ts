/**
 * Where the journals and locks live by default: one directory per user (docs/design.md section 3),
 * so that every run of a batch on this host shares one lock and one journal wherever it is
 * started from. `$XDG_STATE_HOME/bitex-batch`, else `~/.local/state/bitex-batch`.
 */
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

export const STATE_DIR_DESCRIPTION = "$XDG_STATE_HOME/bitex-batch, else ~/.local/state/bitex-batch";

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const xdg = env.XDG_STATE_HOME;
  // The XDG spec: a relative path there is invalid and is ignored.
  if (xdg && isAbsolute(xdg)) return join(xdg, "bitex-batch");
  return join(home, ".local", "state", "bitex-batch");
}
