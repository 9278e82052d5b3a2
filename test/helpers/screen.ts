/**
 * What a terminal shows after a program's bytes (as `script` records them): a small
 * rendering of carriage returns, line feeds, the clear-line escape and deferred autowrap at
 * `columns`, which also notes every character written over one already on the screen, the
 * way one line comes to overwrite another ("140 pendinglls in flight").
 */
export interface Screen {
  /** The logical lines: rows joined where a line wrapped at the right edge. */
  lines: string[];
  /** "row 12, column 3: 'abc' gets 'x'" for each character written over another. */
  overwrites: string[];
}

const ESC = String.fromCharCode(27);
const CSI = new RegExp(`^${ESC}\\[([0-9;?]*)([@-~])`);

export function renderScreen(raw: string, columns: number): Screen {
  const rows: string[][] = [[]];
  /** Whether a row continues the one above (it wrapped there). */
  const continued: boolean[] = [false];
  const overwrites: string[] = [];
  let row = 0;
  let col = 0;
  let wrapNext = false;
  const newRow = (wrapped: boolean) => {
    row++;
    if (rows.length <= row) {
      rows.push([]);
      continued.push(wrapped);
    }
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch === ESC) {
      const csi = CSI.exec(raw.slice(i, i + 24));
      if (!csi) {
        i++; // a two-character escape (ESC 7, ESC =): nothing drawn
        continue;
      }
      i += csi[0].length - 1;
      const [, args = "", command] = csi;
      const line = rows[row] as string[];
      if (command === "K") {
        if (args === "2") rows[row] = [];
        else if (args === "" || args === "0") line.length = Math.min(line.length, col);
        else line.fill(" ", 0, col + 1);
      } else if (command === "G") col = Math.max(0, Number(args || "1") - 1);
      else if (/[ABCDHf]/.test(command ?? "")) overwrites.push(`cursor moved (ESC[${args}${command})`);
      wrapNext = false;
      continue;
    }
    if (ch === "\r") {
      col = 0;
      wrapNext = false;
    } else if (ch === "\n") {
      newRow(false);
      wrapNext = false;
    } else if (ch >= " ") {
      if (wrapNext) {
        newRow(true);
        col = 0;
        wrapNext = false;
      }
      const line = rows[row] as string[];
      const there = line[col];
      if (there !== undefined && there !== " ")
        overwrites.push(
          `row ${row}, column ${col}: ${JSON.stringify(line.join(""))} gets ${JSON.stringify(ch)}`,
        );
      while (line.length < col) line.push(" ");
      line[col] = ch;
      // The last column takes the character; the next one wraps (as xterm does).
      if (col === columns - 1) wrapNext = true;
      else col++;
    }
  }
  const lines: string[] = [];
  rows.forEach((cells, n) => {
    // A row that wraps into the next is full: its spaces are the line's own.
    const text = continued[n + 1] ? cells.join("") : cells.join("").trimEnd();
    if (continued[n] && lines.length > 0) lines[lines.length - 1] += text;
    else lines.push(text);
  });
  return { lines, overwrites };
}
