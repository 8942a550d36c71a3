// Centered card used by the sign-in and setup pages.

import { h, type Child } from "../dom";

export function AuthLayout(title: Child, subtitle: Child, ...body: Child[]): HTMLElement {
  return h("div", { class: "auth" },
    h("div", { class: "auth-card" },
      h("div", { class: "auth-brand" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), "Vigil"),
      h("h1", { class: "auth-title" }, title),
      h("p", { class: "muted" }, subtitle),
      ...body,
    ),
  );
}
