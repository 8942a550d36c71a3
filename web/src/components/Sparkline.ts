// Tiny canvas sparkline of a host's recent CPU use, drawn without uPlot so the overview stays in
// the first, small bundle. Redrawing one is ~20 µs; only visible rows and cards are redrawn.

import { CRIT_PCT, WARN_PCT } from "./FleetModel";

/** How many recent values each host keeps (at the default 10 s interval, 10 minutes). */
export const SPARK_POINTS = 60;

/** Recent CPU values per host, fed by live snapshots. */
export class SparkStore {
  private data = new Map<number, number[]>();

  push(id: number, v: number | null | undefined): void {
    if (v === null || v === undefined || !Number.isFinite(v)) return;
    let a = this.data.get(id);
    if (!a) this.data.set(id, (a = []));
    a.push(v);
    if (a.length > SPARK_POINTS) a.splice(0, a.length - SPARK_POINTS);
  }

  /**
   * Puts fetched history in front of what arrived live. The first live value is the one from the
   * host list, which the history already covers.
   */
  seed(id: number, history: (number | null)[]): void {
    const live = this.data.get(id) ?? [];
    const a = history.filter((v): v is number => v !== null && Number.isFinite(v)).concat(live.slice(1));
    this.data.set(id, a.slice(-SPARK_POINTS));
  }

  get(id: number): readonly number[] {
    return this.data.get(id) ?? [];
  }

  retain(ids: Set<number>): void {
    for (const id of this.data.keys()) if (!ids.has(id)) this.data.delete(id);
  }
}

// Colors are read from CSS once per theme (getComputedStyle per draw would dominate the cost).
let palette: { line: string; warn: string; crit: string; theme: string } | null = null;

function colors(): { line: string; warn: string; crit: string } {
  const theme = document.documentElement.dataset.theme ?? "";
  if (!palette || palette.theme !== theme) {
    const cs = getComputedStyle(document.documentElement);
    const v = (n: string, f: string) => cs.getPropertyValue(n).trim() || f;
    palette = { line: v("--accent", "#2563eb"), warn: v("--warn", "#c98a04"), crit: v("--crit", "#d93b3b"), theme };
  }
  return palette;
}

/** Forgets cached colors (the theme changed). */
export function resetSparkColors(): void {
  palette = null;
}

export function Sparkline(width: number, height: number, label: string): { el: HTMLCanvasElement; draw(values: readonly number[]): void } {
  const el = document.createElement("canvas");
  el.className = "spark";
  el.setAttribute("role", "img");
  el.setAttribute("aria-label", label);
  el.style.width = `${width}px`;
  el.style.height = `${height}px`;
  const dpr = Math.min(2, window.devicePixelRatio || 1);
  el.width = Math.round(width * dpr);
  el.height = Math.round(height * dpr);
  const ctx = el.getContext("2d");
  return {
    el,
    draw(values) {
      el.dataset.points = String(values.length);
      if (!ctx) return;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, width, height);
      if (values.length < 2) return;
      const c = colors();
      const last = values[values.length - 1];
      const color = last >= CRIT_PCT ? c.crit : last >= WARN_PCT ? c.warn : c.line;
      // CPU is a percentage: a fixed 0–100 scale keeps hosts comparable at a glance.
      const x = (i: number) => (i / (SPARK_POINTS - 1)) * (width - 2) + 1 + (SPARK_POINTS - values.length) * ((width - 2) / (SPARK_POINTS - 1));
      const y = (v: number) => height - 1.5 - (Math.max(0, Math.min(100, v)) / 100) * (height - 3);
      ctx.beginPath();
      ctx.moveTo(x(0), y(values[0]));
      for (let i = 1; i < values.length; i++) ctx.lineTo(x(i), y(values[i]));
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.25;
      ctx.lineJoin = "round";
      ctx.stroke();
      ctx.lineTo(x(values.length - 1), height);
      ctx.lineTo(x(0), height);
      ctx.closePath();
      ctx.globalAlpha = 0.14;
      ctx.fillStyle = color;
      ctx.fill();
      ctx.globalAlpha = 1;
    },
  };
}
