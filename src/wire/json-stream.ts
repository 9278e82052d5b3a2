/**
 * A JSON object read as it arrives, a piece of text at a time: each root member's value is
 * handed over as text once it ends, except the elements of one array member, handed over one
 * at a time as each ends. A request read with its outputs included is one document of tens
 * of megabytes at 50,000 outputs; read this way, neither its whole text nor its whole tree is
 * ever alive, only the piece in hand and what the callbacks keep. Each value handed over is
 * parsed by its taker, which checks its contents; the structure between them (names, colons,
 * commas, brackets) is checked here.
 *
 * `push` never throws: the first problem (a SyntaxError where the text is not one JSON object,
 * or whatever a callback threw) is kept, later pieces are ignored, and `end` throws it. So a
 * transport can hand over the pieces without knowing what they hold; `push` returns false
 * once the rest is not wanted. A second member named as the streamed one is refused: JSON.parse
 * would keep the last, and its elements cannot be taken back from the taker.
 */

export interface ObjectTaker {
  /** A root member other than the streamed one (or the streamed one when it is not an array). */
  member(name: string, text: string): void;
  /** One element of the streamed member's array, in order. */
  element(text: string): void;
}

export interface PieceReader {
  /** false once a problem was met: the rest of the text changes nothing. */
  push(piece: string): boolean;
  /** After the last piece: throws the first problem met, or that the text ended early. */
  end(): void;
}

/** What comes next between values. */
type Next =
  | "root"
  | "first-name"
  | "name"
  | "colon"
  | "value"
  | "after-value"
  | "first-element"
  | "element"
  | "after-element"
  | "done";

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
/** What ends a number or a literal: a separator, a closing bracket, or white space. */
const endsScalar = (c: number) => c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY || isSpace(c);

/** Reads one JSON object; the elements of its member `streamed`, when an array, one at a time. */
export function objectReader(streamed: string, taker: ObjectTaker): PieceReader {
  let next: Next = "root";
  let name = "";
  let streamedSeen = false;
  let problem: unknown = null;
  let offset = 0; // characters pushed before the piece in hand, for the messages
  // The value being read: its kind, its text so far, and where its scan stands.
  let kind: "none" | "string" | "nested" | "scalar" = "none";
  let parts: string[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;

  const fail = (at: number, what: string) => {
    throw new SyntaxError(`JSON: ${what} at ${offset + at}`);
  };

  /** Scans the value in progress from `from`; its end (exclusive) in `piece`, or -1 if it goes on. */
  function scan(piece: string, from: number): number {
    for (let i = from; i < piece.length; i++) {
      const c = piece.charCodeAt(i);
      if (kind === "scalar") {
        if (endsScalar(c)) return i;
      } else if (escaped) escaped = false;
      else if (c === BACKSLASH) escaped = inString;
      else if (c === QUOTE) {
        if (kind === "string") return i + 1;
        inString = !inString;
      } else if (!inString && (c === OPEN_OBJECT || c === OPEN_ARRAY)) depth++;
      else if (!inString && (c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --depth === 0) return i + 1;
    }
    return -1;
  }

  /** Starts a value at `at`: its kind from its first character. */
  function start(piece: string, at: number) {
    const c = piece.charCodeAt(at);
    kind = c === QUOTE ? "string" : c === OPEN_OBJECT || c === OPEN_ARRAY ? "nested" : "scalar";
    if (kind === "scalar" && endsScalar(c)) fail(at, "expected a value");
    depth = kind === "nested" ? 1 : 0;
    inString = kind === "string";
    escaped = false;
    parts = [];
  }

  /** The value in progress continued through `piece` from `from`: its text, or null if it goes on. */
  function finish(piece: string, from: number, end: number): string | null {
    if (end < 0) {
      parts.push(piece.slice(from));
      return null;
    }
    const text = parts.length === 0 ? piece.slice(from, end) : parts.join("") + piece.slice(from, end);
    parts = [];
    kind = "none";
    return text;
  }

  /** A finished value: where it goes depends on what was being read. */
  function took(text: string) {
    if (next === "first-name" || next === "name") {
      name = JSON.parse(text) as string;
      if (name === streamed) {
        if (streamedSeen) throw new SyntaxError(`JSON: a second member "${streamed}" before ${offset}`);
        streamedSeen = true;
      }
      next = "colon";
    } else if (next === "first-element" || next === "element") {
      taker.element(text);
      next = "after-element";
    } else {
      taker.member(name, text);
      next = "after-value";
    }
  }

  function read(piece: string) {
    let i = 0;
    if (kind !== "none") {
      const end = scan(piece, 0);
      const text = finish(piece, 0, end);
      if (text === null) return;
      took(text);
      i = end;
    }
    while (i < piece.length) {
      const c = piece.charCodeAt(i);
      if (isSpace(c)) {
        i++;
        continue;
      }
      switch (next) {
        case "root":
          if (c !== OPEN_OBJECT) fail(i, "expected {");
          next = "first-name";
          i++;
          continue;
        case "colon":
          if (c !== COLON) fail(i, "expected :");
          next = "value";
          i++;
          continue;
        case "after-value":
          if (c === COMMA) next = "name";
          else if (c === CLOSE_OBJECT) next = "done";
          else fail(i, "expected , or }");
          i++;
          continue;
        case "after-element":
          if (c === COMMA) next = "element";
          else if (c === CLOSE_ARRAY) next = "after-value";
          else fail(i, "expected , or ]");
          i++;
          continue;
        case "done":
          fail(i, "text after the root object");
          break;
        case "first-name":
          if (c === CLOSE_OBJECT) {
            next = "done";
            i++;
            continue;
          }
          if (c !== QUOTE) fail(i, "expected a member name");
          break;
        case "name":
          if (c !== QUOTE) fail(i, "expected a member name");
          break;
        case "value":
          if (name === streamed && c === OPEN_ARRAY) {
            next = "first-element";
            i++;
            continue;
          }
          break;
        case "first-element":
          if (c === CLOSE_ARRAY) {
            next = "after-value";
            i++;
            continue;
          }
          break;
        case "element":
          break;
      }
      start(piece, i);
      const end = scan(piece, kind === "scalar" ? i : i + 1);
      const text = finish(piece, i, end);
      if (text === null) return;
      took(text);
      i = end;
    }
  }

  return {
    push(piece) {
      if (problem !== null) return false;
      try {
        read(piece);
      } catch (error) {
        problem = error;
      }
      offset += piece.length;
      return problem === null;
    },
    end() {
      if (problem !== null) throw problem;
      // A scalar ends at the text's end only as a root member, which a `}` must follow.
      if (next !== "done") throw new SyntaxError(`JSON: the text ended inside the object at ${offset}`);
    },
  };
}
