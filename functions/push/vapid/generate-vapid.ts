// `npm run vapid`: print a new VAPID key pair for VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY.
// Generate once per deployment and keep it: browsers tie subscriptions to the public key.
import webpush from 'web-push';

const { publicKey, privateKey } = webpush.generateVAPIDKeys();
process.stdout.write(`VAPID_PUBLIC_KEY=${publicKey}\nVAPID_PRIVATE_KEY=${privateKey}\nVAPID_SUBJECT=mailto:you@example.com\n`);
