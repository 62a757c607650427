// Reference peer for the cross-SDK tests: the official Node SDK (`livekit-server-sdk`) behind
// a small command-line protocol, the same as tests/peers/python/peer.py.
//
// Protocol: one JSON command per line on stdin, one JSON result per line on stdout, in order.
// Every command has a "cmd" and may have an "id" (echoed back). Results are
// {"id": ..., "ok": true, ...} or {"id": ..., "ok": false, "error": "<Type>: <message>"}.
//
// Commands:
//   {"cmd": "version"}
//       -> {"sdk": "node", "versions": {...}}
//   {"cmd": "mint", "api_key", "api_secret", "ttl_seconds"?, "identity"?, "name"?, "kind"?,
//    "metadata"?, "attributes"?, "sha256"?, "room_preset"?, "room_config"? (protojson object),
//    "video"?, "sip"?, "agent"?, "inference"?, "observability"? (grant objects with the JWT's
//    camelCase names)}
//       -> {"token": "<jwt>"}
//   {"cmd": "verify", "api_key", "api_secret", "token"}
//       -> {"claims": <what TokenVerifier.verify returns>, "payload": <the verified JSON>}
//
// New commands (for example "webhook-sign" / "webhook-verify") go in COMMANDS below; an
// unknown command is answered with ok=false.
//
// Install: cd tests/peers/node && npm ci (or `cargo xtask setup`).

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

let sdk;
let protocol;
try {
  sdk = await import('livekit-server-sdk');
  protocol = await import('@livekit/protocol');
} catch (e) {
  process.stderr.write(
    `peer.mjs: ${e.message}; install with \`cargo xtask setup\` or \`cd tests/peers/node && npm ci\`\n`,
  );
  process.exit(3);
}
const { AccessToken, TokenVerifier } = sdk;

function decodePayload(token) {
  const payload = token.split('.')[1];
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

const COMMANDS = {
  version: async () => {
    const versions = {};
    for (const name of ['livekit-server-sdk', 'jose', '@livekit/protocol']) {
      const manifest = new URL(`./node_modules/${name}/package.json`, import.meta.url);
      versions[name] = JSON.parse(readFileSync(manifest, 'utf8')).version;
    }
    versions.node = process.version;
    return { sdk: 'node', versions };
  },

  mint: async (req) => {
    const options = {};
    if ('identity' in req) options.identity = req.identity;
    if ('name' in req) options.name = req.name;
    if ('metadata' in req) options.metadata = req.metadata;
    if ('attributes' in req) options.attributes = req.attributes;
    if ('ttl_seconds' in req) options.ttl = req.ttl_seconds;
    const at = new AccessToken(req.api_key, req.api_secret, options);
    if ('kind' in req) at.kind = req.kind;
    if ('sha256' in req) at.sha256 = req.sha256;
    if ('room_preset' in req) at.roomPreset = req.room_preset;
    if ('room_config' in req) {
      at.roomConfig = protocol.RoomConfiguration.fromJson(req.room_config);
    }
    if ('video' in req) {
      // The SDK takes TrackSource enum values and writes their lower-case names.
      const video = { ...req.video };
      if (Array.isArray(video.canPublishSources)) {
        video.canPublishSources = video.canPublishSources.map((name) => {
          const value = protocol.TrackSource[String(name).toUpperCase()];
          if (value === undefined) throw new Error(`unknown track source ${name}`);
          return value;
        });
      }
      at.addGrant(video);
    }
    if ('sip' in req) at.addSIPGrant(req.sip);
    if ('inference' in req) at.addInferenceGrant(req.inference);
    if ('observability' in req) at.addObservabilityGrant(req.observability);
    if ('agent' in req) throw new Error('the Node SDK has no agent grant');
    return { token: await at.toJwt() };
  },

  verify: async (req) => {
    const verifier = new TokenVerifier(req.api_key, req.api_secret);
    const claims = await verifier.verify(req.token);
    return { claims, payload: decodePayload(req.token) };
  },
};

// ---- webhooks (used by crates/livekit-server-webhook/tests/peers.rs) ---------------------
//   {"cmd": "webhook-sign", "api_key", "api_secret", "event"? (protojson object) | "body_b64"?}
//       -> {"body_b64", "authorization", "content_type"}: what the LiveKit server would send,
//          made with this SDK (body = WebhookEvent.toJsonString(), or the bytes given; token =
//          AccessToken with sha256 = base64(SHA-256(body)), valid 5 minutes)
//   {"cmd": "webhook-verify", "api_key", "api_secret", "body_b64", "authorization"}
//       -> {"event": <WebhookReceiver.receive's event as protojson (toJson)>}
const { createHash } = await import('node:crypto');

COMMANDS['webhook-sign'] = async (req) => {
  const body =
    'body_b64' in req
      ? Buffer.from(req.body_b64, 'base64')
      : Buffer.from(
          sdk.WebhookEvent.fromJson(req.event, { ignoreUnknownFields: true }).toJsonString(),
          'utf8',
        );
  const at = new AccessToken(req.api_key, req.api_secret, { ttl: '5m' });
  at.sha256 = createHash('sha256').update(body).digest('base64');
  return {
    body_b64: body.toString('base64'),
    authorization: await at.toJwt(),
    content_type: 'application/webhook+json',
  };
};

COMMANDS['webhook-verify'] = async (req) => {
  const body = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(req.body_b64, 'base64'));
  const receiver = new sdk.WebhookReceiver(req.api_key, req.api_secret);
  const event = await receiver.receive(body, req.authorization);
  return { event: event.toJson() };
};

async function handle(line) {
  let req = {};
  try {
    req = JSON.parse(line);
    const command = COMMANDS[req.cmd];
    if (!command) {
      return { id: req.id ?? null, ok: false, error: `unknown command ${JSON.stringify(req.cmd)}` };
    }
    const result = await command(req);
    return { ...result, id: req.id ?? null, ok: true };
  } catch (e) {
    const type = e?.code ?? e?.name ?? 'Error';
    return { id: req.id ?? null, ok: false, error: `${type}: ${e?.message ?? e}` };
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim()) {
    process.stdout.write(`${JSON.stringify(await handle(line))}\n`);
  }
}
