// The end-to-end page: get a token from the application server exactly like the LiveKit and
// OpenVidu tutorial front-ends (POST {roomName, participantName}, read {token} or
// {errorMessage}), connect, publish the fake microphone; then a second participant gets its
// connection details from the standard endpoint (POST /livekit/token) through livekit-client's
// own TokenSource.endpoint, with the bearer secret, and connects too. Every step is reported to
// the test.
'use strict';

const params = new URLSearchParams(location.search);
const APPLICATION_SERVER_URL = params.get('app'); // ends with '/', as in the tutorials
const LIVEKIT_URL = params.get('livekit');
const ROOM_NAME = params.get('room');
const PARTICIPANT_NAME = params.get('name');
const REPORT_URL = params.get('report');
const BEARER = params.get('bearer'); // the application server's TOKEN_ENDPOINT_SECRET
const STANDARD_IDENTITY = params.get('identity2');
const STANDARD_NAME = params.get('name2');

async function report(state, details) {
  document.getElementById('state').textContent = state;
  const body = JSON.stringify(Object.assign({ state }, details || {}));
  try {
    await fetch(REPORT_URL, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body });
  } catch (e) {
    console.error('report failed', e);
  }
}

// As in the tutorials' application clients.
async function getToken(roomName, participantName) {
  const response = await fetch(APPLICATION_SERVER_URL + 'token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ roomName, participantName }),
  });
  if (!response.ok) {
    const error = await response.json();
    throw new Error(`Failed to get token: ${error.errorMessage}`);
  }
  const data = await response.json();
  return data.token;
}

async function main() {
  // A bad request first: the error shape the tutorials display must come back through CORS.
  const bad = await fetch(APPLICATION_SERVER_URL + 'token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ roomName: ROOM_NAME }),
  });
  const badBody = await bad.json();
  await report('bad-request-checked', { status: bad.status, errorMessage: badBody.errorMessage });

  const token = await getToken(ROOM_NAME, PARTICIPANT_NAME);
  await report('token', { tokenLength: token.length });

  const LivekitClient = window.LivekitClient;
  const room = new LivekitClient.Room();
  room.on(LivekitClient.RoomEvent.Disconnected, (reason) => {
    report('disconnected', { reason: String(reason) });
  });
  await room.connect(LIVEKIT_URL, token);
  await room.localParticipant.setMicrophoneEnabled(true);
  const published = Array.from(room.localParticipant.trackPublications.values()).map((p) => ({
    source: p.source,
    kind: p.kind,
    sid: p.trackSid,
  }));

  // The standard endpoint refuses a request without the bearer secret, readably through CORS.
  const unauthorized = await fetch(APPLICATION_SERVER_URL + 'livekit/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ room_name: ROOM_NAME }),
  });
  const unauthorizedBody = await unauthorized.json();
  await report('standard-unauthorized-checked', {
    status: unauthorized.status,
    errorMessage: unauthorizedBody.errorMessage,
  });

  // livekit-client's TokenSource, as LiveKit's docs show it, with the bearer secret and a
  // header of the page's own (allowed by the preflight because the browser asks for it).
  const tokenSource = LivekitClient.TokenSource.endpoint(APPLICATION_SERVER_URL + 'livekit/token', {
    headers: { Authorization: 'Bearer ' + BEARER, 'X-Request-Id': 'e2e-' + Date.now() },
  });
  const details = await tokenSource.fetch({
    roomName: ROOM_NAME,
    participantIdentity: STANDARD_IDENTITY,
    participantName: STANDARD_NAME,
    participantAttributes: { origin: 'token-source' },
  });
  await report('standard-token', { serverUrl: details.serverUrl });
  const second = new LivekitClient.Room();
  await second.connect(details.serverUrl, details.participantToken);

  await report('connected', {
    connectionState: room.state,
    room: room.name,
    identity: room.localParticipant.identity,
    name: room.localParticipant.name,
    published,
    standard: {
      connectionState: second.state,
      room: second.name,
      identity: second.localParticipant.identity,
      name: second.localParticipant.name,
      attributes: second.localParticipant.attributes,
    },
  });
}

main().catch((error) => report('error', { message: String(error && error.stack || error) }));
