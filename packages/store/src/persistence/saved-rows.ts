/**
 * The rows of one table as the last save wrote them, so that the next save
 * writes only what changed: a row whose value is the same object or equal
 * is left alone, a new or changed one is upserted, and one the new state no
 * longer has is deleted. A save is `begin`, `set` for every row of the new
 * state, then `end`.
 */
export class SavedRows<V> {
  private readonly rows = new Map<string, { value: V; gen: number }>();
  private gen = 0;

  /**
   * @param same whether two values would be stored alike
   * @param put writes one row (an upsert)
   * @param remove deletes one row
   */
  constructor(
    private readonly same: (a: V, b: V) => boolean,
    private readonly put: (key: string, value: V) => void,
    private readonly remove: (key: string) => void,
  ) {}

  begin(): void {
    this.gen++;
  }

  set(key: string, value: V): void {
    const row = this.rows.get(key);
    if (row === undefined) {
      this.rows.set(key, { value, gen: this.gen });
      this.put(key, value);
      return;
    }
    row.gen = this.gen;
    if (row.value === value || this.same(row.value, value)) return;
    row.value = value;
    this.put(key, value);
  }

  /** Deletes the rows not `set` since `begin`. */
  end(): void {
    for (const [key, row] of this.rows) {
      if (row.gen === this.gen) continue;
      this.rows.delete(key);
      this.remove(key);
    }
  }
}
