/**
 * How many outputs the follow-through reads at once. A listing (or a read of a request with
 * its outputs) holds every output of its request as the server sent it (every attribute)
 * until the view keeps what it needs of each (read.ts, OutputFacts): three requests of a
 * 100,000-row batch listed together held ~20 MB more at the peak of `status` than one after
 * the other. Requests of a few outputs are still read together, so that many small requests
 * cost no more time than before.
 */
export class ListingBudget {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  /** `most`: the outputs listings may hold together; one listing always runs, however large. */
  constructor(private readonly most: number) {}

  /** Runs `list` once the listings running hold few enough outputs to add `outputs` of its own. */
  async run<T>(outputs: number, list: () => Promise<T>): Promise<T> {
    while (this.held > 0 && this.held + outputs > this.most) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.held += outputs;
    try {
      return await list();
    } finally {
      this.held -= outputs;
      // Each looks again whether it fits now; those that do not wait for the next to end.
      for (const wake of this.waiting.splice(0)) wake();
    }
  }
}
