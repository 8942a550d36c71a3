// Labelled input with its own error line, tied together with aria attributes.

import { h } from "../dom";

let seq = 0;

export interface Field {
  el: HTMLElement;
  input: HTMLInputElement;
  setError(msg: string): void;
}

export function FormField(label: string, attrs: Record<string, unknown>): Field {
  const id = `f${++seq}`;
  const err = h("p", { class: "field-error", id: `${id}-err`, "aria-live": "polite" });
  const input = h("input", { id, class: "input", "aria-describedby": `${id}-err`, ...attrs });
  return {
    el: h("div", { class: "field" }, h("label", { for: id, class: "label" }, label), input, err),
    input,
    setError(msg) {
      err.textContent = msg;
      if (msg) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    },
  };
}
