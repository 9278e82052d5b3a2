/**
 * A streaming scanner for the XML a workbook's parts are written in, several times faster
 * than a general parser on a 100,000-row sheet: it finds tags with `indexOf`, cuts out and
 * decodes only the attribute values asked for, and decodes entities only where there is an `&`.
 *
 * What it reads: elements (names given without their namespace prefix), attributes in single
 * or double quotes, text, CDATA, the five named entities and character references; comments
 * and processing instructions are skipped. What it refuses, as damage: a document type
 * declaration (no Office writer emits one, and it could define entities), an unknown entity
 * (in text, or in an attribute value that is read), a close tag that does not match its
 * open tag, an attribute without quotes, a tag, comment or CDATA section still unfinished
 * past 1 MB (MAX_PENDING), and a document that ends inside a tag or with elements open.
 * Namespaces are not resolved: SpreadsheetML's element names are the same under any prefix.
 */

/**
 * An element's attributes, valid only during its `open` event: one object serves every
 * element (a sheet has millions), and a value is cut out of the XML and decoded only when
 * asked for. Names as written (`r:id`, `xml:space`).
 */
export class Attributes {
  private source = "";
  /** Per attribute: name start, name end, value start, value end (in `source`). */
  private readonly at: number[] = [];
  private count = 0;

  get(name: string): string | undefined {
    const { at, source } = this;
    for (let i = 0; i < this.count * 4; i += 4) {
      const start = at[i] as number;
      if ((at[i + 1] as number) - start === name.length && source.startsWith(name, start))
        return this.value(i);
    }
    return undefined;
  }

  /** By local name: `id` finds `r:id`, whatever the prefix. */
  getLocal(name: string): string | undefined {
    for (let i = 0; i < this.count * 4; i += 4) if (localName(this.name(i)) === name) return this.value(i);
    return undefined;
  }

  /** Every attribute, for a test to look at. */
  entries(): Array<[string, string]> {
    const all: Array<[string, string]> = [];
    for (let i = 0; i < this.count * 4; i += 4) all.push([this.name(i), this.value(i)]);
    return all;
  }

  private name(i: number): string {
    return this.source.slice(this.at[i], this.at[i + 1]);
  }

  private value(i: number): string {
    return decodeXml(this.source.slice(this.at[i + 2], this.at[i + 3]));
  }

  /** @internal the scanner's: a new element's, in `source`. */
  clear(source: string): void {
    this.source = source;
    this.count = 0;
  }

  /** @internal the scanner's */
  add(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    const i = this.count * 4;
    this.at[i] = nameStart;
    this.at[i + 1] = nameEnd;
    this.at[i + 2] = valueStart;
    this.at[i + 3] = valueEnd;
    this.count++;
  }
}

export interface XmlEvents {
  open(name: string, attributes: Attributes): void;
  /** Text and CDATA, entities decoded; one node may arrive in several pieces. */
  text?(value: string): void;
  close(name: string): void;
}

/** "x:row" → "row": some writers (.NET's Open XML SDK) prefix the SpreadsheetML namespace. */
export function localName(name: string): string {
  const colon = name.indexOf(":");
  return colon < 0 ? name : name.slice(colon + 1);
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Entities and character references decoded; line ends as XML reads them (CR LF → LF). */
export function decodeXml(raw: string): string {
  let text = raw;
  if (text.indexOf("\r") >= 0) text = text.replace(/\r\n?/g, "\n");
  let amp = text.indexOf("&");
  if (amp < 0) return text;
  let out = "";
  let from = 0;
  while (amp >= 0) {
    const semi = text.indexOf(";", amp);
    const name = semi < 0 ? "" : text.slice(amp + 1, semi);
    let value: string | undefined;
    if (name.startsWith("#x") && /^#x[0-9a-fA-F]+$/.test(name))
      value = codePoint(Number.parseInt(name.slice(2), 16));
    else if (name.startsWith("#") && /^#[0-9]+$/.test(name))
      value = codePoint(Number.parseInt(name.slice(1), 10));
    else value = NAMED[name];
    if (value === undefined) throw new Error(`an unknown entity "&${name.slice(0, 20)}"`);
    out += text.slice(from, amp) + value;
    from = semi + 1;
    amp = text.indexOf("&", from);
  }
  return out + text.slice(from);
}

function codePoint(code: number): string | undefined {
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

/** Space, tab, LF, CR (no other character at or below space is allowed in XML). */
function isSpace(code: number): boolean {
  return code <= 32;
}

/**
 * The most a tag, comment, CDATA section or entity cut by the chunks may hold before its end
 * comes. What is pending is copied again with each chunk, so without a bound a 34 KB zip
 * holding a 32 MB comment took 34 s; no spreadsheet writer writes markup near this size
 * (a cell's text, at most 32,767 characters, is text, given as it comes).
 */
export const MAX_PENDING = 1 << 20;

export class XmlScanner {
  /** The unread end of the last chunk: a tag or text cut by the chunk boundary. */
  private rest = "";
  /** The open elements' names as written, and as given to the events. */
  private readonly stack: string[] = [];
  private readonly locals: string[] = [];
  private readonly attributes = new Attributes();

  constructor(private readonly events: XmlEvents) {}

  write(chunk: string): void {
    const s = this.rest.length > 0 ? this.rest + chunk : chunk;
    const n = s.length;
    const { events, stack, locals } = this;
    let at = 0;
    while (at < n) {
      const lt = s.indexOf("<", at);
      if (lt < 0) {
        // Text up to the chunk's end: given now, but for an entity or CR LF the cut may split.
        let end = n;
        const amp = s.lastIndexOf("&");
        if (amp >= at && s.indexOf(";", amp) < 0) end = amp;
        if (end > at && s.charCodeAt(end - 1) === 13) end--;
        if (end > at && events.text) events.text(decodeXml(s.slice(at, end)));
        at = end;
        break;
      }
      if (lt > at && events.text) events.text(decodeXml(s.slice(at, lt)));
      at = lt;
      if (lt + 1 >= n) break;
      const kind = s.charCodeAt(lt + 1);
      if (kind === 33 /* ! */) {
        if (s.startsWith("<!--", lt)) {
          const end = s.indexOf("-->", lt + 4);
          if (end < 0) break;
          at = end + 3;
        } else if (s.startsWith("<![CDATA[", lt)) {
          const end = s.indexOf("]]>", lt + 9);
          if (end < 0) break;
          events.text?.(s.slice(lt + 9, end));
          at = end + 3;
        } else if (n - lt < 9)
          break; // too short yet to tell
        else throw new Error("a document type declaration, which no workbook holds");
        continue;
      }
      if (kind === 63 /* ? */) {
        const end = s.indexOf("?>", lt + 2);
        if (end < 0) break;
        at = end + 2;
        continue;
      }
      if (kind === 47 /* / */) {
        const end = s.indexOf(">", lt + 2);
        if (end < 0) break;
        // Compared in place: no string made for the millions of close tags of a sheet.
        const open = stack[stack.length - 1];
        const after = lt + 2 + (open?.length ?? 0);
        if (
          open === undefined ||
          !s.startsWith(open, lt + 2) ||
          (after !== end && s.slice(after, end).trim() !== "")
        ) {
          throw new Error(`</${s.slice(lt + 2, end).trim()}> closes <${open ?? "nothing"}>`);
        }
        stack.pop();
        events.close(locals.pop() as string);
        at = end + 1;
        continue;
      }
      const read = this.openTag(s, lt);
      if (read < 0) break;
      at = read;
    }
    this.rest = at < n ? s.slice(at) : "";
    if (this.rest.length > MAX_PENDING)
      throw new Error(
        "a tag, comment, CDATA section or entity runs on for more than 1 MB without its end, which no spreadsheet writer writes",
      );
  }

  /** Reads the open tag at `lt`; where it ends, or -1 when the chunk ends inside it. */
  private openTag(s: string, lt: number): number {
    const n = s.length;
    let j = lt + 1;
    while (j < n) {
      const code = s.charCodeAt(j);
      if (isSpace(code) || code === 47 || code === 62) break;
      j++;
    }
    if (j >= n) return -1;
    const name = s.slice(lt + 1, j);
    if (name === "") throw new Error("a tag with no name");
    const { attributes } = this;
    attributes.clear(s);
    for (;;) {
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return -1;
      const code = s.charCodeAt(j);
      if (code === 62 /* > */) {
        const local = localName(name);
        this.stack.push(name);
        this.locals.push(local);
        this.events.open(local, attributes);
        return j + 1;
      }
      if (code === 47 /* / */) {
        if (j + 1 >= n) return -1;
        if (s.charCodeAt(j + 1) !== 62) throw new Error(`<${name}> has a stray "/"`);
        const local = localName(name);
        this.events.open(local, attributes);
        this.events.close(local);
        return j + 2;
      }
      const equals = s.indexOf("=", j);
      if (equals < 0) return -1;
      let keyEnd = equals;
      while (keyEnd > j && isSpace(s.charCodeAt(keyEnd - 1))) keyEnd--;
      let q = equals + 1;
      while (q < n && isSpace(s.charCodeAt(q))) q++;
      if (q >= n) return -1;
      const quote = s.charCodeAt(q);
      if (quote !== 34 && quote !== 39)
        throw new Error(`<${name}>: attribute ${s.slice(j, keyEnd)} has no quotes`);
      const end = s.indexOf(quote === 34 ? '"' : "'", q + 1);
      if (end < 0) return -1;
      attributes.add(j, keyEnd, q + 1, end);
      j = end + 1;
    }
  }

  /** After the last chunk: throws when the document ends inside a tag or with elements open. */
  end(): void {
    if (this.rest.trim() !== "") {
      // Text after the root element is only whitespace in a well-formed document.
      throw new Error("the XML ends inside a tag");
    }
    const open = this.stack.at(-1);
    if (open !== undefined) throw new Error(`the XML ends inside <${open}>`);
  }
}
