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
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    const mask = this.slots.length - 1;
    for (const entry of old) {
      if (entry === 0) continue;
      let slot = (this.hashes[entry - 1] as number) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = entry;
    }
  }
}
