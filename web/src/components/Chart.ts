// One time-series chart (uPlot) in a titled card. Cursors of all charts move together
// (cursor.sync), nulls are drawn as gaps, and data-points tells tests how many values are shown.

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { h, type View } from "../dom";
import { bytes, num, pct, rate } from "../format";

export type Unit = "pct" | "bytes" | "bps" | "num";

export interface ChartLine {
  label: string;
  values: (number | null)[];
  /** Fixed color; otherwise one from the palette by position. */
  color?: string;
}

export interface ChartData {
  /** Unix milliseconds, ascending. */
  times: number[];
  lines: ChartLine[];
  /** Visible time window (ms). */
  from: number;
  to: number;
}

export interface ChartView extends View {
  setData(d: ChartData): void;
}

const SYNC_KEY = "vigil-host";
const HEIGHT = 200;
const PALETTE = ["#3b82f6", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16", "#f97316", "#64748b"];

function color(i: number): string {
  return i < PALETTE.length ? PALETTE[i] : `hsl(${(i * 137.5) % 360} 65% 55%)`;
}

function formatter(unit: Unit): (v: number | null) => string {
  switch (unit) {
    case "pct": return pct;
    case "bytes": return (v) => bytes(v);
    case "bps": return rate;
    default: return (v) => num(v);
  }
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function countPoints(d: ChartData): number {
  let n = 0;
  for (const l of d.lines) for (const v of l.values) if (v !== null && v !== undefined) n++;
  return n;
}

export function Chart(p: { title: string; testid: string; unit: Unit; extra?: HTMLElement }): ChartView {
  const plotEl = h("div", { class: "chart-plot" });
  const empty = h("div", { class: "chart-empty", hidden: true }, "No data in this range");
  const el = h("section", { class: "card chart", "data-testid": p.testid, "data-points": "0", "aria-label": `${p.title} chart` },
    h("div", { class: "card-head" }, h("h2", { class: "card-title" }, p.title), p.extra ?? null),
    h("div", { class: "chart-body" }, plotEl, empty));

  let plot: uPlot | null = null;
  let labels = "";
  let data: ChartData = { times: [], lines: [], from: 0, to: 0 };
  const fmt = formatter(p.unit);

  function build(): void {
    plot?.destroy();
    const axisColor = cssVar("--chart-axis", "#8a94a6");
    const gridColor = cssVar("--chart-grid", "rgba(128,128,128,.15)");
    const axis = { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 }, font: "11px system-ui, sans-serif" };
    const single = data.lines.length === 1;
    const opts: uPlot.Options = {
      width: Math.max(200, plotEl.clientWidth || 600),
      height: HEIGHT,
      ms: 1,
      cursor: { sync: { key: SYNC_KEY, setSeries: false }, points: { size: 6 }, drag: { x: true, y: false } },
      legend: { live: true },
      scales: {
        x: { time: true, auto: false },
        y: {
          range: (_u, _min, max) => {
            if (p.unit === "pct") return [0, Math.max(100, max ?? 0)];
            const hi = max == null || !Number.isFinite(max) || max <= 0 ? 1 : max * 1.1;
            return [0, hi];
          },
        },
      },
      axes: [
        { ...axis },
        { ...axis, size: p.unit === "bps" || p.unit === "bytes" ? 80 : 56, values: (_u, ticks) => ticks.map((t) => fmt(t)) },
      ],
      series: [
        {},
        ...data.lines.map((l, i) => ({
          label: l.label,
          stroke: l.color ?? color(i),
          width: 1.5,
          fill: single ? (l.color ?? color(i)) + "22" : undefined,
          value: (_u: uPlot, v: number | null) => fmt(v),
        })),
      ],
    };
    plot = new uPlot(opts, toAligned(), plotEl);
    plot.setScale("x", { min: data.from, max: data.to });
  }

  function toAligned(): uPlot.AlignedData {
    return [data.times, ...data.lines.map((l) => l.values)] as uPlot.AlignedData;
  }

  const ro = new ResizeObserver(() => {
    if (plot && plotEl.clientWidth > 0) plot.setSize({ width: plotEl.clientWidth, height: HEIGHT });
  });
  ro.observe(plotEl);

  // Axis and grid colors come from CSS; rebuild when the system theme flips.
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  const onTheme = () => plot && build();
  media.addEventListener("change", onTheme);

  return {
    el,
    setData(d) {
      data = d;
      const n = countPoints(d);
      el.dataset.points = String(n);
      empty.hidden = n > 0;
      const newLabels = d.lines.map((l) => l.label).join("\u0000");
      if (!plot || newLabels !== labels || !plotEl.isConnected) {
        labels = newLabels;
        // uPlot measures its container, so wait until the card is in the document.
        if (plotEl.isConnected) build();
        else requestAnimationFrame(() => build());
      } else {
        plot.setData(toAligned());
        plot.setScale("x", { min: d.from, max: d.to });
      }
    },
    destroy() {
      ro.disconnect();
      media.removeEventListener("change", onTheme);
      plot?.destroy();
      plot = null;
    },
  };
}
