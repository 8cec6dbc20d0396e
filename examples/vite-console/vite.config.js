// Development server for the console: it plays the part of your backend.
//  - GET /usersig: a UserSig signed here, in Node, with the secret key from the environment
//    (TENCENT_SECRET_KEY); the key never reaches the page.
//  - /im-proxy: proxied to the service (CHAT_RECALL_UPSTREAM, e.g. https://adminapisgp.im.qcloud.com,
//    or the emulator http://127.0.0.1:9000), so the page calls its own origin.
import { defineConfig } from 'vite';
import { generateUserSig } from 'chat-recall';

const upstream = process.env.CHAT_RECALL_UPSTREAM ?? 'http://127.0.0.1:9000';
const sdkAppId = Number(process.env.TENCENT_SDK_APP_ID ?? 1400000000);
const identifier = process.env.TENCENT_ADMIN ?? 'administrator';
const secretKey = process.env.TENCENT_SECRET_KEY;

export default defineConfig({
  server: {
    proxy: { '/im-proxy': { target: upstream, changeOrigin: true, rewrite: (path) => path.replace(/^\/im-proxy/, '') } },
  },
  plugins: [{
    name: 'usersig',
    configureServer(server) {
      server.middlewares.use('/usersig', (_req, res) => {
        if (!secretKey) {
          res.statusCode = 500;
          res.end('{"error":"TENCENT_SECRET_KEY is not set"}');
          return;
        }
        const userSig = generateUserSig({ sdkAppId, secretKey, identifier, expireSeconds: 3600 });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ sdkAppId, identifier, userSig }));
      });
    },
  }],
});
