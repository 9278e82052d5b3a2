import { createReadStream } from "node:fs";
import { performance } from "node:perf_hooks";
import { SaxesParser } from "saxes";
import { sheetRows } from "../src/read/sheet-xml.js";
for (let k = 0; k < 2; k++) {
let t = performance.now();
let n = 0;
const rows = sheetRows(createReadStream("/tmp/xi/sheet1.xml", { highWaterMark: 1 << 16 }));
for (let x = await rows.next(); !x.done; x = await rows.next()) n += x.value.length;
console.log("sheetRows", n, (performance.now() - t).toFixed(0));
for (const position of [true, false]) {
  t = performance.now();
  const p = new SaxesParser({ position } as any);
  let tags = 0;
  p.on("opentag", () => tags++);
  p.on("text", () => {});
  p.on("closetag", () => {});
  const dec = new TextDecoder();
  for await (const c of createReadStream("/tmp/xi/sheet1.xml", { highWaterMark: 1 << 16 })) p.write(dec.decode(c, { stream: true }));
  p.close();
  console.log("bare saxes position", position, tags, (performance.now() - t).toFixed(0));
}
}
