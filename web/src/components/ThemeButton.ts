// Top-bar button switching light/dark; its label says what a press does.

import { h } from "../dom";
import { currentTheme, toggleTheme } from "../theme";

export function ThemeButton(): HTMLElement {
  const b = h("button", { type: "button", class: "btn btn-ghost btn-sm btn-icon", "data-testid": "theme-toggle" });
  const label = () => {
    const dark = currentTheme() === "dark";
    b.textContent = dark ? "☀" : "☾";
    b.setAttribute("aria-label", dark ? "Switch to light theme" : "Switch to dark theme");
    b.title = `${b.getAttribute("aria-label")} (T)`;
    b.dataset.theme = currentTheme();
  };
  b.addEventListener("click", () => toggleTheme());
  window.addEventListener("vigil:theme", label);
  label();
  return b;
}
