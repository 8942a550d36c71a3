// Segmented control for the host page's time range.

import { h } from "../dom";

export const RANGES = { "1h": 3600e3, "6h": 6 * 3600e3, "24h": 24 * 3600e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 } as const;
export type RangeKey = keyof typeof RANGES;

export function isRange(s: string | null): s is RangeKey {
  return s !== null && s in RANGES;
}

export function RangePicker(initial: RangeKey, onChange: (r: RangeKey) => void): HTMLElement {
  const buttons = (Object.keys(RANGES) as RangeKey[]).map((k) =>
    h("button", { type: "button", class: "seg-btn", "aria-pressed": String(k === initial), "data-testid": `range-${k}`, "data-range": k }, k));
  const el = h("div", { class: "seg", role: "group", "aria-label": "Time range" }, buttons);
  el.addEventListener("click", (ev) => {
    const b = (ev.target as Element).closest<HTMLButtonElement>("button[data-range]");
    if (!b) return;
    for (const x of buttons) x.setAttribute("aria-pressed", String(x === b));
    onChange(b.dataset.range as RangeKey);
  });
  return el;
}
