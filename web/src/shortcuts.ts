// Keyboard shortcuts: one keydown listener for the whole app. The shell registers global keys
// (/ search, g o overview, t theme, ? help); a page adds its own while mounted and removes them
// in destroy(). Keys are ignored while typing in a field, and two-key sequences ("g o") wait one
// second for their second key.

export interface Shortcut {
  /** As shown and matched: "t", "/", "?", "g o", "Escape", "1". */
  keys: string;
  label: string;
  run(ev: KeyboardEvent): void;
}

interface Group {
  name: string;
  list: Shortcut[];
}

const groups: Group[] = [];
let pending = "";
let pendingTimer: number | undefined;

/** Registers shortcuts under a heading for the help dialog; returns the function removing them. */
export function addShortcuts(name: string, list: Shortcut[]): () => void {
  const g = { name, list };
  groups.push(g);
  return () => {
    const i = groups.indexOf(g);
    if (i >= 0) groups.splice(i, 1);
  };
}

export function shortcutGroups(): readonly Group[] {
  return groups;
}

function typing(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  return t.isContentEditable || t.tagName === "TEXTAREA" || t.tagName === "SELECT" ||
    (t.tagName === "INPUT" && !["checkbox", "radio", "button", "submit"].includes((t as HTMLInputElement).type));
}

export function startShortcuts(): void {
  document.addEventListener("keydown", (ev) => {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    if (typing(ev.target)) {
      // Escape leaves a field, so the page's keys work again.
      if (ev.key === "Escape" && ev.target instanceof HTMLElement && !(ev.target.closest("dialog"))) ev.target.blur();
      return;
    }
    if (document.querySelector("dialog[open]") && ev.key !== "Escape") return;
    const key = pending ? `${pending} ${ev.key}` : ev.key;
    window.clearTimeout(pendingTimer);
    pending = "";
    // Later registrations (the page) win over earlier ones (the shell).
    for (let i = groups.length - 1; i >= 0; i--) {
      const s = groups[i].list.find((x) => x.keys === key);
      if (s) {
        ev.preventDefault();
        s.run(ev);
        return;
      }
    }
    if (groups.some((g) => g.list.some((x) => x.keys.startsWith(ev.key + " ")))) {
      pending = ev.key;
      pendingTimer = window.setTimeout(() => (pending = ""), 1000);
    }
  });
}
