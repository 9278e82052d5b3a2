/** The --max-total flags that cover exactly what the emulator's quotes spend, per sender currency. */
import { add, type Decimal, decimal, format, rescale } from "../../src/decimal.js";
import { minorUnits, type PortCode, portCurrency } from "../../src/ports.js";
import type { Sandbox } from "../../src/sandbox/index.js";

/** `less` (decimal text) is taken off every currency's total, to test a guard that is too low. */
export function maxTotals(box: Sandbox, less = "0"): string[] {
  const sums = new Map<string, Decimal>();
  for (const request of box.state().requests) {
    const currency = portCurrency(request.attributes.port_code as PortCode).toUpperCase();
    // The state's money is a JSON number; its text is the emulator's exact decimal.
    const total = decimal(String(request.attributes.total_to_spend));
    sums.set(currency, add(sums.get(currency) ?? { units: 0n, scale: 0 }, total));
  }
  const minus = decimal(less);
  return [...sums].flatMap(([currency, sum]) => {
    const limit = add(sum, { units: -minus.units, scale: minus.scale });
    return ["--max-total", `${currency}=${format(rescale(limit, minorUnits(currency)))}`];
  });
}
