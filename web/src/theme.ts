// Light or dark: the viewer's choice (key t or the top-bar button), kept in localStorage, or the
// system's prefers-color-scheme when none was made. The choice is an attribute on <html> that
// styles.css reads; charts and sparklines repaint on the "vigil:theme" event.

import { resetSparkColors } from "./components/Sparkline";

export type Theme = "light" | "dark";
const KEY = "vigil-theme";
const media = window.matchMedia("(prefers-color-scheme: dark)");

function stored(): Theme | null {
  try {
    const v = localStorage.getItem(KEY);
    return v === "light" || v === "dark" ? v : null;
  } catch {
    return null; // storage disabled: follow the system
  }
}

/** The theme in effect now. */
export function currentTheme(): Theme {
  return stored() ?? (media.matches ? "dark" : "light");
}

function apply(): void {
  const t = stored();
  if (t) document.documentElement.dataset.theme = t;
  else delete document.documentElement.dataset.theme;
  resetSparkColors();
  window.dispatchEvent(new Event("vigil:theme"));
}

export function setTheme(t: Theme): void {
  try {
    localStorage.setItem(KEY, t);
  } catch {
    // not kept across reloads, but still applied now
    document.documentElement.dataset.theme = t;
  }
  apply();
}

export function toggleTheme(): void {
  setTheme(currentTheme() === "dark" ? "light" : "dark");
}

/** Applies the stored choice before the first paint and follows system changes otherwise. */
export function startTheme(): void {
  apply();
  media.addEventListener("change", () => !stored() && apply());
}
