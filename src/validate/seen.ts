/**
 * "Which earlier row had this key?" for a whole file, in typed arrays: a Map of a million
 * payment keys costs over 100 MB, this about 12 MB. Only 32-bit hashes and row indexes are
 * kept; when hashes match, the earlier row's key is rebuilt (`keyAt`) and compared exactly,
 * so a hash collision can never make two different payments look the same.
 */

/** FNV-1a over UTF-16 code units: fast, and good enough for a table that verifies its hits. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function capacityFor(items: number): number {
  let capacity = 16;
  while (capacity < items * 1.5) capacity *= 2;
  return capacity;
}

export class FirstSeen {
  /** Per slot: row index + 1, 0 when empty (open addressing, linear probing). */
  private slots: Int32Array;
  /** Per row index: the hash of its key, when it was recorded. */
  private hashes: Uint32Array;
  private count = 0;

  /** `expected`: about how many keys will be recorded; `keyAt`: the key of a recorded row. */
  constructor(
    expected: number,
    private readonly keyAt: (index: number) => string,
  ) {
    this.slots = new Int32Array(capacityFor(expected));
    this.hashes = new Uint32Array(Math.max(16, expected));
  }

  /** The index of the first row with `key`; -1 (and `index` recorded as the first) when new. */
  firstOf(key: string, index: number): number {
    const hash = hashOf(key);
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const occupant = (this.slots[slot] as number) - 1;
      if (occupant < 0) {
        this.record(slot, index, hash);
        return -1;
      }
      if (this.hashes[occupant] === hash && this.keyAt(occupant) === key) return occupant;
    }
  }

  private record(slot: number, index: number, hash: number): void {
    if (index >= this.hashes.length) {
      const hashes = new Uint32Array(Math.max(index + 1, this.hashes.length * 2));
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    this.hashes[index] = hash;
    this.slots[slot] = index + 1;
    if (++this.count * 1.5 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    this.slots = doubled(this.slots, this.hashes);
  }
}

const TEXTS_PER_BLOCK = 1024;

/**
 * "Which earlier row had this text, and what was its number?" keeping each distinct text
 * itself, compactly (a file's references: FileFacts keeps no rows of its own, and `validate`
 * reads a file without keeping its rows). Texts are kept joined, a block of 1,024 per
 * string, with their offsets; a repeated text is not kept again.
 */
export class FirstTexts {
  /** Per slot: entry + 1, 0 when empty (open addressing, linear probing). */
  private slots: Int32Array = new Int32Array(1024);
  private hashes: Uint32Array = new Uint32Array(TEXTS_PER_BLOCK);
  private values: Uint32Array = new Uint32Array(TEXTS_PER_BLOCK);
  /** Offset of each entry's text in its block. */
  private starts: Uint32Array = new Uint32Array(TEXTS_PER_BLOCK);
  private readonly blocks: string[] = [];
  private pending: string[] = [];
  private count = 0;

  /** The value recorded with the first `text`; -1 (and `value` recorded with it) when new. */
  firstOf(text: string, value: number): number {
    const hash = hashOf(text);
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = (this.slots[slot] as number) - 1;
      if (entry < 0) {
        this.record(slot, text, hash, value);
        return -1;
      }
      if (this.hashes[entry] === hash && this.textOf(entry) === text) return this.values[entry] as number;
    }
  }

  private textOf(entry: number): string {
    const block = Math.floor(entry / TEXTS_PER_BLOCK);
    if (block === this.blocks.length) return this.pending[entry % TEXTS_PER_BLOCK] as string;
    const text = this.blocks[block] as string;
    const last = entry % TEXTS_PER_BLOCK === TEXTS_PER_BLOCK - 1;
    return text.slice(this.starts[entry], last ? text.length : this.starts[entry + 1]);
  }

  private record(slot: number, text: string, hash: number, value: number): void {
    const entry = this.count++;
    if (entry >= this.hashes.length) {
      this.hashes = grownTo(this.hashes, this.hashes.length * 2);
      this.values = grownTo(this.values, this.values.length * 2);
      this.starts = grownTo(this.starts, this.starts.length * 2);
    }
    this.hashes[entry] = hash;
    this.values[entry] = value;
    this.pending.push(text);
    if (this.pending.length === TEXTS_PER_BLOCK) {
      let offset = 0;
      const first = entry + 1 - TEXTS_PER_BLOCK;
      this.pending.forEach((kept, i) => {
        this.starts[first + i] = offset;
        offset += kept.length;
      });
      this.blocks.push(this.pending.join(""));
      this.pending = [];
    }
    this.slots[slot] = entry + 1;
    if (this.count * 1.5 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    this.slots = doubled(this.slots, this.hashes);
  }
}

/** The table twice as large, every entry (index + 1 into `hashes`) placed again. */
function doubled(old: Int32Array, hashes: Uint32Array): Int32Array {
  const slots = new Int32Array(old.length * 2);
  const mask = slots.length - 1;
  for (const entry of old) {
    if (entry === 0) continue;
    let slot = (hashes[entry - 1] as number) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = entry;
  }
  return slots;
}

function grownTo(array: Uint32Array, size: number): Uint32Array {
  const next = new Uint32Array(size);
  next.set(array);
  return next;
}
