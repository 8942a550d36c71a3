// The host page's time controls: preset ranges, a custom from–to window (in the viewer's time
// zone), "reset zoom" after a drag, the live toggle with its indicator, and the comparison with
// the previous period.

import { h } from "../dom";
import { RangePicker, type RangeKey } from "./RangePicker";

export interface RangeBarState {
  preset: RangeKey;
  custom: { from: number; to: number } | null;
  live: boolean;
  compare: boolean;
  compareLabel: string;
}

export interface RangeBarHandlers {
  preset(k: RangeKey): void;
  custom(from: number, to: number): void;
  resetZoom(): void;
  live(on: boolean): void;
  compare(on: boolean): void;
}

export interface RangeBarView {
  el: HTMLElement;
  set(s: RangeBarState): void;
}

/** A Date as the value of an <input type="datetime-local"> (local time, minutes). */
function localInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function RangeBar(initial: RangeBarState, on: RangeBarHandlers): RangeBarView {
  let state = initial;
  const picker = RangePicker(initial.custom ? null : initial.preset, (k) => on.preset(k));
  const from = h("input", { type: "datetime-local", class: "input input-sm", "aria-label": "From", "data-testid": "range-from", required: true });
  const to = h("input", { type: "datetime-local", class: "input input-sm", "aria-label": "To", "data-testid": "range-to", required: true });
  const formError = h("span", { class: "field-error", role: "alert" });
  const form = h("form", { class: "custom-range", hidden: true, "data-testid": "custom-range-form" },
    h("label", { class: "inline-label" }, "From", from),
    h("label", { class: "inline-label" }, "To", to),
    h("button", { type: "submit", class: "btn btn-sm btn-primary", "data-testid": "range-apply" }, "Apply"),
    formError);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = new Date(from.value).getTime();
    const t = new Date(to.value).getTime();
    if (!Number.isFinite(f) || !Number.isFinite(t) || t <= f) {
      formError.textContent = "“To” must be after “From”.";
      return;
    }
    formError.textContent = "";
    form.hidden = true;
    customBtn.setAttribute("aria-expanded", "false");
    on.custom(f, Math.min(t, Date.now()));
  });
  const customBtn = h("button", { type: "button", class: "btn btn-sm", "aria-expanded": "false", "data-testid": "range-custom" }, "Custom…");
  customBtn.addEventListener("click", () => {
    form.hidden = !form.hidden;
    customBtn.setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) {
      const now = Date.now();
      const win = state.custom ?? { from: now - 6 * 3600e3, to: now };
      from.value = localInput(win.from);
      to.value = localInput(win.to);
      from.focus();
    }
  });
  const reset = h("button", { type: "button", class: "btn btn-sm", hidden: true, "data-testid": "zoom-reset", title: "Back to the preset range (Esc)", onclick: () => on.resetZoom() }, "Reset zoom");
  const liveBtn = h("button", { type: "button", class: "btn btn-sm live-toggle", "data-testid": "live-toggle", title: "Follow new values every second (L)", onclick: () => on.live(!state.live) },
    h("span", { class: "live-dot", "aria-hidden": "true" }), h("span", { class: "live-text" }));
  const compareBtn = h("button", { type: "button", class: "btn btn-sm", "data-testid": "compare-toggle", title: "Overlay the previous period, dashed (C)", onclick: () => on.compare(!state.compare) });
  const el = h("div", { class: "range-bar-wrap" },
    h("div", { class: "toolbar range-bar" },
      h("div", { class: "range-left" }, picker.el, customBtn, reset),
      h("div", { class: "range-right" }, compareBtn, liveBtn)),
    form);

  function set(s: RangeBarState): void {
    state = s;
    picker.set(s.custom ? null : s.preset);
    reset.hidden = !s.custom;
    liveBtn.setAttribute("aria-pressed", String(s.live));
    liveBtn.dataset.state = s.live ? "live" : "paused";
    liveBtn.querySelector(".live-text")!.textContent = s.live ? "Live · 1 s" : "Live";
    compareBtn.setAttribute("aria-pressed", String(s.compare));
    compareBtn.textContent = s.compare ? `Comparing ${s.compareLabel}` : `Compare ${s.compareLabel}`;
  }
  set(initial);
  return { el, set };
}
