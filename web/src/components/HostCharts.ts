// What the host page charts: which series each chart draws, its breakdown (per core, per disk,
// per interface) or total, and the previous period aligned onto the current times for the
// dashed comparison overlay.

import { color, type ChartLine, type Unit } from "./Chart";
import type { SeriesBuffer } from "./SeriesBuffer";

export const NAMES = [
  "cpu.used_pct", "cpu.user_pct", "cpu.system_pct", "cpu.iowait_pct",
  "mem.used_bytes", "mem.cached_bytes", "mem.buffers_bytes", "mem.available_bytes",
  "fs.used_pct", "disk.read_bps", "disk.write_bps",
  "net.rx_bps", "net.tx_bps",
  "load.1", "load.5", "load.15",
];

export interface ChartDef {
  testid: string;
  title: string;
  unit: Unit;
  /** A breakdown the user can switch on; `has` says whether the data has one. */
  split?: { label: string; testid: string; has(b: SeriesBuffer): boolean };
  lines(b: SeriesBuffer, split: boolean): ChartLine[];
}

const byLabel = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

/** Sum of a metric over its labels (all devices, all interfaces); null where none has a value. */
function total(b: SeriesBuffer, name: string, skip: (label: string) => boolean = () => false): (number | null)[] {
  const cols = b.labels(name).filter((l) => !skip(l)).map((l) => b.values(name, l));
  return b.times.map((_, i) => {
    let sum: number | null = null;
    for (const c of cols) if (c[i] !== null && c[i] !== undefined) sum = (sum ?? 0) + c[i]!;
    return sum;
  });
}

const virtualIf = (i: string) => i === "lo";

export const CHARTS: ChartDef[] = [
  { testid: "chart-cpu", title: "CPU", unit: "pct",
    split: { label: "Per core", testid: "cpu-per-core", has: (b) => b.labels("cpu.used_pct").some((l) => l !== "") },
    lines: (b, perCore) => perCore
      ? b.labels("cpu.used_pct").filter((l) => l !== "").sort(byLabel).map((l) => ({ label: `core ${l}`, values: b.values("cpu.used_pct", l) }))
      : [
          { label: "used", values: b.values("cpu.used_pct", "") },
          ...(["user", "system", "iowait"] as const)
            .filter((m) => b.labels(`cpu.${m}_pct`).length > 0)
            .map((m) => ({ label: m, values: b.values(`cpu.${m}_pct`, "") })),
        ] },
  { testid: "chart-memory", title: "Memory", unit: "bytes", lines: (b) =>
      ([["used", "#3b82f6"], ["cached", "#06b6d4"], ["buffers", "#f59e0b"], ["available", "#10b981"]] as const)
        .map(([k, c]) => ({ label: k, color: c, values: b.values(`mem.${k}_bytes`, "") })) },
  { testid: "chart-disk", title: "Disk usage per mount", unit: "pct", lines: (b) =>
      b.labels("fs.used_pct").sort(byLabel).map((m) => ({ label: m || "/", values: b.values("fs.used_pct", m) })) },
  { testid: "chart-diskio", title: "Disk I/O", unit: "bps",
    split: { label: "Per disk", testid: "diskio-per-disk", has: (b) => b.labels("disk.read_bps", "disk.write_bps").length > 1 },
    lines: (b, perDisk) => perDisk
      ? b.labels("disk.read_bps", "disk.write_bps").sort(byLabel).flatMap((d) => [
          { label: `${d} read`, values: b.values("disk.read_bps", d) },
          { label: `${d} write`, values: b.values("disk.write_bps", d) },
        ])
      : [{ label: "read", values: total(b, "disk.read_bps") }, { label: "write", values: total(b, "disk.write_bps") }] },
  { testid: "chart-network", title: "Network", unit: "bps",
    split: { label: "Per interface", testid: "network-per-interface", has: (b) => b.labels("net.rx_bps", "net.tx_bps").filter((i) => !virtualIf(i)).length > 1 },
    lines: (b, perIf) => perIf
      ? b.labels("net.rx_bps", "net.tx_bps").filter((i) => !virtualIf(i)).sort(byLabel).flatMap((i) => [
          { label: `${i} rx`, values: b.values("net.rx_bps", i) },
          { label: `${i} tx`, values: b.values("net.tx_bps", i) },
        ])
      : [{ label: "received", values: total(b, "net.rx_bps", virtualIf) }, { label: "sent", values: total(b, "net.tx_bps", virtualIf) }] },
  { testid: "chart-load", title: "Load", unit: "num", lines: (b) =>
      ["1", "5", "15"].map((k) => ({ label: `${k} min`, values: b.values(`load.${k}`, "") })) },
];

/**
 * Maps values at prevTimes onto times shifted back by offset: each current time takes the
 * previous-period value nearest to t - offset, if one lies within tolerance (ms). Both time lists
 * ascend, so one forward pass does it.
 */
export function alignShifted(times: readonly number[], prevTimes: readonly number[], prev: readonly (number | null)[], offset: number, tolerance: number): (number | null)[] {
  const out = new Array<number | null>(times.length).fill(null);
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    const t = times[i] - offset;
    while (j + 1 < prevTimes.length && Math.abs(prevTimes[j + 1] - t) <= Math.abs(prevTimes[j] - t)) j++;
    if (prevTimes.length > 0 && Math.abs(prevTimes[j] - t) <= tolerance) out[i] = prev[j] ?? null;
  }
  return out;
}

/**
 * The lines of one chart with fixed colors, plus, when prev is given, a dashed "(previous)" line
 * per current line in the same color.
 */
export function chartLines(def: ChartDef, cur: SeriesBuffer, split: boolean, prev: { buf: SeriesBuffer; offset: number; tolerance: number } | null): ChartLine[] {
  const lines = def.lines(cur, split).map((l, i) => ({ ...l, color: l.color ?? color(i) }));
  if (!prev) return lines;
  const before = new Map(def.lines(prev.buf, split).map((l) => [l.label, l.values]));
  const shadows: ChartLine[] = [];
  for (const l of lines) {
    const p = before.get(l.label);
    if (!p) continue;
    shadows.push({ label: `${l.label} (previous)`, color: l.color, previous: true, values: alignShifted(cur.times, prev.buf.times, p, prev.offset, prev.tolerance) });
  }
  return [...lines, ...shadows];
}
