/**
 * A map that forgets what was not used lately: entries live in two generations of at most `capacity`
 * each; when the young one fills, the old one is dropped (`onForget` sees each entry) and the young
 * one becomes old. Reading an old entry moves it back to the young one. Memory stays within
 * 2 × capacity entries however long the stream; with `capacity` Infinity it is a plain map.
 */
export class RecentMap<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();

  constructor(
    private readonly capacity: number,
    private readonly onForget?: (key: string, value: V) => void,
  ) {}

  get size(): number {
    return this.young.size + this.old.size;
  }

  get(key: string): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined || this.old.size === 0) return v;
    const o = this.old.get(key);
    if (o !== undefined) {
      this.old.delete(key);
      this.add(key, o);
    }
    return o;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): void {
    if (this.young.has(key)) this.young.set(key, value);
    else {
      this.old.delete(key);
      this.add(key, value);
    }
  }

  delete(key: string): boolean {
    return this.young.delete(key) || this.old.delete(key);
  }

  *values(): IterableIterator<V> {
    yield* this.young.values();
    yield* this.old.values();
  }

  private add(key: string, value: V): void {
    this.young.set(key, value);
    if (this.young.size < this.capacity) return;
    if (this.onForget) for (const [k, v] of this.old) this.onForget(k, v);
    this.old = this.young;
    this.young = new Map();
  }
}
