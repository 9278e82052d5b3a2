/**
 * JSON for money. JSON.stringify/JSON.parse go through float64, which turns
 * 12345678901234567.89 into 12345678901234568; these two keep the exact digits.
 */
import { randomUUID } from "node:crypto";
import { decimal, normalize, shortestDecimal } from "../decimal.js";

/** A JSON number written verbatim from canonical decimal text. */
export class JsonNumber {
  readonly text: string;

  constructor(text: string) {
    if (!/^\d+(\.\d+)?$/.test(text)) throw new RangeError(`not a canonical decimal: ${JSON.stringify(text)}`);
    // JSON forbids leading zeros ("007"); dropping them keeps the value exact.
    this.text = text.replace(/^0+(?=\d)/, "");
  }
}

/**
 * Each JsonNumber travels through the native JSON.stringify (fast on pages of 500) as a string
 * carrying a per-process random mark, then the quoted mark is swapped for the bare number text.
 * A string in the data could only collide by holding a NUL followed by this process's UUID.
 */
const MARK_ID = randomUUID();
/** Starts with a real NUL character, which JSON.stringify writes as the six characters \u0000. */
const MARK = `\u0000num-${MARK_ID}:`;
const MARKED = new RegExp(`"\\\\u0000num-${MARK_ID}:(\\d+(?:\\.\\d+)?)"`, "g");

/** JSON.stringify for plain data that may hold JsonNumber values; `undefined` members are left out. */
export function encodeJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, member: unknown) =>
    member instanceof JsonNumber ? `${MARK}${member.text}` : member,
  );
  return text === undefined ? "null" : text.replace(MARKED, "$1");
}

/**
 * JSON.parse where the numbers under the keys in `exact` come back as normalized canonical
 * decimal text ("850000.0" → "850000", "1e-8" → "0.00000001") instead of floats.
 * Other numbers are ordinary JavaScript numbers. Throws SyntaxError on invalid JSON.
 */
export function parseJson(text: string, exact: ReadonlySet<string>): unknown {
  const fast = parseMarked(text, exact);
  return fast === SLOW ? parseJsonByScan(text, exact) : fast;
}

/** parseJson read character by character (~8x slower than JSON.parse); what the fast path must agree with. */
export function parseJsonByScan(text: string, exact: ReadonlySet<string>): unknown {
  const parser = new Parser(text, exact);
  const value = parser.value(undefined);
  parser.end();
  return value;
}

/** parseMarked could not read the document exactly: parseJsonByScan does. */
const SLOW = Symbol("slow");
/**
 * A parsed number's mark: this process's random id, which no server knows. Unlike MARK it holds
 * no NUL: JSON can only write that escaped, and escaped strings make JSON.parse much slower.
 */
const READ_MARK = `num-${MARK_ID}:`;
/** A `\u` escape of a character a plain member name may hold: such a name could spell an exact key. */
const ESCAPED_NAME_CHARACTER = /\\u00[3-7][0-9a-fA-F]/;
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const exactMembers = new WeakMap<ReadonlySet<string>, RegExp | null>();

/**
 * `"amount": <number>` for each exact key, or `"amount": [` (an array: read by the slow parser).
 * null when some exact key is not a plain name (then the slow parser reads every document).
 */
function exactMemberPattern(exact: ReadonlySet<string>): RegExp | null {
  let pattern = exactMembers.get(exact);
  if (pattern === undefined) {
    const keys = [...exact];
    pattern = keys.every((key) => PLAIN_NAME.test(key))
      ? new RegExp(
          `"(?:${keys.join("|")})"[ \\t\\n\\r]*:[ \\t\\n\\r]*(?:(-?(?:0|[1-9]\\d*)(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)|\\[)`,
          "g",
        )
      : null;
    exactMembers.set(exact, pattern);
  }
  return pattern;
}

/**
 * The native JSON.parse, exact for money. A member name is found by its quotes only when they
 * are not escaped (inside a JSON string every quote is), so nothing inside a string is taken
 * for a member. One number under an exact key (a request's total) is put back in the parsed
 * value as its exact text: it is the only such member there can be. More (a page of outputs)
 * are first written as marked strings (as encodeJson does), then each marked string in the
 * parsed value becomes its number's exact text; one value token swapped for another leaves the
 * document as valid or invalid as it was. SLOW when the exact parser must read it instead:
 * an exact key holding an array (its elements are exact too), or a `\u` escape that could
 * spell an exact key.
 */
function parseMarked(text: string, exact: ReadonlySet<string>): unknown {
  if (exact.size === 0) return JSON.parse(text);
  const pattern = exactMemberPattern(exact);
  if (pattern === null || ESCAPED_NAME_CHARACTER.test(text)) return SLOW;
  const numbers = exactNumbers(text, pattern);
  if (numbers === SLOW) return SLOW;
  // Without a copy of the text: a request naming 30,000 outputs is megabytes.
  if (numbers.length <= 1) return putBack(JSON.parse(text), exact, numbers[0]);
  const rewritten = text.replace(pattern, (member: string, number: string | undefined, at: number) =>
    escaped(text, at) || number === undefined
      ? member
      : `${member.slice(0, -number.length)}"${READ_MARK}${number}"`,
  );
  return unmark(JSON.parse(rewritten), numbers.length);
}

/** The number text of each exact member, in document order; SLOW for an exact key holding an array. */
function exactNumbers(text: string, pattern: RegExp): string[] | typeof SLOW {
  const numbers: string[] = [];
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    if (escaped(text, match.index)) continue;
    if (match[1] === undefined) return SLOW;
    numbers.push(match[1]);
  }
  return numbers;
}

/**
 * The one member under an exact key holding a number (the text held only `number` there) gets
 * its exact text. None may be left: a later member of the same name took its place.
 */
function putBack(root: unknown, exact: ReadonlySet<string>, number: string | undefined): unknown {
  if (number === undefined) return root;
  // Depth first in document order: a resource's attributes come before its relationships.
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null) continue;
    const members = node as Record<string, unknown>;
    const keys = Object.keys(members);
    for (const key of keys) {
      if (typeof members[key] === "number" && exact.has(key) && !Array.isArray(node)) {
        members[key] = exactText(number);
        return root;
      }
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const member = members[keys[i] as string];
      if (typeof member === "object" && member !== null) stack.push(member);
    }
  }
  return root;
}

/** Whether the character at `at` is escaped: an odd number of backslashes before it. */
function escaped(text: string, at: number): boolean {
  let backslashes = 0;
  while (at - backslashes > 0 && text.charCodeAt(at - backslashes - 1) === 92) backslashes++;
  return backslashes % 2 === 1;
}

/** Replaces the `count` marked strings in `root` (walked without recursion) by their exact text. */
function unmark(root: unknown, count: number): unknown {
  const stack: unknown[] = [root];
  let left = count;
  while (left > 0 && stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null) continue;
    const members = node as Record<string, unknown>;
    for (const key of Object.keys(members)) {
      const member = members[key];
      if (typeof member === "string") {
        if (member.startsWith(READ_MARK)) {
          members[key] = exactText(member.slice(READ_MARK.length));
          left--;
        }
      } else if (typeof member === "object" && member !== null) stack.push(member);
    }
  }
  return root;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings may not hold raw control characters
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const SPACE = /[ \t\n\r]*/y;

class Parser {
  private at = 0;

  constructor(
    private readonly text: string,
    private readonly exact: ReadonlySet<string>,
  ) {}

  value(key: string | undefined): unknown {
    this.space();
    const c = this.text[this.at];
    if (c === "{") return this.object();
    if (c === "[") return this.array(key);
    if (c === '"') return JSON.parse(this.match(STRING, "a string"));
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return v;
      }
    }
    const number = this.match(NUMBER, "a value");
    return key !== undefined && this.exact.has(key) ? exactText(number) : Number(number);
  }

  end(): void {
    this.space();
    if (this.at !== this.text.length) this.fail("end of input");
  }

  private object(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.at++;
    if (this.eat("}")) return result;
    for (;;) {
      this.space();
      const key = JSON.parse(this.match(STRING, "a member name")) as string;
      this.expect(":");
      // defineProperty: a "__proto__" member must stay plain data.
      Object.defineProperty(result, key, {
        value: this.value(key),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      if (this.eat("}")) return result;
      this.expect(",");
    }
  }

  /** Array elements inherit the array's key, so `"amounts": [1.10]` would be exact too. */
  private array(key: string | undefined): unknown[] {
    const result: unknown[] = [];
    this.at++;
    if (this.eat("]")) return result;
    for (;;) {
      result.push(this.value(key));
      if (this.eat("]")) return result;
      this.expect(",");
    }
  }

  private peek(): string | undefined {
    this.space();
    return this.text[this.at];
  }

  private eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.at++;
    return true;
  }

  private expect(c: string): void {
    if (!this.eat(c)) this.fail(`"${c}"`);
  }

  private match(pattern: RegExp, what: string): string {
    pattern.lastIndex = this.at;
    const m = pattern.exec(this.text);
    if (!m) return this.fail(what);
    this.at = pattern.lastIndex;
    return m[0];
  }

  private space(): void {
    SPACE.lastIndex = this.at;
    SPACE.exec(this.text);
    this.at = SPACE.lastIndex;
  }

  private fail(what: string): never {
    throw new SyntaxError(`invalid JSON at position ${this.at}: expected ${what}`);
  }
}

const PLAIN_NUMBER = /^\d+(?:\.\d+)?$/;
/** A string of its own (its characters are ASCII digits and a point). */
const copied = (text: string) => (text.length < 13 ? text : Buffer.from(text, "latin1").toString("latin1"));

/** JSON number text → normalized canonical decimal text, exponent applied exactly. */
export function exactText(number: string): string {
  // The common case, without bigint: a plain number's text only loses its needless zeros. A
  // copy: V8 keeps a part of 13 or more characters as a view of its whole, and an amount kept
  // for the report must not keep the answer, or the piece of it, it was read from.
  if (PLAIN_NUMBER.test(number)) return copied(shortestDecimal(number));
  const [mantissa = "", exponentText] = number.toLowerCase().split("e");
  const value = decimal(mantissa);
  const exponent = Number(exponentText ?? 0);
  // No amount needs more; an exponent like 1e999999 would otherwise build a huge bigint.
  if (Math.abs(exponent) > 100) throw new SyntaxError(`number out of range for an amount: ${number}`);
  if (exponent >= 0) return normalize({ units: value.units * 10n ** BigInt(exponent), scale: value.scale });
  return normalize({ units: value.units, scale: value.scale - exponent });
}
