/**
 * Where the parts of a JSON document are, without parsing it: the root object's members and
 * an array's elements, as [start, end) spans of the text. A request read with its outputs
 * included is one document of tens of megabytes at 50,000 outputs; parsed whole, its tree
 * (several objects per output) and the decoded outputs would be alive together. Parsed one
 * element at a time, only the decoded outputs are. Each span is then parsed on its own, which
 * checks its contents; the structure between spans (names, colons, commas, brackets) is
 * checked here. Throws SyntaxError where the text is not one JSON object.
 */

export type Span = readonly [start: number, end: number];

/** Each member of the root object: its name and the span of its value. */
export function rootMembers(text: string): Map<string, Span> {
  const members = new Map<string, Span>();
  let at = expect(text, space(text, 0), "{");
  at = space(text, at);
  if (text.charCodeAt(at) === CLOSE_OBJECT) at++;
  else
    for (;;) {
      const nameEnd = endOfString(text, at);
      const name = JSON.parse(text.slice(at, nameEnd)) as string;
      const start = space(text, expect(text, space(text, nameEnd), ":"));
      const end = endOfValue(text, start);
      members.set(name, [start, end]);
      at = space(text, end);
      if (text.charCodeAt(at) === CLOSE_OBJECT) {
        at++;
        break;
      }
      at = space(text, expect(text, at, ","));
    }
  if (space(text, at) !== text.length) throw new SyntaxError(`JSON: text after the root object at ${at}`);
  return members;
}

/** The span of each element of the array whose span is `array`. */
export function* arrayElements(text: string, [from, to]: Span): Generator<Span> {
  let at = space(text, expect(text, from, "["));
  if (text.charCodeAt(at) === CLOSE_ARRAY) {
    if (at + 1 !== to) throw new SyntaxError(`JSON: unexpected text at ${at + 1}`);
    return;
  }
  for (;;) {
    const end = endOfValue(text, at);
    yield [at, end];
    at = space(text, end);
    if (text.charCodeAt(at) === CLOSE_ARRAY) {
      if (at + 1 !== to) throw new SyntaxError(`JSON: unexpected text at ${at + 1}`);
      return;
    }
    at = space(text, expect(text, at, ","));
  }
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;

function space(text: string, at: number): number {
  let i = at;
  for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  return i;
}

function expect(text: string, at: number, what: string): number {
  if (text[at] !== what) throw new SyntaxError(`JSON: expected ${what} at ${at}`);
  return at + 1;
}

/** The end of the string starting at `at` (its opening quote). */
function endOfString(text: string, at: number): number {
  if (text.charCodeAt(at) !== QUOTE) throw new SyntaxError(`JSON: expected a string at ${at}`);
  for (let from = at + 1; ; ) {
    const quote = text.indexOf('"', from);
    if (quote < 0) throw new SyntaxError(`JSON: unterminated string at ${at}`);
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The end of the value starting at `at`: brackets matched outside strings; a scalar to its delimiter. */
function endOfValue(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) return endOfString(text, at);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    for (let i = at; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) i = endOfString(text, i) - 1;
      else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
      else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --depth === 0) return i + 1;
    }
    throw new SyntaxError(`JSON: unterminated value at ${at}`);
  }
  let i = at;
  while (i < text.length && !SCALAR_END.has(text.charCodeAt(i))) i++;
  if (i === at) throw new SyntaxError(`JSON: expected a value at ${at}`);
  return i;
}

/** What ends a number or a literal: a separator, a closing bracket, or white space. */
const SCALAR_END: ReadonlySet<number> = new Set([44, CLOSE_OBJECT, CLOSE_ARRAY, 32, 9, 10, 13]);
