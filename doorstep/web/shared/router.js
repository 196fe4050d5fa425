// Hash routes (#/application/2012345678): the server serves each app as one page, so every
// route is a link one can share and needs no server-side fallback.
export function go(...parts) {
  location.hash = `#/${parts.map(encodeURIComponent).join('/')}`;
}

// The route now, {name, params} (`home` for an empty hash); onChange(route) on every change
export function followRoutes(home, onChange) {
  const parse = () => {
    const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
    return { name: parts[0] || home, params: parts.slice(1) };
  };
  window.addEventListener('hashchange', () => onChange(parse()));
  return parse();
}
