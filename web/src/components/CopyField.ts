// Read-only value (token, command) with a copy-to-clipboard button.

import { h } from "../dom";

async function copy(text: string, fallbackFrom: HTMLElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // navigator.clipboard needs a secure context; a hub on plain http://LAN-IP has none.
    const sel = window.getSelection();
    const range = document.createRange();
    range.selectNodeContents(fallbackFrom);
    sel?.removeAllRanges();
    sel?.addRange(range);
    return document.execCommand("copy");
  }
}

export function CopyField(label: string, value: string, testid: string): HTMLElement {
  const code = h("code", { class: "copy-value", "data-testid": testid }, value);
  const btn = h("button", { type: "button", class: "btn btn-sm", "aria-label": `Copy ${label.toLowerCase()}`, "data-testid": `${testid}-copy` }, "Copy");
  btn.addEventListener("click", async () => {
    const ok = await copy(value, code);
    btn.textContent = ok ? "Copied" : "Select and copy";
    window.setTimeout(() => (btn.textContent = "Copy"), 2000);
  });
  return h("div", { class: "copy" }, h("div", { class: "label" }, label), h("div", { class: "copy-row" }, code, btn));
}
