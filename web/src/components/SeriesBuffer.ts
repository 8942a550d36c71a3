// Column store for one host's series on the host page: shared timestamps, one value array per
// (name, label). Holds a fetched SeriesResult and grows with live snapshots.

import type { SeriesResult } from "../api";

const key = (name: string, label: string) => `${name}\u0000${label}`;

export class SeriesBuffer {
  times: number[] = [];
  private cols = new Map<string, (number | null)[]>();
  private labelsOf = new Map<string, Set<string>>();

  static from(r: SeriesResult): SeriesBuffer {
    const b = new SeriesBuffer();
    b.times = r.times.slice();
    for (const s of r.series) {
      const col = b.column(s.name, s.label, 0);
      for (let i = 0; i < b.times.length; i++) col[i] = s.values[i] ?? null;
    }
    return b;
  }

  /** Labels seen for any of the given metric names. */
  labels(...names: string[]): string[] {
    const out = new Set<string>();
    for (const n of names) for (const l of this.labelsOf.get(n) ?? []) out.add(l);
    return [...out];
  }

  /** The values of one series, as long as times (all null when unknown). */
  values(name: string, label: string): (number | null)[] {
    return this.cols.get(key(name, label)) ?? this.times.map(() => null);
  }

  append(time: number, values: { name: string; label: string; value: number | null }[]): void {
    const last = this.times[this.times.length - 1];
    if (last !== undefined && time <= last) return; // already have it (or out of order)
    this.times.push(time);
    const n = this.times.length;
    for (const v of values) {
      // A series first seen now has no values for the earlier timestamps.
      const col = this.column(v.name, v.label, n - 1);
      if (col.length < n) col.push(v.value);
    }
    for (const col of this.cols.values()) if (col.length < this.times.length) col.push(null);
  }

  trimBefore(t: number): void {
    let i = 0;
    while (i < this.times.length && this.times[i] < t) i++;
    if (i === 0) return;
    this.times.splice(0, i);
    for (const col of this.cols.values()) col.splice(0, i);
  }

  private column(name: string, label: string, nulls: number): (number | null)[] {
    const k = key(name, label);
    let col = this.cols.get(k);
    if (!col) {
      col = new Array<number | null>(nulls).fill(null);
      this.cols.set(k, col);
      let set = this.labelsOf.get(name);
      if (!set) this.labelsOf.set(name, (set = new Set()));
      set.add(label);
    }
    return col;
  }
}
