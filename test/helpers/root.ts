/**
 * The repository's root: the nearest folder above this file with this package's package.json
 * and a tsconfig.json. The tests run from test/ through tsx (`npm run test:unit`, a file at a
 * time) and compiled to JavaScript under node_modules/.cache/ (`npm test`, test/all.sh, which
 * links package.json and fixtures/ in there for src/, without a tsconfig.json), so a path taken
 * relative to a test file ("../../fixtures") is right in only one of the two.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

function rootAbove(dir: string): string {
  const manifest = join(dir, "package.json");
  try {
    const { name } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown };
    if (name === "bitex-batch" && existsSync(join(dir, "tsconfig.json"))) return dir;
  } catch {
    // No readable package.json here: look further up.
  }
  const up = dirname(dir);
  if (up === dir) throw new Error(`no bitex-batch package.json above ${import.meta.dirname}`);
  return rootAbove(up);
}

export const ROOT = rootAbove(import.meta.dirname);

/** A path inside the repository, from its root: `fromRoot("fixtures", "demo", "payroll.csv")`. */
export const fromRoot = (...parts: string[]): string => join(ROOT, ...parts);
