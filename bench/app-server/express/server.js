// The minimal Express application server of the LiveKit tutorials (POST /token with
// {roomName, participantName}, answering {token}), on the official livekit-server-sdk, for
// the app-server throughput benchmark (bench/app-server, docs/performance.md). The same
// routes, answers and token claims as ours; no per-request logging, CORS by hand (the
// tutorial uses the `cors` package, which answers the same headers).
'use strict';

const express = require('express');
const { AccessToken } = require('livekit-server-sdk');

const PORT = Number(process.env.SERVER_PORT || 6080);
const API_KEY = process.env.LIVEKIT_API_KEY || 'devkey';
const API_SECRET = process.env.LIVEKIT_API_SECRET || 'secret';

const app = express();
app.use(express.json());
app.use((req, res, next) => {
  res.set('Access-Control-Allow-Origin', '*');
  next();
});

app.post('/token', async (req, res) => {
  const roomName = req.body.roomName;
  const participantName = req.body.participantName;
  if (!roomName || !participantName) {
    res.status(400).json({ errorMessage: 'roomName and participantName are required' });
    return;
  }
  const at = new AccessToken(API_KEY, API_SECRET, { identity: participantName, name: participantName, ttl: '6h' });
  at.addGrant({ roomJoin: true, room: roomName });
  const token = await at.toJwt();
  res.json({ token });
});

app.listen(PORT, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${PORT}`);
});
