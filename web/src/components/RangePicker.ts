// Segmented control for the host page's preset time ranges.

import { h } from "../dom";

export const RANGES = { "1h": 3600e3, "6h": 6 * 3600e3, "24h": 24 * 3600e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 } as const;
export type RangeKey = keyof typeof RANGES;
export const RANGE_KEYS = Object.keys(RANGES) as RangeKey[];

export function isRange(s: string | null): s is RangeKey {
  return s !== null && s in RANGES;
}

export interface RangePickerView {
  el: HTMLElement;
  /** Marks the current preset; null when a custom or zoomed window is shown. */
  set(k: RangeKey | null): void;
}

export function RangePicker(initial: RangeKey | null, onChange: (r: RangeKey) => void): RangePickerView {
  const buttons = RANGE_KEYS.map((k, i) =>
    h("button", { type: "button", class: "seg-btn", "aria-pressed": String(k === initial), "data-testid": `range-${k}`, "data-range": k, title: `Last ${k} (key ${i + 1})` }, k));
  const el = h("div", { class: "seg", role: "group", "aria-label": "Time range" }, buttons);
  el.addEventListener("click", (ev) => {
    const b = (ev.target as Element).closest<HTMLButtonElement>("button[data-range]");
    if (!b) return;
    onChange(b.dataset.range as RangeKey);
  });
  return {
    el,
    set(k) {
      for (const x of buttons) x.setAttribute("aria-pressed", String(x.dataset.range === k));
    },
  };
}
