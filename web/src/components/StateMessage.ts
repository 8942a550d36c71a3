// Centered loading / error / empty message, optionally with a retry button or an action.

import { h, type View } from "../dom";

export interface StateMessageProps {
  kind: "loading" | "error" | "empty";
  text: string;
  detail?: string;
  retry?: () => void;
  action?: HTMLElement;
  /** Draw inside a dashed box (empty lists). */
  boxed?: boolean;
}

export function StateMessage(p: StateMessageProps): View {
  const el = h(
    "div",
    { class: `state state-${p.kind}${p.boxed ? " state-boxed" : ""}`, role: p.kind === "error" ? "alert" : "status", "data-testid": `state-${p.kind}` },
    p.kind === "loading" ? h("span", { class: "spinner", "aria-hidden": "true" }) : null,
    p.kind === "error" ? h("span", { class: "state-icon", "aria-hidden": "true" }, "!") : null,
    p.boxed ? h("span", { class: "state-art", "aria-hidden": "true" }, h("span"), h("span"), h("span")) : null,
    h("p", { class: "state-text" }, p.text),
    p.detail ? h("p", { class: "state-detail" }, p.detail) : null,
    p.retry ? h("button", { class: "btn", type: "button", onclick: p.retry }, "Try again") : null,
    p.action ?? null,
  );
  return { el };
}
