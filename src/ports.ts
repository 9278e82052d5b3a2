/** Bitex CrossBorder ports (docs/design.md section 9) and the ISO 4217 minor units of their currencies. */
export const PORTS = [
  "ar_ars",
  "ar_usd",
  "cl_clp",
  "uy_uyu",
  "py_pyg",
  "uy_usd",
  "py_usd",
  "us_usd",
  "other_usd",
  "mx_mxn",
  "other_eur",
] as const;

export type PortCode = (typeof PORTS)[number];

/** CLP and PYG have no minor unit; every other currency Bitex pays out in has two. */
const ZERO_DECIMAL_CURRENCIES = new Set(["clp", "pyg"]);

const PORT_SET: ReadonlySet<string> = new Set(PORTS);

export function isPort(code: string): code is PortCode {
  return PORT_SET.has(code);
}

const PORT_OF: ReadonlyMap<string, PortCode> = new Map(PORTS.map((port) => [port, port]));

/**
 * The table's own text of the port `code` names, null when it names none: each row of a file
 * read from the CSV has its own copy of the text, two ports a row, 5 MB at 100,000 rows.
 */
export function knownPort(code: string): PortCode | null {
  return PORT_OF.get(code) ?? null;
}

/** `cl_clp` → `clp`. */
export function portCurrency(port: PortCode): string {
  return port.slice(port.indexOf("_") + 1);
}

export function minorUnits(currency: string): number {
  return ZERO_DECIMAL_CURRENCIES.has(currency.toLowerCase()) ? 0 : 2;
}

export function portCountry(port: PortCode): string {
  return port.slice(0, port.indexOf("_"));
}
