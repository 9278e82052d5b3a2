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
