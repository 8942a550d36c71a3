// History-API router: maps paths to page factories and intercepts same-origin link clicks.

type Handler = (path: string, query: URLSearchParams) => void;

let handler: Handler = () => {};

export function startRouter(fn: Handler): void {
  handler = fn;
  window.addEventListener("popstate", () => handler(location.pathname, new URLSearchParams(location.search)));
  document.addEventListener("click", (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = (ev.target as Element | null)?.closest?.("a");
    if (!a || a.target || a.hasAttribute("download")) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
    ev.preventDefault();
    navigate(url.pathname + url.search);
  });
  handler(location.pathname, new URLSearchParams(location.search));
}

export function navigate(to: string, replaceState = false): void {
  const url = new URL(to, location.href);
  if (replaceState) history.replaceState(null, "", url);
  else if (url.pathname + url.search !== location.pathname + location.search) history.pushState(null, "", url);
  window.scrollTo(0, 0);
  handler(url.pathname, url.searchParams);
}
