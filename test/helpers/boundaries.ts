/**
 * The boundaries between the folders of src/, as a check over import lines (docs/design.md section 14): the
 * client and the emulator share only src/wire/, the report never reaches into submit, and
 * only the CLI imports the commands. A regex over `import … from "…"` lines is enough: the
 * code imports only by relative path, and a boundary crossed by a dynamic import counts too.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** `from` must not import `to`; "*" is any area. */
interface Rule {
  from: string;
  to: string;
  /** Areas the rule does not hold for (with `from: "*"`). */
  except?: readonly string[];
  why: string;
}

export const RULES: readonly Rule[] = [
  { from: "sandbox", to: "bitex", why: "the emulator shares only src/wire/ with the client" },
  { from: "bitex", to: "sandbox", why: "the client must not lean on the emulator it is tested against" },
  { from: "report", to: "submit", why: "the report is made from outcomes, not from the engine" },
  { from: "bitex", to: "commands", why: "the client knows nothing of the command line" },
  {
    from: "*",
    to: "commands",
    except: ["commands", "cli", "main"],
    why: "only the CLI and the commands themselves import the commands",
  },
];

/** A file's area: its folder right under `root`, or its name without extension at the top. */
function areaOf(root: string, file: string): string {
  const [first = "", ...rest] = relative(root, file).split(sep);
  return rest.length > 0 ? first : first.replace(/\.[cm]?[jt]s$/, "");
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?ts$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

const IMPORTS = [
  /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm,
  /^\s*import\s*["']([^"']+)["']/gm,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
];

/** Every relative import of every source file under `root`, as [file, imported file]. */
export function importsUnder(root: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const file of sourceFiles(root)) {
    const text = readFileSync(file, "utf8");
    for (const pattern of IMPORTS) {
      for (const match of text.matchAll(pattern)) {
        const specifier = match[1] as string;
        if (specifier.startsWith(".")) pairs.push([file, resolve(dirname(file), specifier)]);
      }
    }
  }
  return pairs;
}

/** "src/report/x.ts imports src/submit/y.js: the report is made from …", one per crossing. */
export function forbiddenImports(root: string): string[] {
  const found: string[] = [];
  for (const [file, target] of importsUnder(root)) {
    if (relative(root, target).startsWith("..")) continue;
    const from = areaOf(root, file);
    const to = areaOf(root, target);
    if (from === to) continue;
    for (const rule of RULES) {
      const fromMatches = rule.from === "*" ? !rule.except?.includes(from) : rule.from === from;
      if (fromMatches && rule.to === to) {
        found.push(`${relative(root, file)} imports ${relative(root, target)}: ${rule.why}`);
      }
    }
  }
  return found;
}
