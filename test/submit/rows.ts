/** What the engine tests share: a world's rows as the engine takes them, and a proxy's pass-on. */
import http from "node:http";
import type { ValidRow } from "../../src/model.js";
import type { WorldRow } from "../helpers/world.js";

/** The rows as validated, numbered from line 2 (after the header). */
export function validRows(rows: readonly WorldRow[]): ValidRow[] {
  return rows.map((r, i) => ({
    line: i + 2,
    reference: r.reference,
    payerUserId: r.payer_user_id,
    senderPort: r.sender_port as ValidRow["senderPort"],
    recipientUserId: r.recipient_user_id,
    port: r.port as ValidRow["port"],
    amount: r.amount,
    budget: null,
    withdrawalInstructionId: r.withdrawal_instruction_id,
  }));
}

/** Passes a call a proxy received on to `upstream`, and its answer back. */
export function passOn(
  upstream: URL,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
): void {
  const up = http.request(
    { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  up.on("error", () => res.destroy());
  up.end(body);
}
