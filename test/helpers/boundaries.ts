/**
 * The layers of src/ (docs/design.md section 14), as an allow-list over import lines: a
 * file may import its own folder, and an area of a lower layer; an import up a layer, or
 * sideways into another area of its own layer, is refused unless listed below. The
 * emulator is apart: it imports only src/wire/ and the core, and only the use cases (which
 * start it for --sandbox) and its own command import it. A regex over `import … from "…"`
 * lines is enough: the code imports only by relative path, type-only imports are imports
 * here, and a dynamic import counts too.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** Each area's layer, from the top (the bin) down to the core. */
export const LAYERS: Readonly<Record<string, number>> = {
  cli: 8,
  main: 7,
  commands: 6,
  app: 5,
  read: 4,
  validate: 4,
  plan: 4,
  submit: 4,
  follow: 4,
  export: 4,
  report: 4,
  batch: 3,
  bitex: 3,
  writers: 3,
  wire: 2,
  model: 1,
  "payee-columns": 1,
  decimal: 1,
  ports: 1,
  errors: 1,
  disk: 1,
  redact: 1,
  "edit-distance": 1,
  "shell-words": 1,
  words: 1,
  invisible: 1,
  time: 1,
};

/** Imports sideways within a layer that the design allows ("from>to"); the core's files may use each other. */
const SIDEWAYS: ReadonlySet<string> = new Set([
  "validate>read",
  "follow>validate",
  "follow>report",
  "export>report",
  "batch>bitex",
]);

const EMULATOR = "sandbox";
const EMULATOR_MAY_IMPORT: ReadonlySet<string> = new Set(["wire", "model", "decimal", "ports", "errors"]);
const MAY_IMPORT_EMULATOR: ReadonlySet<string> = new Set(["app", "commands"]);

/** Why `from` may not import `to`, or null when it may. */
export function refusal(from: string, to: string): string | null {
  if (from === EMULATOR) {
    return EMULATOR_MAY_IMPORT.has(to) ? null : "the emulator imports only src/wire/ and the core";
  }
  if (to === EMULATOR) {
    return MAY_IMPORT_EMULATOR.has(from)
      ? null
      : "only the use cases and the sandbox command start the emulator; the client must not lean on it";
  }
  const a = LAYERS[from];
  const b = LAYERS[to];
  if (a === undefined) return `${from} is in no layer (add it to LAYERS, docs/design.md section 14)`;
  if (b === undefined) return `${to} is in no layer (add it to LAYERS, docs/design.md section 14)`;
  if (to === "cli" || (to === "main" && from !== "cli")) return "nothing imports the entry or the bin";
  if (to === "commands" && from !== "main" && from !== "cli")
    return "only the entry and the bin import the commands";
  if (b > a) return `an import up a layer (${from} ${a} -> ${to} ${b})`;
  if (b === a && b > 1 && !SIDEWAYS.has(`${from}>${to}`)) return `a sideways import within layer ${a}`;
  return null;
}

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

/** "src/report/x.ts imports src/submit/y.js: an import up a layer …", one per crossing. */
export function forbiddenImports(root: string): string[] {
  const found: string[] = [];
  for (const [file, target] of importsUnder(root)) {
    if (relative(root, target).startsWith("..")) continue;
    const from = areaOf(root, file);
    const to = areaOf(root, target);
    if (from === to) continue;
    const why = refusal(from, to);
    if (why) found.push(`${relative(root, file)} imports ${relative(root, target)}: ${why}`);
  }
  return found;
}

/**
 * Every circle of imports among the files under `root` (type-only imports included), each
 * as its files from the first in name order; none when the import graph has no loop.
 */
export function circlesUnder(root: string): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const [file, target] of importsUnder(root)) {
    const from = relative(root, file).replace(/\.[cm]?ts$/, "");
    const to = relative(root, target).replace(/\.[cm]?[jt]s$/, "");
    if (to.startsWith("..")) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)?.add(to);
  }
  // Tarjan's strongly connected components: a component of two or more files is a circle.
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (node: string): void => {
    order.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!order.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, order.get(next) as number));
      }
    }
    if (low.get(node) !== order.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) circles.push(component.sort());
  };
  for (const node of [...edges.keys()].sort()) if (!order.has(node)) visit(node);
  return circles;
}
