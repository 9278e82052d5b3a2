/**
 * Runs a call for each row of several lists, at most `width` at once, in the order the lists
 * were handed in (every row of the first list before any of the second). It holds a cursor per
 * list, not a pending call per row: p-limit queueing every row's call at once kept a closure
 * and a promise per row (~40 MB at 100,000 rows) for the whole create phase.
 */
interface List<T> {
  rows: readonly T[];
  next: number;
  running: number;
  call: (row: T) => Promise<void>;
  done: () => void;
  fail: (error: unknown) => void;
  failed: boolean;
}

export class Feeder<T> {
  /** The lists with rows still to start, oldest first: a call ending looks at the head only. */
  private readonly queue: List<T>[] = [];
  private running = 0;

  constructor(private readonly width: number) {}

  /** Calls `call` for every row; settles once every call has ended, or at the first error. */
  each(rows: readonly T[], call: (row: T) => Promise<void>): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, next: 0, running: 0, call, done: resolve, fail: reject, failed: false });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.width) {
      const list = this.queue[0];
      if (!list) return;
      if (list.next >= list.rows.length) {
        this.queue.shift();
        continue;
      }
      this.start(list, list.rows[list.next++] as T);
    }
  }

  private start(list: List<T>, row: T): void {
    list.running++;
    this.running++;
    // A call that throws before it returns a promise fails its list like one that rejects.
    Promise.resolve()
      .then(() => list.call(row))
      .catch((error: unknown) => {
        if (list.failed) return;
        // As Promise.all: the first error settles the list; none of its rows start after it.
        list.failed = true;
        list.next = list.rows.length;
        list.fail(error);
      })
      .finally(() => {
        list.running--;
        this.running--;
        if (!list.failed && list.running === 0 && list.next >= list.rows.length) list.done();
        this.pump();
      });
  }
}
