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
  /** Dashed and fainter: the previous period drawn over the current one. */
  previous?: boolean;
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

/** The i-th line's color; a previous-period line reuses the color of the line it shadows. */
export function color(i: number): string {
  if (i < PALETTE.length) return PALETTE[i];
  // Golden-angle hues past the palette, as hex so a previous-period line can append an alpha.
  const hue = (i * 137.5) % 360;
  const f = (n: number) => {
    const k = (n + hue / 30) % 12;
    const v = 0.55 - 0.65 * Math.min(0.45, 1 - 0.55) * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(v * 255).toString(16).padStart(2, "0");
  };
  return `#${f(0)}${f(8)}${f(4)}`;
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

export interface ChartProps {
  title: string;
  testid: string;
  unit: Unit;
  extra?: HTMLElement;
  /** Drag across the plot: the selected time window (ms). All charts then show it. */
  onZoom?: (from: number, to: number) => void;
  /** Called after each redraw of the canvas (live latency measurement). */
  onDraw?: () => void;
}

export function Chart(p: ChartProps): ChartView {
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
      // The drag selection is not applied by uPlot itself (setScale: false): the page re-queries
      // the window at a finer step and every chart shows it, not just the one dragged on.
      cursor: { sync: { key: SYNC_KEY, setSeries: false }, points: { size: 6 }, drag: { x: true, y: false, setScale: false } },
      hooks: {
        setSelect: [(u) => {
          const sel = u.select;
          if (sel.width < 3 || !p.onZoom) return;
          const from = u.posToVal(sel.left, "x");
          const to = u.posToVal(sel.left + sel.width, "x");
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          p.onZoom(Math.round(from), Math.round(to));
        }],
        draw: [() => p.onDraw?.()],
      },
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
        ...data.lines.map((l, i) => {
          const c = l.color ?? color(i);
          return {
            label: l.label,
            stroke: l.previous ? c + "99" : c,
            width: l.previous ? 1.25 : 1.5,
            dash: l.previous ? [5, 4] : undefined,
            fill: single ? c + "22" : undefined,
            value: (_u: uPlot, v: number | null) => fmt(v),
          };
        }),
      ],
    };
    plot = new uPlot(opts, toAligned(), plotEl);
    plot.setScale("x", { min: data.from, max: data.to });
    touchZoom(plot);
  }

  // uPlot selects with mouse events only, and a finger's drag sends none (a phone turns only
  // taps into mouse events). Pointer events of touch and pen draw the same selection and zoom
  // like a mouse drag; touch-action pan-y leaves vertical swipes to scroll the page, so only a
  // sideways drag selects. The mouse stays uPlot's.
  function touchZoom(u: uPlot): void {
    const over = u.over;
    over.style.touchAction = "pan-y";
    let start: number | null = null;
    let pointer = -1;
    const xOf = (e: PointerEvent) => Math.min(Math.max(e.clientX - over.getBoundingClientRect().left, 0), over.clientWidth);
    const clear = () => u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    over.addEventListener("pointerdown", (e) => {
      if (e.pointerType === "mouse" || !p.onZoom || start !== null) return;
      start = xOf(e);
      pointer = e.pointerId;
      over.setPointerCapture(e.pointerId);
    });
    over.addEventListener("pointermove", (e) => {
      if (start === null || e.pointerId !== pointer) return;
      const x = xOf(e);
      u.setSelect({ left: Math.min(start, x), width: Math.abs(x - start), top: 0, height: over.clientHeight }, false);
      u.setCursor({ left: x, top: over.clientHeight / 2 }); // the crosshair follows the finger on every chart
    });
    const end = (e: PointerEvent, apply: boolean) => {
      if (start === null || e.pointerId !== pointer) return;
      const x = xOf(e);
      const left = Math.min(start, x), width = Math.abs(x - start);
      start = null;
      clear();
      // 10 px: a tap or a shaky finger is not a zoom.
      if (apply && width >= 10) p.onZoom?.(Math.round(u.posToVal(left, "x")), Math.round(u.posToVal(left + width, "x")));
    };
    over.addEventListener("pointerup", (e) => end(e, true));
    over.addEventListener("pointercancel", (e) => end(e, false));
  }

  function toAligned(): uPlot.AlignedData {
    return [data.times, ...data.lines.map((l) => l.values)] as uPlot.AlignedData;
  }

  const ro = new ResizeObserver(() => {
    if (plot && plotEl.clientWidth > 0) plot.setSize({ width: plotEl.clientWidth, height: HEIGHT });
  });
  ro.observe(plotEl);

  // Axis and grid colors come from CSS; rebuild when the system theme flips or the user picks one.
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  const onTheme = () => plot && build();
  media.addEventListener("change", onTheme);
  window.addEventListener("vigil:theme", onTheme);

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
      window.removeEventListener("vigil:theme", onTheme);
      plot?.destroy();
      plot = null;
    },
  };
}
