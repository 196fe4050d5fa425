// Web Push on this device: subscribe with the server's VAPID key (pushPublicKey) and register
// the subscription's keys; the service worker (sw.js) shows each push and posts its ack.
import { ApiError, gql } from './api.js';
import { t } from './i18n.js';

export const canPush = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

// applicationServerKey wants the raw key bytes; the server gives base64url
function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

export async function currentSubscription() {
  if (!canPush()) return null;
  const registration = await navigator.serviceWorker.getRegistration();
  return registration ? registration.pushManager.getSubscription() : null;
}

export async function subscribe() {
  if (!canPush()) throw new ApiError('push.unavailable', t('push.unavailable'));
  const { pushPublicKey } = await gql('{ pushPublicKey }');
  if (!pushPublicKey) throw new ApiError('push.unavailable', t('push.unavailable'));
  if ((await Notification.requestPermission()) !== 'granted') {
    throw new ApiError('push.denied', t('push.denied'));
  }
  const registration = await navigator.serviceWorker.ready;
  let subscription;
  try {
    subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(pushPublicKey),
    });
  } catch {
    throw new ApiError('push.unavailable', t('push.unavailable'));
  }
  const { endpoint, keys } = subscription.toJSON();
  await gql(
    'mutation ($e: String!, $p: String!, $a: String!) { registerPushSubscription(endpoint: $e, p256dh: $p, auth: $a) }',
    { e: endpoint, p: keys.p256dh, a: keys.auth },
  );
  return subscription;
}

export async function unsubscribe() {
  const subscription = await currentSubscription();
  if (!subscription) return;
  await gql('mutation ($e: String!) { unregisterPushSubscription(endpoint: $e) }', {
    e: subscription.endpoint,
  });
  await subscription.unsubscribe();
}
