// The service worker: an offline app shell (network first, the last copy when offline;
// vendored modules, which never change under their versioned path, from the cache first)
// and Web Push (show the notification, post the ack, open the right page on a tap).
const CACHE = 'doorstep-shell-v3';
const SHELL = [
  '/',
  '/manifest.webmanifest',
  '/app/app.css',
  '/app/main.js',
  '/app/core/acting.js',
  '/app/core/acting_banner.js',
  '/app/core/api.js',
  '/app/core/i18n.js',
  '/app/core/lazy.js',
  '/app/core/live.js',
  '/app/core/push.js',
  '/app/core/rating.js',
  '/app/core/router.js',
  '/app/core/speech.js',
  '/app/core/store.js',
  '/app/core/ui.js',
  '/app/screens/application.js',
  '/app/screens/application_feedback.js',
  '/app/screens/apply.js',
  '/app/screens/catalog.js',
  '/app/screens/confirmations.js',
  '/app/screens/data_access.js',
  '/app/screens/delegations.js',
  '/app/screens/elder_offer.js',
  '/app/screens/escort.js',
  '/app/screens/home.js',
  '/app/screens/identity.js',
  '/app/screens/login.js',
  '/app/screens/more.js',
  '/app/screens/notifications.js',
  '/app/screens/offers.js',
  '/app/screens/settings.js',
  '/app/screens/tickets.js',
  '/shared/api.js',
  '/shared/base.css',
  '/shared/busy.js',
  '/shared/html.js',
  '/shared/i18n.js',
  '/shared/live.js',
  '/shared/login.js',
  '/shared/router.js',
  '/shared/store.js',
  '/shared/ui.js',
  '/app/icons/icon.svg',
  '/app/icons/icon-192.png',
  '/vendor/preact-11.2.0/preact.mjs',
  '/vendor/preact-11.2.0/hooks.mjs',
  '/vendor/htm-3.1.1/htm.mjs',
  '/vendor/graphql-ws-6.4.2/client.js',
  '/vendor/graphql-ws-6.4.2/common-CGW11Fyb.js',
  '/i18n/zh_Hans',
  '/i18n/zh_Hant',
  '/i18n/en',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    if (request.mode === 'navigate') return (await cache.match('/')) || Response.error();
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin) return;
  // the staff console shares the origin, not this app: its pages are never this shell
  if (url.pathname.startsWith('/counter/')) return;
  if (url.pathname.startsWith('/vendor/')) event.respondWith(cacheFirst(event.request));
  else if (url.pathname === '/' || url.pathname.startsWith('/app/') || url.pathname.startsWith('/shared/')
    || url.pathname.startsWith('/i18n/')
    || url.pathname === '/manifest.webmanifest' || event.request.mode === 'navigate') {
    event.respondWith(networkFirst(event.request));
  }
});

// Web Push: {id, title, body, kind, tag, url, ack}; the ack needs no session (an HMAC token)
const ack = (data, opened) =>
  fetch('/push/ack', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: data.id, ack: data.ack, opened }),
  }).catch(() => {});

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    return;
  }
  event.waitUntil(
    Promise.all([
      self.registration.showNotification(data.title || '掌上办', {
        body: data.body || '',
        tag: data.tag,
        icon: '/app/icons/icon-192.png',
        data,
      }),
      data.id && data.ack ? ack(data, false) : null,
    ]),
  );
});

// the server names pages by path (/applications/<number>); the app's routes are hash routes
function pageFor(url) {
  const path = new URL(url || '/', location.origin).pathname;
  const application = path.match(/^\/applications\/([0-9A-Za-z-]+)$/);
  const ticket = path.match(/^\/tickets\/([0-9A-Za-z-]+)$/);
  if (application) return new URL(`/#/application/${application[1]}`, location.origin).href;
  if (ticket) return new URL(`/#/ticket/${ticket[1]}`, location.origin).href;
  return new URL('/', location.origin).href;
}
self.pageFor = pageFor;

// a tap: a window of this app comes to the page (never the staff console's window, which
// shares the origin), else a new one opens. navigate() needs a window this worker controls;
// focus() needs the tap's permission to focus, so a refusal of either still leaves the page open
async function openPage(target) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const app = windows.find((w) => new URL(w.url).pathname === '/');
  const moved = app ? await app.navigate(target).catch(() => null) : null;
  if (moved) return moved.focus().catch(() => moved);
  return self.clients.openWindow(target);
}

function tapped(data) {
  return Promise.all([data.id && data.ack ? ack(data, true) : null, openPage(pageFor(data.url))]);
}
self.tapped = tapped;

self.addEventListener('notificationclick', (event) => {
  const data = event.notification.data || {};
  event.notification.close();
  event.waitUntil(tapped(data));
});
