/**
 * Registers the service worker that vite-plugin-pwa builds (dist/sw.js): the app, its workers
 * and the shipped sample are then cached, so a classroom with poor Wi-Fi still trains.
 *
 * Registered here, by the app, rather than by a script the plugin injects into every page: a
 * page served beside the app must not install it unasked.
 */
export function registerServiceWorker(): void {
  // The dev server builds no service worker.
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const base = import.meta.env.BASE_URL;
  // After load: precaching must not slow the first paint.
  window.addEventListener('load', () => {
    navigator.serviceWorker.register(`${base}sw.js`, { scope: base }).catch((error: unknown) => {
      console.warn('The service worker did not register; the app will not work offline.', error);
    });
  });
}
