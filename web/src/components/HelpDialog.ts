// "?" opens this list of keyboard shortcuts: the shell's and the current page's.

import { h } from "../dom";
import { shortcutGroups } from "../shortcuts";

const SHOW: Record<string, string> = { Escape: "Esc", "/": "/", "?": "?" };

export function openHelpDialog(): void {
  if (document.querySelector('[data-testid="help-dialog"]')) return;
  const close = h("button", { type: "button", class: "btn", "data-testid": "help-close" }, "Close");
  const dlg = h("dialog", { class: "dialog", "data-testid": "help-dialog", "aria-labelledby": "help-title" },
    h("h2", { class: "dialog-title", id: "help-title" }, "Keyboard shortcuts"),
    h("div", { class: "dialog-body" },
      shortcutGroups().map((g) => h("section", { class: "help-group" },
        h("h3", { class: "help-heading" }, g.name),
        h("dl", { class: "help-list" }, g.list.map((s) => h("div", null,
          h("dt", null, s.keys.split(" ").map((k) => h("kbd", null, SHOW[k] ?? k))),
          h("dd", null, s.label)))))),
      h("div", { class: "dialog-actions" }, close)));
  close.addEventListener("click", () => dlg.close());
  dlg.addEventListener("close", () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
}
