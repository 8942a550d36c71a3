// Form helpers of the alerts area: a labelled select with an error line (FormField's sibling),
// and a checkbox row.

import { h } from "../../dom";
import { FormField, type Field } from "../FormField";

let seq = 0;

export interface SelectField {
  el: HTMLElement;
  input: HTMLSelectElement;
  setError(msg: string): void;
}

export function SelectField(label: string, name: string, opts: [string, string][], testid: string): SelectField {
  const id = `s${++seq}`;
  const err = h("p", { class: "field-error", id: `${id}-err`, "aria-live": "polite" });
  const input = h("select", { id, class: "input", name, "aria-describedby": `${id}-err`, "data-testid": testid }, opts.map(([v, t]) => h("option", { value: v }, t)));
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

export function Check(label: string, testid: string, checked = false): { el: HTMLElement; input: HTMLInputElement } {
  const input = h("input", { type: "checkbox", checked, "data-testid": testid });
  return { el: h("label", { class: "toggle field-check" }, input, label), input };
}

export function Text(label: string, name: string, testid: string, extra: Record<string, unknown> = {}): Field {
  return FormField(label, { type: "text", name, autocomplete: "off", "data-testid": testid, ...extra });
}

/** The number in an input, or undefined when it is empty. */
export function numberOf(input: HTMLInputElement): number | undefined {
  const v = input.value.trim();
  return v === "" ? undefined : Number(v);
}
