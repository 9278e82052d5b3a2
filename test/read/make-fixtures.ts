/**
 * The input fixtures under fixtures/input, as bytes built here (Windows-1252, UTF-16 and CR
 * files cannot be typed reliably by hand). `npx tsx test/read/make-fixtures.ts` writes them;
 * test/read/fixtures.test.ts checks the files on disk are still these bytes (an editor or
 * git that "fixes" line endings or encodings would otherwise void the tests silently).
 */
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { fromRoot } from "../helpers/root.js";

export const FIXTURE_DIR = `${fromRoot("fixtures", "input")}/`;

/** One payroll, written once per dialect; amounts in both conventions. */
export const PAYROLL = [
  // reference, payer, sender port, recipient, port, amount (en, es), budget (en, es), instruction, name, concept
  [
    "EMP-001",
    "112",
    "ar_ars",
    "300",
    "cl_clp",
    "1329000",
    "1.329.000",
    "",
    "",
    "2100",
    "José Núñez",
    "Sueldo – marzo",
  ],
  [
    "EMP-002",
    "112",
    "us_usd",
    "301",
    "mx_mxn",
    "23886.75",
    "23.886,75",
    "",
    "",
    "2101",
    "María Peña",
    "Sueldo – marzo",
  ],
  [
    "EMP-003",
    "112",
    "ar_ars",
    "302",
    "uy_uyu",
    "44328.00",
    "44.328,00",
    "",
    "",
    "2102",
    "Ángela Ibáñez",
    "Honorarios; marzo",
  ],
  [
    "EMP-004\nanticipo",
    "112",
    "ar_ars",
    "303",
    "py_pyg",
    "7695000",
    "7.695.000",
    "",
    "",
    "2103",
    "Iñaki Güemes",
    'Bono "extra"',
  ],
  ["EMP-005", "", "ar_ars", "304", "ar_usd", "", "", "1500.50", "1.500,50", "2104", "Zoë Ñandú", "Reintegro"],
  // "1.500" alone would be ambiguous; the other rows of the Spanish file prove a decimal comma.
  [
    "EMP-006",
    "112",
    "ar_ars",
    "305",
    "us_usd",
    "1500",
    "1.500",
    "",
    "",
    "2105",
    "Søren Ødegård",
    "Sueldo – marzo",
  ],
] as const;

const HEADER_EN = [
  "reference",
  "payer_user_id",
  "sender_port",
  "recipient_user_id",
  "port",
  "amount",
  "budget",
  "withdrawal_instruction_id",
  "name",
  "concept",
];
const HEADER_ES = [
  "Referencia",
  "Usuario Pagador",
  "Puerto Origen",
  "Usuario Destinatario",
  "Puerto Destino",
  "Monto",
  "Presupuesto",
  "Instrucción Retiro",
  "Nombre",
  "Concepto",
];

/** RFC 4180 quoting: only when needed, quotes doubled. */
export function csvLine(values: readonly string[], delimiter: string): string {
  return values
    .map((value) =>
      /["\r\n]/.test(value) || value.includes(delimiter) ? `"${value.replaceAll('"', '""')}"` : value,
    )
    .join(delimiter);
}

function englishRow(row: (typeof PAYROLL)[number]): string[] {
  const [ref, payer, sender, recipient, port, amount, , budget, , instruction, name, concept] = row;
  return [ref, payer, sender, recipient, port, amount, budget, instruction, name, concept];
}

function spanishRow(row: (typeof PAYROLL)[number]): string[] {
  const [ref, payer, sender, recipient, port, , amount, , budget, instruction, name, concept] = row;
  return [ref, payer, sender, recipient, port, amount, budget, instruction, name, concept];
}

/** Windows-1252 bytes; throws on a character the code page lacks (so the fixture is honest). */
export function encodeCp1252(text: string): Buffer {
  const special: Record<string, number> = { "€": 0x80, "–": 0x96, "—": 0x97, "“": 0x93, "”": 0x94 };
  return Buffer.from(
    Array.from(text, (char) => {
      const code = char.codePointAt(0) as number;
      if (code < 0x80 || (code >= 0xa0 && code <= 0xff)) return code;
      const byte = special[char];
      if (byte === undefined) throw new RangeError(`no Windows-1252 byte for ${JSON.stringify(char)}`);
      return byte;
    }),
  );
}

export function payrollText(language: "en" | "es", delimiter: string, eol: string): string {
  const header = language === "en" ? HEADER_EN : HEADER_ES;
  const rows = PAYROLL.map(language === "en" ? englishRow : spanishRow);
  return [header, ...rows].map((values) => csvLine(values, delimiter) + eol).join("");
}

/** File name → exact bytes. */
export function inputFixtures(): Record<string, Buffer> {
  // Excel on a Spanish Windows: Windows-1252, ";", CRLF, and a trailing row of empty cells
  // (what Excel writes for a row that once had formatting). Inside a cell Excel breaks lines with LF.
  const spanish = `${payrollText("es", ";", "\r\n")};;;;;;;;;\r\n`;
  const english = payrollText("en", ",", "\n");
  return {
    "payroll-es-cp1252.csv": encodeCp1252(spanish),
    "payroll-en.csv": Buffer.from(english, "utf8"),
    "payroll-en-bom.csv": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(english, "utf8")]),
    // Excel's "Unicode Text": UTF-16LE with BOM, tab-separated, CRLF.
    "payroll-en-utf16le.csv": Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(payrollText("en", "\t", "\r\n"), "utf16le"),
    ]),
    // Classic Mac line endings, also inside the quoted reference.
    "payroll-en-cr.csv": Buffer.from(
      payrollText("en", ",", "\r").replace("EMP-004\nanticipo", "EMP-004\ranticipo"),
      "utf8",
    ),
    "workbook.xlsx": Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00]),
    "binary.dat": Buffer.concat([
      Buffer.from("reference,port\n", "utf8"),
      Buffer.from([0x00, 0x01, 0x02, 0xff, 0x10]),
    ]),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [name, bytes] of Object.entries(inputFixtures())) writeFileSync(FIXTURE_DIR + name, bytes);
  console.log(`wrote ${Object.keys(inputFixtures()).length} files to ${FIXTURE_DIR}`);
}
