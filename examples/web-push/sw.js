// Service worker: shows what the push function sends. The payload is the
// JSON the push function encrypts for this subscription:
// { notification_id, title, body, image?, url?, icon?, data? }
self.addEventListener('push', (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { title: 'Notification', body: event.data ? event.data.text() : '' };
  }
  event.waitUntil(
    self.registration.showNotification(message.title || 'Notification', {
      body: message.body,
      icon: message.icon,
      image: message.image,
      // one notification per id: a redelivered message replaces, never duplicates
      tag: message.notification_id,
      data: { url: message.url, notification_id: message.notification_id, ...message.data },
    }),
  );
  // tell open pages, so the demo can show the raw payload too
  event.waitUntil(
    self.clients.matchAll({ type: 'window' }).then((pages) => {
      for (const page of pages) page.postMessage({ type: 'push', message });
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = event.notification.data?.url;
  if (url) event.waitUntil(self.clients.openWindow(url));
});
