/**
 * `bitex-batch template`: the input header and two example rows, in the dialect the user
 * will edit the file in. The examples match the demo emulator seed (fixtures/demo), so a
 * template saved unchanged goes through `submit --sandbox`.
 */
import { INPUT_COLUMN_TABLE, INPUT_COLUMNS, type IdModeColumn as InputColumn } from "../model.js";
import { minorUnits, type PortCode, portCurrency } from "../ports.js";
import { type CsvFormat, DIALECTS, numberCell, stringifyRecords } from "../writers/dialect.js";
import { moneyFormat } from "../writers/xlsx-cells.js";

const EXAMPLES: ReadonlyArray<Record<InputColumn, string>> = [
  // amount: what the payee receives, in CLP (no minor unit, so an integer).
  {
    reference: "EMP-1001",
    payer_user_id: "112",
    sender_port: "ar_ars",
    recipient_user_id: "300",
    port: "cl_clp",
    amount: "1329000",
    budget: "",
    withdrawal_instruction_id: "2100",
  },
  // budget: what the payer spends, in the sender's USD; the payee gets MXN at the quoted rate.
  {
    reference: "EMP-1002",
    payer_user_id: "112",
    sender_port: "us_usd",
    recipient_user_id: "301",
    port: "mx_mxn",
    amount: "",
    budget: "1250.50",
    withdrawal_instruction_id: "2101",
  },
];

const MONEY: ReadonlySet<InputColumn> = new Set(
  INPUT_COLUMN_TABLE.filter((column) => column.kind === "money").map((column) => column.name),
);

export function templateCsv(format: CsvFormat): string {
  const dialect = DIALECTS[format];
  const rows = EXAMPLES.map((example) =>
    INPUT_COLUMNS.map((column) =>
      MONEY.has(column) ? numberCell(example[column], dialect, true) : example[column],
    ),
  );
  return stringifyRecords([[...INPUT_COLUMNS], ...rows], dialect, true);
}

/**
 * The template as a workbook: the header and the two examples, every text column (reference,
 * ids, ports) formatted as Text, so that an id typed later keeps its leading zeros and all
 * its digits. Each example's money cell shows its currency's decimals (the CLP amount none,
 * the USD budget two); the money columns' other cells are General, so a figure typed later
 * shows as typed, not with decimals its currency may not have.
 */
export async function templateXlsx(): Promise<Buffer> {
  // Loaded here, not at the top: exceljs takes a while to load, and a CSV template never needs it.
  const { default: exceljs } = await import("exceljs");
  const workbook = new exceljs.Workbook();
  workbook.creator = "bitex-batch";
  const sheet = workbook.addWorksheet("payroll", { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = INPUT_COLUMNS.map((column) => ({
    header: column,
    key: column,
    width: Math.max(MONEY.has(column) ? 16 : 12, column.length + 2),
    style: MONEY.has(column) ? {} : { numFmt: "@" },
  }));
  sheet.getRow(1).font = { bold: true };
  for (const example of EXAMPLES) {
    const row = sheet.addRow(
      INPUT_COLUMNS.map((column) => {
        const value = example[column];
        if (value === "") return null;
        // A money cell holds the number; JSON numbers of this size are exact (13 digits + 2 decimals at most).
        return MONEY.has(column) ? Number(value) : value;
      }),
    );
    for (const [index, column] of INPUT_COLUMNS.entries()) {
      if (!MONEY.has(column) || example[column] === "") continue;
      // The amount is in the recipient's port's currency, the budget in the sender's.
      const port = column === "amount" ? example.port : example.sender_port;
      row.getCell(index + 1).numFmt = moneyFormat(minorUnits(portCurrency(port as PortCode)));
    }
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
